/*
** libFuzzer harness for the WAV reader (wav.h). Every input goes through
** wav_read(); a recording it accepts must hold the promises the upload
** handler and the audio checks rely on, or we abort():
**  - samples is non-NULL whenever nsamples > 0, and nsamples <= size / 2
**    (no frame is smaller than two bytes, so nothing was invented);
**  - sample_rate is within 1..384000, src_channels 1 or 2, src_bits 16, 24
**    or 32, src_float 0 or 1 (and 1 only with 32 bits);
**  - the samples written back with wav_write_mono16() and read again come
**    out identical, at the same rate, as mono 16-bit;
**  - a refusal is ERR_INVALID or ERR_UNSUPPORTED (or ERR_INTERNAL when out
**    of memory) with a non-empty message, and leaves nothing to free.
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_wav.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wav.h"

static void
check_pcm(const struct wav_pcm *w, size_t size)
{
	if (w->nsamples > 0 && w->samples == NULL)
		abort();
	if (w->nsamples > size / 2)
		abort();
	if (w->sample_rate < 1 || w->sample_rate > 384000)
		abort();
	if (w->src_channels != 1 && w->src_channels != 2)
		abort();
	if (w->src_bits != 16 && w->src_bits != 24 && w->src_bits != 32)
		abort();
	if (w->src_float != 0 && (w->src_float != 1 || w->src_bits != 32))
		abort();
}

/* wav_write_mono16() of ${w}, read again, gives ${w}'s samples back. */
static void
check_round_trip(const struct wav_pcm *w)
{
	struct wav_pcm again;
	struct err e = { 0 };
	void *f;
	size_t len;

	if ((f = wav_write_mono16(
		 w->samples, w->nsamples, w->sample_rate, &len)) == NULL)
		return; /* out of memory */
	if (len != 44 + 2 * w->nsamples)
		abort();
	if (wav_read(f, len, &again, &e) == -1) {
		if (e.code != ERR_INTERNAL)
			abort();
		free(f);
		return;
	}
	if (again.sample_rate != w->sample_rate || again.src_channels != 1 ||
	    again.src_bits != 16 || again.src_float != 0 ||
	    again.nsamples != w->nsamples)
		abort();
	if (w->nsamples > 0 &&
	    memcmp(again.samples, w->samples,
		w->nsamples * sizeof(*w->samples)) != 0)
		abort();
	wav_pcm_free(&again);
	free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = { 0 };
	struct wav_pcm w;

	if (wav_read(data, size, &w, &e) == 0) {
		check_pcm(&w, size);
		check_round_trip(&w);
		wav_pcm_free(&w);
	} else if (!(e.code == ERR_INVALID || e.code == ERR_UNSUPPORTED ||
		       e.code == ERR_INTERNAL) ||
	    e.msg[0] == '\0' || w.samples != NULL || w.nsamples != 0)
		abort();
	return (0);
}
