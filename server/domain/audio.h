/*
** Audio (domain): the quality checks a recording must pass before it is
** kept, and FLAC encoding and decoding with libFLAC. Samples are always
** canonical mono 16-bit PCM (see wav.h); the FLAC written here decodes to
** exactly those samples.
*/
#ifndef TRIBUTARY_AUDIO_H
#define TRIBUTARY_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* What a recording is measured against. */
struct audio_limits {
	int sample_rate; /* the campaign's: anything else is wrong_rate */
	double min_seconds, max_seconds;
};

/* Thresholds: below AUDIO_SILENT_RMS (about -50 dBFS) a recording is
** silent; more than AUDIO_CLIP_SHARE of its samples at full scale and it
** is clipped. */
#define AUDIO_SILENT_RMS 104.0
#define AUDIO_CLIP_SHARE 0.01
#define AUDIO_CLIP_LEVEL 32766

struct audio_stats {
	double duration; /* seconds */
	double rms;      /* of the samples, int16 units */
	double clipped;  /* share of samples at full scale, 0..1 */
};

/* Measures ${n} samples at ${rate} into ${st}. Can't fail. */
void
audio_measure(const int16_t *s, size_t n, int rate, struct audio_stats *st);

/*
** Checks a recording against ${lim}. Returns NULL if it passes, else the
** reason's code ("wrong_rate", "too_short", "too_long", "silent",
** "clipped") with a plain sentence for the contributor in ${msg}. Can't
** fail.
*/
const char *audio_check(const int16_t *s, size_t n, int rate,
    const struct audio_limits *lim, char *msg, size_t msgsz);

/*
** Encodes ${n} mono 16-bit samples at ${rate} as a FLAC stream
** (compression level 5, STREAMINFO with the total and the MD5 of the
** samples). Returns a malloc'd buffer and its size in ${len}, or NULL with
** ${e} set (ERR_INTERNAL: out of memory, or libFLAC refused).
*/
void *audio_flac_encode(
    const int16_t *s, size_t n, int rate, size_t *len, struct err *e);

/*
** Decodes a mono 16-bit FLAC stream of ${n} bytes, checking its MD5.
** Returns the malloc'd samples (count in ${nsamples}, rate in ${rate}), or
** NULL with ${e} (ERR_INVALID if it is not such a stream).
*/
int16_t *audio_flac_decode(
    const void *p, size_t n, size_t *nsamples, int *rate, struct err *e);

#endif
