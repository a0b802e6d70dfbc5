/*
** A strict reader for uploaded WAV recordings, and the canonical writer.
** Uploads come in many shapes (16/24/32-bit integer PCM, 32-bit float,
** mono or stereo, WAVE_FORMAT_EXTENSIBLE, metadata chunks from every
** recorder); wav_read() refuses anything malformed or outside that set and
** turns the rest into the one form the server keeps: mono 16-bit PCM.
** Outside input: fuzzed by tests/fuzz/fuzz_wav.c.
*/
#ifndef TRIBUTARY_WAV_H
#define TRIBUTARY_WAV_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct wav_pcm {
	int sample_rate;  /* Hz, as declared by fmt */
	int src_channels; /* 1 or 2, as uploaded */
	int src_bits;     /* 16, 24 or 32 */
	int src_float;    /* 1 for IEEE float 32-bit */
	size_t nsamples;  /* mono frames in samples */
	int16_t *samples; /* canonical mono 16-bit PCM (malloc'd) */
};

/*
** Parses a RIFF/WAVE file held in ${p}..${p}+${n}, never reading outside it,
** into canonical mono 16-bit samples. Returns 0, or -1 with ${e}:
** ERR_INVALID for anything malformed -- not RIFF/WAVE,
** truncated, lying chunk sizes, no fmt or no data chunk, data before fmt is
** fine (chunks may come in any order), a data size not a multiple of the
** block align, zero channels, zero rate, a duplicate fmt or data chunk, ...;
** ERR_UNSUPPORTED for a well-formed file in a format we do not take
** (compressed formats, 8-bit, 3+ channels, 64-bit float, RF64, big-endian
** RIFX, ...). The message is a plain sentence a contributor or developer can
** act on ("the WAV data chunk says 96000 bytes but only 1200 follow").
** ERR_INTERNAL if out of memory.
**
** Conversion: 24-bit takes the top 16 bits rounded half up, (v + 128) >> 8;
** 32-bit integer (v + 32768) >> 16; float lrintf(x * 32767) with x clamped
** to [-1, 1] and NaN read as 0; each clamped to the int16 range. Stereo is
** mixed down as (l + r) >> 1, i.e. the mean rounded toward negative
** infinity. Mono 16-bit comes out bit-identical.
**
** On success the caller frees ${out} with wav_pcm_free(); samples is NULL
** when nsamples is 0. On failure ${out} is zeroed (nothing to free).
*/
int wav_read(const void *p, size_t n, struct wav_pcm *out, struct err *e);
/* Frees the samples and zeroes ${w}; NULL-safe and idempotent. Can't
** fail. */
void wav_pcm_free(struct wav_pcm *w);

/* Writes a canonical 44-byte-header WAV (PCM 16-bit mono) of ${s}[0..${n}) at
** ${rate} into a malloc'd buffer; returns it and its size in ${len}, NULL if
** out of memory (or if ${rate} is not positive or ${n} samples do not fit a
** WAV's 32-bit sizes). The caller frees the buffer. */
void *wav_write_mono16(const int16_t *s, size_t n, int rate, size_t *len);

#endif
