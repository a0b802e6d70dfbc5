/*
** The WAV reader and writer (wav.h). The reader walks the RIFF chunk list
** once, checking that every header and body fits, remembers where fmt and
** data are (they may come in any order; everything else is skipped), then
** checks the format and converts the frames. Every multi-byte field is read
** byte by byte, little-endian, so nothing depends on alignment or on the
** host's byte order, and no size from the file is trusted for anything
** until it has been checked against the bytes actually present.
*/
#include "wav.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WAV_MAX_RATE 384000

#define WAV_TAG_PCM        0x0001
#define WAV_TAG_FLOAT      0x0003
#define WAV_TAG_EXTENSIBLE 0xFFFE

/* What we keep of a fmt chunk, once checked. */
struct wav_fmt {
	unsigned tag; /* WAV_TAG_PCM or WAV_TAG_FLOAT (sub-format resolved) */
	unsigned channels;
	uint32_t rate;
	unsigned block_align;
	unsigned bits; /* container bits: what the layout uses */
};

/* Bytes 2..15 of the KSDATAFORMAT_SUBTYPE_PCM and _IEEE_FLOAT GUIDs; bytes
** 0..1 are the format tag. */
static const uint8_t wav_guid_tail[14] = { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
	0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 };

static uint16_t
rd16(const uint8_t *p)
{
	return ((uint16_t)(p[0] | (unsigned)p[1] << 8));
}

static uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/*
** Writes a printable name for the four-byte chunk id ${id} into ${buf}
** (at least 8 bytes) and returns it: "fmt" and "data" bare, anything else
** quoted with unprintable bytes shown as '?', so a message never carries
** raw bytes from the upload.
*/
static const char *
wav_id_name(const uint8_t *id, char *buf)
{
	int i;

	if (memcmp(id, "fmt ", 4) == 0)
		return ("fmt");
	if (memcmp(id, "data", 4) == 0)
		return ("data");
	buf[0] = '"';
	for (i = 0; i < 4; i++)
		buf[i + 1] =
		    (id[i] >= 0x20 && id[i] < 0x7f) ? (char)id[i] : '?';
	buf[5] = '"';
	buf[6] = '\0';
	return (buf);
}

/* A name for the compressed formats people actually upload, or NULL. */
static const char *
wav_tag_name(unsigned tag)
{
	switch (tag) {
	case 0x0002: return ("Microsoft ADPCM");
	case 0x0006: return ("A-law");
	case 0x0007: return ("mu-law");
	case 0x0011: return ("IMA ADPCM");
	case 0x0031: return ("GSM 6.10");
	case 0x0050: return ("MPEG");
	case 0x0055: return ("MP3");
	case 0xF1AC: return ("FLAC");
	}
	return (NULL);
}

