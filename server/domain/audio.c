/*
** Audio quality checks and FLAC (audio.h). The encoder writes into memory
** through libFLAC's stream callbacks; seek and tell let it go back and
** fill in STREAMINFO (total samples, MD5) when it finishes.
*/
#include "audio.h"

#include <FLAC/stream_decoder.h>
#include <FLAC/stream_encoder.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
audio_measure(const int16_t *s, size_t n, int rate, struct audio_stats *st)
{
	uint64_t sum = 0; /* < 2^30 per sample: exact for 2^34 samples */
	size_t i, clipped = 0;
	int32_t v;

	for (i = 0; i < n; i++) {
		v = s[i];
		sum += (uint64_t)(v * v);
		clipped += v >= AUDIO_CLIP_LEVEL || v <= -AUDIO_CLIP_LEVEL;
	}
	st->duration = rate > 0 ? (double)n / rate : 0;
	st->rms = n ? sqrt((double)sum / (double)n) : 0;
	st->clipped = n ? (double)clipped / (double)n : 0;
}

const char *
audio_check(const int16_t *s, size_t n, int rate,
    const struct audio_limits *lim, char *msg, size_t msgsz)
{
	struct audio_stats st;

	if (rate != lim->sample_rate) {
		snprintf(msg, msgsz,
		    "the recording is at %d Hz; this drive records at %d Hz",
		    rate, lim->sample_rate);
		return ("wrong_rate");
	}
	audio_measure(s, n, rate, &st);
	if (st.duration < lim->min_seconds) {
		snprintf(msg, msgsz,
		    "the recording is %.1f seconds long; it needs at least "
		    "%.1f seconds",
		    st.duration, lim->min_seconds);
		return ("too_short");
	}
	/* One sample of slack: a page stopping at the limit may round up. */
	if (n > (size_t)ceil(lim->max_seconds * rate) + 1) {
		snprintf(msg, msgsz,
		    "the recording is %.1f seconds long; this drive takes at "
		    "most %.1f seconds",
		    st.duration, lim->max_seconds);
		return ("too_long");
	}
	if (st.rms < AUDIO_SILENT_RMS) {
		snprintf(msg, msgsz,
		    "the recording is almost silent; check that the "
		    "microphone is on and speak closer to it");
		return ("silent");
	}
	if (st.clipped > AUDIO_CLIP_SHARE) {
		snprintf(msg, msgsz,
		    "the recording is too loud (%.1f%% of it is distorted); "
		    "hold the phone a little further away and record again",
		    st.clipped * 100);
		return ("clipped");
	}
	return (NULL);
}

/* A growing buffer with a position, for the encoder's seek and tell. */
struct membuf {
	unsigned char *p;
	size_t n, cap, pos;
};

static FLAC__StreamEncoderWriteStatus
enc_write(const FLAC__StreamEncoder *enc, const FLAC__byte *data, size_t bytes,
    uint32_t samples, uint32_t frame, void *cls)
{
	struct membuf *m = cls;
	unsigned char *np;
	size_t need = m->pos + bytes, cap;

	if (need > m->cap) {
		cap = m->cap ? m->cap : 65536;
		while (cap < need)
			cap *= 2;
		if ((np = realloc(m->p, cap)) == NULL)
			return (FLAC__STREAM_ENCODER_WRITE_STATUS_FATAL_ERROR);
		m->p = np;
		m->cap = cap;
	}
	memcpy(m->p + m->pos, data, bytes);
	m->pos = need;
	if (need > m->n)
		m->n = need;
	return (FLAC__STREAM_ENCODER_WRITE_STATUS_OK);
}

static FLAC__StreamEncoderSeekStatus
enc_seek(const FLAC__StreamEncoder *enc, FLAC__uint64 off, void *cls)
{
	struct membuf *m = cls;

	if (off > m->n)
		return (FLAC__STREAM_ENCODER_SEEK_STATUS_ERROR);
	m->pos = (size_t)off;
	return (FLAC__STREAM_ENCODER_SEEK_STATUS_OK);
}

static FLAC__StreamEncoderTellStatus
enc_tell(const FLAC__StreamEncoder *enc, FLAC__uint64 *off, void *cls)
{
	*off = ((struct membuf *)cls)->pos;
	return (FLAC__STREAM_ENCODER_TELL_STATUS_OK);
}

