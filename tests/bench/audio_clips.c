/*
** Writes N speech-like test clips as 16-bit mono WAV files for the audio
** benchmark: DIR/clip-0000.wav ... Each clip is SECONDS long at RATE Hz
** and different from every other (its own seed): syllables of a voiced
** tone with a wandering pitch and a few harmonics, noise bursts for
** consonants, short pauses, and a low noise floor, so FLAC has the kind of
** work real recordings give it.
**
**   bench_audio_clips DIR N [SECONDS [RATE]]
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "wav.h"

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return (*s);
}

static double
unit(uint32_t *s)
{
	return ((rnd(s) >> 8) / 16777216.0);
}

static void
clip(int16_t *out, size_t n, int rate, uint32_t seed)
{
	double phase = 0, pitch = 110 + 80 * unit(&seed), v, env;
	size_t i = 0, len, k;
	int kind, h;

	while (i < n) {
		len = (size_t)(rate * (0.08 + 0.2 * unit(&seed)));
		kind =
		    (int)(rnd(&seed) % 6); /* 0-3 vowel, 4 consonant, 5 pause */
		for (k = 0; k < len && i < n; k++, i++) {
			env = sin(M_PI * (double)k / (double)len);
			v = 0;
			if (kind < 4) {
				pitch += (unit(&seed) - 0.5) * 0.4;
				phase += 2 * M_PI * pitch / rate;
				for (h = 1; h <= 5; h++)
					v += sin(phase * h) / h;
				v *= 5200 * env;
			} else if (kind == 4)
				v = (unit(&seed) - 0.5) * 5000 * env;
			v += (unit(&seed) - 0.5) * 120; /* room noise */
			out[i] = (int16_t)lrint(v);
		}
	}
}

int
main(int argc, char **argv)
{
	const char *dir;
	int i, n, rate;
	double secs;
	size_t ns, len;
	int16_t *s;
	void *w;
	char path[4096];
	FILE *f;

	if (argc < 3) {
		fprintf(stderr,
		    "usage: bench_audio_clips DIR N [SECONDS [RATE]]\n");
		return (2);
	}
	dir = argv[1];
	n = atoi(argv[2]);
	secs = argc > 3 ? atof(argv[3]) : 5;
	rate = argc > 4 ? atoi(argv[4]) : 16000;
	ns = (size_t)(secs * rate);
	if (n <= 0 || ns == 0 || (s = malloc(ns * sizeof(*s))) == NULL)
		return (2);
	for (i = 0; i < n; i++) {
		clip(s, ns, rate, 0x9e3779b9u ^ (uint32_t)(i * 2654435761u));
		if ((w = wav_write_mono16(s, ns, rate, &len)) == NULL)
			return (1);
		snprintf(path, sizeof(path), "%s/clip-%04d.wav", dir, i);
		if ((f = fopen(path, "wb")) == NULL ||
		    fwrite(w, 1, len, f) != len || fclose(f) != 0) {
			perror(path);
			return (1);
		}
		free(w);
	}
	free(s);
	return (0);
}