/*
** Checks the ${n}-byte fmt chunk body ${f} and fills ${fmt}. Returns 0, or
** -1 with ${e}: ERR_INVALID when the fields are missing or contradict each
** other, ERR_UNSUPPORTED when they describe a format we do not take. The
** contradictions are checked before the limits, so a broken file is
** reported as broken even when its format would be refused anyway.
*/
static int
wav_fmt_parse(const uint8_t *f, size_t n, struct wav_fmt *fmt, struct err *e)
{
	unsigned tag, ch, align, bits, valid = 0, need;
	uint32_t rate, byte_rate;
	const char *name;
	int ext = 0;

	if (n < 16)
		return (err_set(e, ERR_INVALID,
		    "the WAV fmt chunk is %zu bytes; it needs at least 16", n));
	tag = rd16(f);
	ch = rd16(f + 2);
	rate = rd32(f + 4);
	byte_rate = rd32(f + 8);
	align = rd16(f + 12);
	bits = rd16(f + 14);
	if (ch == 0)
		return (err_set(e, ERR_INVALID,
		    "the WAV fmt chunk says the recording has 0 channels"));
	if (rate == 0 || rate > WAV_MAX_RATE)
		return (err_set(e, ERR_INVALID,
		    "the WAV sample rate is %lu Hz; it must be between 1 and "
		    "%d Hz",
		    (unsigned long)rate, WAV_MAX_RATE));
	if (tag == WAV_TAG_EXTENSIBLE) {
		if (n < 40)
			return (err_set(e, ERR_INVALID,
			    "the WAV fmt chunk is WAVE_FORMAT_EXTENSIBLE but "
			    "only %zu bytes long; it needs at least 40",
			    n));
		ext = 1;
		valid = rd16(f + 18);
		tag = rd16(f + 24);
		if (memcmp(f + 26, wav_guid_tail, sizeof(wav_guid_tail)) != 0)
			return (err_set(e, ERR_UNSUPPORTED,
			    "the WAV file uses a WAVE_FORMAT_EXTENSIBLE "
			    "sub-format we do not know; upload 16, 24 or "
			    "32-bit PCM or 32-bit float"));
	}
	if (tag != WAV_TAG_PCM && tag != WAV_TAG_FLOAT) {
		name = wav_tag_name(tag);
		return (err_set(e, ERR_UNSUPPORTED,
		    "the WAV file is compressed (format %u%s%s%s), which we do "
		    "not take; upload uncompressed 16, 24 or 32-bit PCM or "
		    "32-bit float",
		    tag, name != NULL ? ", " : "", name != NULL ? name : "",
		    ext ? ", inside WAVE_FORMAT_EXTENSIBLE" : ""));
	}
	if (bits == 0)
		return (err_set(e, ERR_INVALID,
		    "the WAV fmt chunk says 0 bits per sample"));
	if (bits % 8 != 0)
		return (err_set(e, ERR_UNSUPPORTED,
		    "%u-bit WAV samples are not supported; upload 16, 24 or "
		    "32-bit PCM or 32-bit float",
		    bits));
	need = ch * (bits / 8);
	if (align != need)
		return (err_set(e, ERR_INVALID,
		    "the WAV block align is %u bytes but %u channel%s of %u "
		    "bits need %u",
		    align, ch, ch == 1 ? "" : "s", bits, need));
	if ((uint64_t)byte_rate != (uint64_t)rate * align)
		return (err_set(e, ERR_INVALID,
		    "the WAV byte rate is %lu but %lu Hz with %u-byte frames "
		    "needs %llu",
		    (unsigned long)byte_rate, (unsigned long)rate, align,
		    (unsigned long long)rate * align));
	if (ext && valid > bits)
		return (err_set(e, ERR_INVALID,
		    "the WAV fmt chunk says %u valid bits in %u-bit samples",
		    valid, bits));
	if (ch > 2)
		return (err_set(e, ERR_UNSUPPORTED,
		    "%u-channel WAV files are not supported; upload mono or "
		    "stereo",
		    ch));
	if (tag == WAV_TAG_FLOAT && bits != 32)
		return (err_set(e, ERR_UNSUPPORTED,
		    "%u-bit float WAV files are not supported; upload 32-bit "
		    "float or 16, 24 or 32-bit PCM",
		    bits));
	if (tag == WAV_TAG_PCM && bits != 16 && bits != 24 && bits != 32)
		return (err_set(e, ERR_UNSUPPORTED,
		    "%u-bit WAV files are not supported; upload 16, 24 or "
		    "32-bit PCM or 32-bit float",
		    bits));
	fmt->tag = tag;
	fmt->channels = ch;
	fmt->rate = rate;
	fmt->block_align = align;
	fmt->bits = bits;
	return (0);
}

/*
** ${v} >> ${k} rounding toward negative infinity, as an arithmetic shift
** does, but without shifting a negative number (implementation-defined).
** |v| stays far below INT64_MAX here.
*/
static int64_t
floor_shift(int64_t v, int k)
{
	if (v >= 0)
		return (v >> k);
	return (-((-v - 1) >> k) - 1);
}