void *
audio_flac_encode(
    const int16_t *s, size_t n, int rate, size_t *len, struct err *e)
{
	FLAC__StreamEncoder *enc;
	FLAC__int32 block[4096];
	struct membuf m = { 0 };
	size_t i, k, done;
	int ok;

	if ((enc = FLAC__stream_encoder_new()) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return (NULL);
	}
	ok = FLAC__stream_encoder_set_channels(enc, 1) &&
	    FLAC__stream_encoder_set_bits_per_sample(enc, 16) &&
	    FLAC__stream_encoder_set_sample_rate(enc, (uint32_t)rate) &&
	    FLAC__stream_encoder_set_compression_level(enc, 5) &&
	    FLAC__stream_encoder_set_total_samples_estimate(enc, n) &&
	    FLAC__stream_encoder_init_stream(enc, enc_write, enc_seek, enc_tell,
		NULL, &m) == FLAC__STREAM_ENCODER_INIT_STATUS_OK;
	for (done = 0; ok && done < n; done += k) {
		k = n - done < 4096 ? n - done : 4096;
		for (i = 0; i < k; i++)
			block[i] = s[done + i];
		ok = FLAC__stream_encoder_process_interleaved(
		    enc, block, (uint32_t)k);
	}
	if (!FLAC__stream_encoder_finish(enc))
		ok = 0;
	FLAC__stream_encoder_delete(enc);
	if (!ok) {
		free(m.p);
		err_set(e, ERR_INTERNAL, "the FLAC encoder failed");
		return (NULL);
	}
	*len = m.n;
	return (m.p);
}

struct decode {
	const unsigned char *p;
	size_t n, pos;
	int16_t *s;
	size_t ns, cap;
	int rate, bad;
};

static FLAC__StreamDecoderReadStatus
dec_read(
    const FLAC__StreamDecoder *dec, FLAC__byte *out, size_t *bytes, void *cls)
{
	struct decode *d = cls;
	size_t k = d->n - d->pos;

	if (k == 0) {
		*bytes = 0;
		return (FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM);
	}
	if (k > *bytes)
		k = *bytes;
	memcpy(out, d->p + d->pos, k);
	d->pos += k;
	*bytes = k;
	return (FLAC__STREAM_DECODER_READ_STATUS_CONTINUE);
}

static FLAC__StreamDecoderWriteStatus
dec_write(const FLAC__StreamDecoder *dec, const FLAC__Frame *f,
    const FLAC__int32 *const buf[], void *cls)
{
	struct decode *d = cls;
	uint32_t i, k = f->header.blocksize;
	int16_t *np;
	size_t cap;

	if (f->header.channels != 1 || f->header.bits_per_sample != 16) {
		d->bad = 1;
		return (FLAC__STREAM_DECODER_WRITE_STATUS_ABORT);
	}
	d->rate = (int)f->header.sample_rate;
	if (d->ns + k > d->cap) {
		cap = d->cap ? d->cap : 65536;
		while (cap < d->ns + k)
			cap *= 2;
		if ((np = realloc(d->s, cap * sizeof(*np))) == NULL)
			return (FLAC__STREAM_DECODER_WRITE_STATUS_ABORT);
		d->s = np;
		d->cap = cap;
	}
	for (i = 0; i < k; i++)
		d->s[d->ns++] = (int16_t)buf[0][i];
	return (FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE);
}

static void
dec_meta(
    const FLAC__StreamDecoder *dec, const FLAC__StreamMetadata *md, void *cls)
{
	if (md->type == FLAC__METADATA_TYPE_STREAMINFO)
		((struct decode *)cls)->rate =
		    (int)md->data.stream_info.sample_rate;
}

static void
dec_error(const FLAC__StreamDecoder *dec, FLAC__StreamDecoderErrorStatus st,
    void *cls)
{
	((struct decode *)cls)->bad = 1;
}

int16_t *
audio_flac_decode(
    const void *p, size_t n, size_t *nsamples, int *rate, struct err *e)
{
	FLAC__StreamDecoder *dec;
	struct decode d = { 0 };
	int ok;

	d.p = p;
	d.n = n;
	if ((dec = FLAC__stream_decoder_new()) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return (NULL);
	}
	FLAC__stream_decoder_set_md5_checking(dec, true);
	ok = FLAC__stream_decoder_init_stream(dec, dec_read, NULL, NULL, NULL,
		 NULL, dec_write, dec_meta, dec_error,
		 &d) == FLAC__STREAM_DECODER_INIT_STATUS_OK &&
	    FLAC__stream_decoder_process_until_end_of_stream(dec);
	/* finish() is where the MD5 of what was decoded is compared. */
	if (!FLAC__stream_decoder_finish(dec))
		ok = 0;
	FLAC__stream_decoder_delete(dec);
	if (!ok || d.bad) {
		free(d.s);
		err_set(e, ERR_INVALID,
		    "not a mono 16-bit FLAC stream, or its MD5 does not match");
		return (NULL);
	}
	if (d.s == NULL && (d.s = malloc(sizeof(*d.s))) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return (NULL);
	}
	*nsamples = d.ns;
	*rate = d.rate;
	return (d.s);
}