static int32_t
clamp16(int64_t v)
{
	if (v > INT16_MAX)
		return (INT16_MAX);
	if (v < INT16_MIN)
		return (INT16_MIN);
	return ((int32_t)v);
}

/* One sample at ${q} in format ${f}, converted to the int16 range. */
static int32_t
wav_sample(const uint8_t *q, const struct wav_fmt *f)
{
	uint32_t u;
	int64_t v;
	float x;

	if (f->bits == 16) {
		u = rd16(q);
		return ((int32_t)u - (u & 0x8000 ? 0x10000 : 0));
	}
	if (f->bits == 24) {
		u = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16;
		v = (int64_t)u - (u & 0x800000 ? 0x1000000 : 0);
		return (clamp16(floor_shift(v + 128, 8)));
	}
	u = rd32(q);
	if (f->tag == WAV_TAG_PCM) {
		v = (int64_t)u - (u & 0x80000000u ? INT64_C(1) << 32 : 0);
		return (clamp16(floor_shift(v + 32768, 16)));
	}
	memcpy(&x, &u, sizeof(x));
	if (isnan(x))
		return (0);
	if (x > 1.0f)
		x = 1.0f;
	else if (x < -1.0f)
		x = -1.0f;
	return (clamp16(lrintf(x * 32767.0f)));
}

int
wav_read(const void *p, size_t n, struct wav_pcm *out, struct err *e)
{
	const uint8_t *b = p, *fmtp = NULL, *data = NULL, *q;
	size_t end, off, avail, fmtn = 0, datan = 0, i, frames;
	uint32_t riff, size;
	struct wav_fmt f = { 0 };
	int16_t *s;
	int64_t l, r;
	char nbuf[8];

	memset(out, 0, sizeof(*out));
	if (n < 12)
		return (err_set(e, ERR_INVALID,
		    "the upload is %zu bytes, too short to be a WAV file", n));
	if (memcmp(b, "RF64", 4) == 0)
		return (err_set(e, ERR_UNSUPPORTED,
		    "RF64 WAV files are not supported; upload a plain RIFF "
		    "WAV file"));
	if (memcmp(b, "RIFX", 4) == 0)
		return (err_set(e, ERR_UNSUPPORTED,
		    "big-endian (RIFX) WAV files are not supported; upload a "
		    "little-endian RIFF WAV file"));
	if (memcmp(b, "RIFF", 4) != 0)
		return (err_set(e, ERR_INVALID,
		    "not a WAV file: it does not start with \"RIFF\""));
	if (memcmp(b + 8, "WAVE", 4) != 0)
		return (err_set(e, ERR_INVALID,
		    "not a WAV file: the RIFF form type is %s, not \"WAVE\"",
		    wav_id_name(b + 8, nbuf)));
	riff = rd32(b + 4);
	if (riff > n - 8)
		return (err_set(e, ERR_INVALID,
		    "the RIFF header says %lu bytes follow but only %zu do "
		    "(the file is truncated or its size is wrong)",
		    (unsigned long)riff, n - 8));
	if (riff < 4)
		return (err_set(e, ERR_INVALID,
		    "the RIFF header says %lu bytes follow, too few to hold "
		    "\"WAVE\"",
		    (unsigned long)riff));
	/* Anything after the RIFF chunk is not ours to read. */
	end = 8 + (size_t)riff;
	for (off = 12; off < end;) {
		if (end - off < 8)
			return (err_set(e, ERR_INVALID,
			    "the WAV file ends inside a chunk header at byte "
			    "%zu",
			    off));
		size = rd32(b + off + 4);
		avail = end - off - 8;
		if (size > avail)
			return (err_set(e, ERR_INVALID,
			    "the WAV %s chunk says %lu bytes but only %zu "
			    "follow",
			    wav_id_name(b + off, nbuf), (unsigned long)size,
			    avail));
		if (memcmp(b + off, "fmt ", 4) == 0) {
			if (fmtp != NULL)
				return (err_set(e, ERR_INVALID,
				    "the WAV file has two fmt chunks"));
			fmtp = b + off + 8;
			fmtn = size;
		} else if (memcmp(b + off, "data", 4) == 0) {
			if (data != NULL)
				return (err_set(e, ERR_INVALID,
				    "the WAV file has two data chunks"));
			data = b + off + 8;
			datan = size;
		}
		off += 8 + (size_t)size;
		/* Odd chunks carry a pad byte; only the last may lack it. */
		if ((size & 1) && off < end)
			off++;
	}
	if (fmtp == NULL)
		return (err_set(e, ERR_INVALID,
		    "the WAV file has no fmt chunk, so its format is unknown"));
	if (data == NULL)
		return (err_set(e, ERR_INVALID,
		    "the WAV file has no data chunk, so it holds no audio"));
	if (wav_fmt_parse(fmtp, fmtn, &f, e) == -1)
		return (-1);
	if (datan % f.block_align != 0)
		return (err_set(e, ERR_INVALID,
		    "the WAV data chunk is %zu bytes, not a whole number of "
		    "%u-byte frames",
		    datan, f.block_align));
	/* Allocated from the bytes present: datan was checked against n. */
	frames = datan / f.block_align;
	s = NULL;
	if (frames > 0 && (s = malloc(frames * sizeof(*s))) == NULL)
		return (err_set(e, ERR_INTERNAL, "out of memory"));
	/* The common case, what the pages send: 16-bit mono PCM. Read as
	** little-endian pairs with no per-sample dispatch. */
	i = 0;
	if (f.bits == 16 && f.channels == 1 && f.tag == WAV_TAG_PCM)
		for (q = data; i < frames; i++, q += 2)
			s[i] = (int16_t)(uint16_t)(q[0] | (uint16_t)q[1] << 8);
	for (q = data + i * f.block_align; i < frames;
	     i++, q += f.block_align) {
		l = wav_sample(q, &f);
		if (f.channels == 2) {
			r = wav_sample(q + f.block_align / 2, &f);
			/* The mean, rounded toward negative infinity. */
			l = floor_shift(l + r, 1);
		}
		s[i] = (int16_t)l;
	}
	out->sample_rate = (int)f.rate;
	out->src_channels = (int)f.channels;
	out->src_bits = (int)f.bits;
	out->src_float = f.tag == WAV_TAG_FLOAT;
	out->nsamples = frames;
	out->samples = s;
	return (0);
}

void
wav_pcm_free(struct wav_pcm *w)
{
	if (w == NULL)
		return;
	free(w->samples);
	memset(w, 0, sizeof(*w));
}

void *
wav_write_mono16(const int16_t *s, size_t n, int rate, size_t *len)
{
	uint8_t *b, *q;
	size_t i, total;

	if (rate <= 0 || n > (UINT32_MAX - 36) / 2 || n > (SIZE_MAX - 44) / 2)
		return (NULL);
	total = 44 + n * 2;
	if ((b = malloc(total)) == NULL)
		return (NULL);
	memcpy(b, "RIFF", 4);
	wr32(b + 4, (uint32_t)(total - 8));
	memcpy(b + 8, "WAVEfmt ", 8);
	wr32(b + 16, 16);
	wr16(b + 20, WAV_TAG_PCM);
	wr16(b + 22, 1);
	wr32(b + 24, (uint32_t)rate);
	wr32(b + 28, (uint32_t)rate * 2);
	wr16(b + 32, 2);
	wr16(b + 34, 16);
	memcpy(b + 36, "data", 4);
	wr32(b + 40, (uint32_t)(n * 2));
	for (i = 0, q = b + 44; i < n; i++, q += 2)
		wr16(q, (uint16_t)s[i]);
	*len = total;
	return (b);
}
