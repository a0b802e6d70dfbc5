/*
** The WAV reader (wav.h) against files built here, chunk by chunk: what it
** takes and the exact samples it makes of them (16/24/32-bit integer,
** float, extensible, stereo downmix, chunks in any order, pad bytes,
** trailing junk), what it refuses and with which class of error (400 for
** malformed, 415 for formats we do not take) and message, every prefix of
** every good file, single-byte corruptions, and the canonical writer's
** round trip. Each file is copied into a buffer of exactly its size, so
** the sanitizers catch any read past the end.
*/
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wav.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A WAV file being built. */
struct wb {
	uint8_t p[1024];
	size_t n;
};

static void
put(struct wb *w, const void *p, size_t n)
{
	ck_assert_uint_le(w->n + n, sizeof(w->p));
	memcpy(w->p + w->n, p, n);
	w->n += n;
}

static void
put16(struct wb *w, unsigned v)
{
	uint8_t b[2] = { v & 0xff, (v >> 8) & 0xff };

	put(w, b, 2);
}

/* The low 24 bits of ${v}, two's complement. */
static void
put24(struct wb *w, int32_t v)
{
	uint32_t u = (uint32_t)v;
	uint8_t b[3] = { u & 0xff, (u >> 8) & 0xff, (u >> 16) & 0xff };

	put(w, b, 3);
}

static void
put32(struct wb *w, uint32_t v)
{
	uint8_t b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

	put(w, b, 4);
}

static void
putf(struct wb *w, float x)
{
	uint32_t u;

	memcpy(&u, &x, sizeof(u));
	put32(w, u);
}

static void
patch32(struct wb *w, size_t at, uint32_t v)
{
	w->p[at] = v & 0xff;
	w->p[at + 1] = (v >> 8) & 0xff;
	w->p[at + 2] = (v >> 16) & 0xff;
	w->p[at + 3] = v >> 24;
}

/* "RIFF", a size patched by wb_done(), "WAVE". */
static void
wb_riff(struct wb *w)
{
	w->n = 0;
	put(w, "RIFF\0\0\0\0WAVE", 12);
}

/* Sets the RIFF size to cover everything written so far. */
static void
wb_done(struct wb *w)
{
	patch32(w, 4, (uint32_t)(w->n - 8));
}

/* Starts chunk ${id}; returns where its size goes, for wb_close(). */
static size_t
wb_open(struct wb *w, const char *id)
{
	put(w, id, 4);
	put32(w, 0);
	return (w->n - 4);
}

/* Ends the chunk opened at ${at}: its size, and a pad byte if ${pad} and
** the size is odd. */
static void
wb_close(struct wb *w, size_t at, int pad)
{
	size_t size = w->n - at - 4;

	patch32(w, at, (uint32_t)size);
	if (pad && (size & 1))
		put(w, "", 1);
}

/* A whole chunk with a pad byte if needed. */
static void
wb_chunk(struct wb *w, const char *id, const void *p, size_t n)
{
	size_t at = wb_open(w, id);

	put(w, p, n);
	wb_close(w, at, 1);
}

/* A 16-byte fmt chunk with every field given. */
static void
wb_fmt_raw(struct wb *w, unsigned tag, unsigned ch, uint32_t rate,
    uint32_t byte_rate, unsigned align, unsigned bits)
{
	size_t at = wb_open(w, "fmt ");

	put16(w, tag);
	put16(w, ch);
	put32(w, rate);
	put32(w, byte_rate);
	put16(w, align);
	put16(w, bits);
	wb_close(w, at, 1);
}

/* A consistent 16-byte fmt chunk. */
static void
wb_fmt(struct wb *w, unsigned tag, unsigned ch, uint32_t rate, unsigned bits)
{
	unsigned align = ch * bits / 8;

	wb_fmt_raw(w, tag, ch, rate, rate * align, align, bits);
}

/* A 40-byte WAVE_FORMAT_EXTENSIBLE fmt chunk; ${guid_ok} 0 spoils the
** GUID's tail. */
static void
wb_fmt_ext(struct wb *w, unsigned sub, unsigned ch, uint32_t rate,
    unsigned bits, unsigned valid, int guid_ok)
{
	static const uint8_t tail[14] = { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
		0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 };
	unsigned align = ch * bits / 8;
	size_t at = wb_open(w, "fmt ");

	put16(w, 0xFFFE);
	put16(w, ch);
	put32(w, rate);
	put32(w, rate * align);
	put16(w, align);
	put16(w, bits);
	put16(w, 22);              /* cbSize */
	put16(w, valid);           /* wValidBitsPerSample */
	put32(w, ch == 2 ? 3 : 4); /* dwChannelMask */
	put16(w, sub);
	put(w, tail, sizeof(tail));
	if (!guid_ok)
		w->p[w->n - 1] ^= 1;
	wb_close(w, at, 1);
}

/* A data chunk of 16-bit samples. */
static void
wb_data16(struct wb *w, const int16_t *s, size_t n)
{
	size_t at = wb_open(w, "data"), i;

	for (i = 0; i < n; i++)
		put16(w, (uint16_t)s[i]);
	wb_close(w, at, 1);
}

static const int16_t mono[] = { 0, 1, -1, 32767, -32768, 12345 };

/* The plain file most cases start from: 16 kHz mono 16-bit. */
static void
mk_mono16(struct wb *w)
{
	wb_riff(w);
	wb_fmt(w, 1, 1, 16000, 16);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_stereo16(struct wb *w)
{
	static const int16_t s[] = { 1, 2, -1, -2, 32767, 32767, -32768, -32768,
		-1, 0, 1, 0, 32767, -32768, 100, -300 };

	wb_riff(w);
	wb_fmt(w, 1, 2, 44100, 16);
	wb_data16(w, s, NELEM(s));
	wb_done(w);
}

static void
mk_pcm24(struct wb *w)
{
	static const int32_t v[] = { 0x7FFFFF, -8388608, 128, 127, -128, -129,
		0x123456, 0x7FFF80, 0x7FFF7F, -256, 511, -385 };
	size_t at, i;

	wb_riff(w);
	wb_fmt(w, 1, 1, 48000, 24);
	at = wb_open(w, "data");
	for (i = 0; i < NELEM(v); i++)
		put24(w, v[i]);
	wb_close(w, at, 1);
	wb_done(w);
}

static void
mk_pcm24_stereo(struct wb *w)
{
	static const int32_t v[] = { 0x7FFFFF, 0x7FFFFF, 256, -512, 0x123456,
		0 };
	size_t at, i;

	wb_riff(w);
	wb_fmt(w, 1, 2, 48000, 24);
	at = wb_open(w, "data");
	for (i = 0; i < NELEM(v); i++)
		put24(w, v[i]);
	wb_close(w, at, 1);
	wb_done(w);
}

static void
mk_pcm32(struct wb *w)
{
	static const uint32_t v[] = { 0x7FFFFFFF, 0x80000000, 32768, 32767,
		(uint32_t)-32768, (uint32_t)-32769, 0x12345678, 0x7FFF8000,
		0x7FFF7FFF, 0xFFFF0000 };
	size_t at, i;

	wb_riff(w);
	wb_fmt(w, 1, 1, 8000, 32);
	at = wb_open(w, "data");
	for (i = 0; i < NELEM(v); i++)
		put32(w, v[i]);
	wb_close(w, at, 1);
	wb_done(w);
}

static void
mk_float(struct wb *w)
{
	const float v[] = { 0.0f, 1.0f, -1.0f, 2.0f, -3.5f, 0.5f, -0.5f, NAN,
		INFINITY, -INFINITY, 1e-10f, 0.25f };
	size_t at, i;

	wb_riff(w);
	wb_fmt(w, 3, 1, 22050, 32);
	at = wb_open(w, "data");
	for (i = 0; i < NELEM(v); i++)
		putf(w, v[i]);
	wb_close(w, at, 1);
	wb_done(w);
}

/* 24-bit container holding 20 valid bits. */
static void
mk_ext_pcm(struct wb *w)
{
	size_t at;

	wb_riff(w);
	wb_fmt_ext(w, 1, 1, 96000, 24, 20, 1);
	at = wb_open(w, "data");
	put24(w, 0x123450);
	put24(w, -8388608);
	wb_close(w, at, 1);
	wb_done(w);
}

static void
mk_ext_float(struct wb *w)
{
	size_t at;

	wb_riff(w);
	wb_fmt_ext(w, 3, 2, 32000, 32, 32, 1);
	at = wb_open(w, "data");
	putf(w, 1.0f);
	putf(w, -1.0f);
	putf(w, 0.5f);
	putf(w, 0.5f);
	putf(w, -1.0f);
	putf(w, -1.0f);
	wb_close(w, at, 1);
	wb_done(w);
}

/* Data first, fmt late, every kind of recorder metadata in between. */
static void
mk_any_order(struct wb *w)
{
	size_t at;

	wb_riff(w);
	at = wb_open(w, "LIST");
	put(w, "INFO", 4);
	wb_chunk(w, "ISFT", "Lavf58.76.100", 14);
	wb_close(w, at, 1);
	wb_data16(w, mono, NELEM(mono));
	wb_chunk(w, "bext", "description of the take", 23);
	wb_chunk(w, "iXML", "<BWFXML></BWFXML>", 17);
	wb_fmt(w, 1, 1, 16000, 16);
	wb_chunk(w, "id3 ", "ID3\x04\0\0\0\0\0\0", 10);
	wb_chunk(w, "fact", "\x06\0\0\0", 4);
	wb_chunk(w, "cue ", "\0\0\0\0", 4);
	wb_chunk(w, "JUNK", "\0\0\0\0\0\0\0\0", 8);
	wb_done(w);
}

/* Odd-size chunks, each followed by its pad byte. */
static void
mk_odd_pad(struct wb *w)
{
	wb_riff(w);
	wb_chunk(w, "LIST", "INFOx", 5);
	wb_fmt(w, 1, 1, 16000, 16);
	wb_chunk(w, "junk", "abc", 3);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

/* The last chunk is odd and its pad byte is missing. */
static void
mk_pad_missing_end(struct wb *w)
{
	size_t at;

	mk_mono16(w);
	at = wb_open(w, "iXML");
	put(w, "<x>", 3);
	wb_close(w, at, 0);
	wb_done(w);
}

/* A 3-byte data chunk (one 24-bit frame) last, without its pad. */
static void
mk_pcm24_odd_end(struct wb *w)
{
	size_t at;

	wb_riff(w);
	wb_fmt(w, 1, 1, 48000, 24);
	at = wb_open(w, "data");
	put24(w, 0x123456);
	wb_close(w, at, 0);
	wb_done(w);
}

/* Bytes after the RIFF chunk, even one that looks like a second data
** chunk, are not read. */
static void
mk_trailing_junk(struct wb *w)
{
	mk_mono16(w);
	put(w, "data\xff\xff\xff\xffgarbage", 15);
}

/* The pad byte is present but the RIFF size does not count it. */
static void
mk_pad_outside_riff(struct wb *w)
{
	mk_pcm24_odd_end(w);
	put(w, "", 1);
}

static void
mk_zero_frames(struct wb *w)
{
	wb_riff(w);
	wb_fmt(w, 1, 2, 16000, 16);
	wb_chunk(w, "data", "", 0);
	wb_done(w);
}

/* An 18-byte fmt with cbSize 0, as many writers make. */
static void
mk_fmt18(struct wb *w)
{
	size_t at;

	wb_riff(w);
	at = wb_open(w, "fmt ");
	put16(w, 1);
	put16(w, 1);
	put32(w, 384000);
	put32(w, 768000);
	put16(w, 2);
	put16(w, 16);
	put16(w, 0);
	wb_close(w, at, 1);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

/* The refusals. */

static void
mk_too_short(struct wb *w)
{
	w->n = 0;
	put(w, "RIFF\4", 5);
}

static void
mk_not_riff(struct wb *w)
{
	mk_mono16(w);
	memcpy(w->p, "OggS", 4);
}

static void
mk_not_wave(struct wb *w)
{
	mk_mono16(w);
	memcpy(w->p + 8, "AVI ", 4);
}

static void
mk_rf64(struct wb *w)
{
	mk_mono16(w);
	memcpy(w->p, "RF64", 4);
}

static void
mk_rifx(struct wb *w)
{
	mk_mono16(w);
	memcpy(w->p, "RIFX", 4);
}

static void
mk_riff_lies(struct wb *w)
{
	mk_mono16(w);
	patch32(w, 4, (uint32_t)(w->n - 8 + 1));
}

static void
mk_riff_huge(struct wb *w)
{
	mk_mono16(w);
	patch32(w, 4, 0xFFFFFFFF);
}

static void
mk_riff_tiny(struct wb *w)
{
	mk_mono16(w);
	patch32(w, 4, 2);
}

static void
mk_chunk_past_end(struct wb *w)
{
	wb_riff(w);
	wb_fmt(w, 1, 1, 16000, 16);
	wb_data16(w, mono, NELEM(mono));
	put(w, "LIST", 4);
	put32(w, 1000);
	put(w, "INFO", 4);
	wb_done(w);
}

/* The example from wav.h: a data size from a writer that never came back
** to fix it. */
static void
mk_data_past_end(struct wb *w)
{
	wb_riff(w);
	wb_fmt(w, 1, 1, 16000, 16);
	put(w, "data", 4);
	put32(w, 96000);
	put(w, "\1\0\2\0\3\0\4\0", 8);
	wb_done(w);
}

/* The data chunk fits the file but not the RIFF chunk. */
static void
mk_data_past_riff(struct wb *w)
{
	mk_mono16(w);
	patch32(w, 4, (uint32_t)(w->n - 8 - 2));
}

static void
mk_header_past_end(struct wb *w)
{
	mk_mono16(w);
	put(w, "LIST", 4);
	wb_done(w);
}

static void
mk_no_fmt(struct wb *w)
{
	wb_riff(w);
	wb_chunk(w, "LIST", "INFO", 4);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_no_data(struct wb *w)
{
	wb_riff(w);
	wb_fmt(w, 1, 1, 16000, 16);
	wb_chunk(w, "LIST", "INFO", 4);
	wb_done(w);
}

static void
mk_empty_riff(struct wb *w)
{
	wb_riff(w);
	wb_done(w);
}

static void
mk_dup_fmt(struct wb *w)
{
	wb_riff(w);
	wb_fmt(w, 1, 1, 16000, 16);
	wb_data16(w, mono, NELEM(mono));
	wb_fmt(w, 1, 1, 16000, 16);
	wb_done(w);
}

static void
mk_dup_data(struct wb *w)
{
	wb_riff(w);
	wb_data16(w, mono, NELEM(mono));
	wb_fmt(w, 1, 1, 16000, 16);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_fmt_short(struct wb *w)
{
	wb_riff(w);
	wb_chunk(w, "fmt ", "\1\0\1\0\x80\x3e\0\0\0\x7d\0\0\2\0", 14);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_block_align(struct wb *w)
{
	wb_riff(w);
	wb_fmt_raw(w, 1, 2, 16000, 48000, 3, 16);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_byte_rate(struct wb *w)
{
	wb_riff(w);
	wb_fmt_raw(w, 1, 1, 16000, 16000, 2, 16);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

/* Three 16-bit samples: one and a half stereo frames. */
static void
mk_partial_frame(struct wb *w)
{
	wb_riff(w);
	wb_fmt(w, 1, 2, 16000, 16);
	wb_data16(w, mono, 3);
	wb_done(w);
}

static void
mk_zero_channels(struct wb *w)
{
	wb_riff(w);
	wb_fmt_raw(w, 1, 0, 16000, 0, 0, 16);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_three_channels(struct wb *w)
{
	wb_riff(w);
	wb_fmt(w, 1, 3, 16000, 16);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_eight_bit(struct wb *w)
{
	wb_riff(w);
	wb_fmt(w, 1, 1, 8000, 8);
	wb_chunk(w, "data", "\x80\x81\x7f\x00", 4);
	wb_done(w);
}

static void
mk_twelve_bit(struct wb *w)
{
	wb_riff(w);
	wb_fmt_raw(w, 1, 1, 8000, 16000, 2, 12);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_zero_bits(struct wb *w)
{
	wb_riff(w);
	wb_fmt_raw(w, 1, 1, 8000, 16000, 2, 0);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_adpcm(struct wb *w)
{
	wb_riff(w);
	wb_fmt_raw(w, 2, 1, 8000, 4096, 256, 4);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_float64(struct wb *w)
{
	wb_riff(w);
	wb_fmt(w, 3, 1, 16000, 64);
	wb_chunk(w, "data", "\0\0\0\0\0\0\xf0\x3f", 8);
	wb_done(w);
}

static void
mk_float16(struct wb *w)
{
	wb_riff(w);
	wb_fmt(w, 3, 1, 16000, 16);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_rate_zero(struct wb *w)
{
	wb_riff(w);
	wb_fmt(w, 1, 1, 0, 16);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_rate_high(struct wb *w)
{
	wb_riff(w);
	wb_fmt(w, 1, 1, 384001, 16);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

/* Tag 0xFFFE in a plain 18-byte fmt. */
static void
mk_ext_short(struct wb *w)
{
	size_t at;

	wb_riff(w);
	at = wb_open(w, "fmt ");
	put16(w, 0xFFFE);
	put16(w, 1);
	put32(w, 16000);
	put32(w, 32000);
	put16(w, 2);
	put16(w, 16);
	put16(w, 0);
	wb_close(w, at, 1);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_ext_guid(struct wb *w)
{
	wb_riff(w);
	wb_fmt_ext(w, 1, 1, 16000, 16, 16, 0);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_ext_adpcm(struct wb *w)
{
	wb_riff(w);
	wb_fmt_ext(w, 2, 1, 16000, 16, 16, 1);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

static void
mk_ext_valid_bits(struct wb *w)
{
	wb_riff(w);
	wb_fmt_ext(w, 1, 1, 16000, 16, 20, 1);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

/* An odd chunk without its pad, followed by more chunks: the walk lands
** one byte into the next header. */
static void
mk_pad_missing_middle(struct wb *w)
{
	size_t at;

	wb_riff(w);
	at = wb_open(w, "LIST");
	put(w, "INFOx", 5);
	wb_close(w, at, 0);
	wb_fmt(w, 1, 1, 16000, 16);
	wb_data16(w, mono, NELEM(mono));
	wb_done(w);
}

/* The files taken, and exactly what must come out of each. */
static const struct good {
	const char *name;
	void (*build)(struct wb *);
	int rate, channels, bits, isfloat;
	size_t ns;
	int16_t want[16];
} good[] = {
	{ "mono16", mk_mono16, 16000, 1, 16, 0, 6,
	    { 0, 1, -1, 32767, -32768, 12345 } },
	{ "stereo16", mk_stereo16, 44100, 2, 16, 0, 8,
	    { 1, -2, 32767, -32768, -1, 0, -1, -100 } },
	{ "pcm24", mk_pcm24, 48000, 1, 24, 0, 12,
	    { 32767, -32768, 1, 0, 0, -1, 4660, 32767, 32767, -1, 2, -2 } },
	{ "pcm24_stereo", mk_pcm24_stereo, 48000, 2, 24, 0, 3,
	    { 32767, -1, 2330 } },
	{ "pcm32", mk_pcm32, 8000, 1, 32, 0, 10,
	    { 32767, -32768, 1, 0, 0, -1, 4660, 32767, 32767, -1 } },
	{ "float", mk_float, 22050, 1, 32, 1, 12,
	    { 0, 32767, -32767, 32767, -32767, 16384, -16384, 0, 32767, -32767,
		0, 8192 } },
	{ "ext_pcm", mk_ext_pcm, 96000, 1, 24, 0, 2, { 4660, -32768 } },
	{ "ext_float", mk_ext_float, 32000, 2, 32, 1, 3, { 0, 16384, -32767 } },
	{ "any_order", mk_any_order, 16000, 1, 16, 0, 6,
	    { 0, 1, -1, 32767, -32768, 12345 } },
	{ "odd_pad", mk_odd_pad, 16000, 1, 16, 0, 6,
	    { 0, 1, -1, 32767, -32768, 12345 } },
	{ "pad_missing_end", mk_pad_missing_end, 16000, 1, 16, 0, 6,
	    { 0, 1, -1, 32767, -32768, 12345 } },
	{ "pcm24_odd_end", mk_pcm24_odd_end, 48000, 1, 24, 0, 1, { 4660 } },
	{ "trailing_junk", mk_trailing_junk, 16000, 1, 16, 0, 6,
	    { 0, 1, -1, 32767, -32768, 12345 } },
	{ "pad_outside_riff", mk_pad_outside_riff, 48000, 1, 24, 0, 1,
	    { 4660 } },
	{ "zero_frames", mk_zero_frames, 16000, 2, 16, 0, 0, { 0 } },
	{ "fmt18", mk_fmt18, 384000, 1, 16, 0, 6,
	    { 0, 1, -1, 32767, -32768, 12345 } },
};

/* The files refused: the error class and a phrase the message must hold. */
static const struct bad {
	const char *name;
	void (*build)(struct wb *);
	enum err_code code;
	const char *msg;
} bad[] = {
	{ "too_short", mk_too_short, ERR_INVALID, "too short" },
	{ "not_riff", mk_not_riff, ERR_INVALID,
	    "does not start with \"RIFF\"" },
	{ "not_wave", mk_not_wave, ERR_INVALID,
	    "form type is \"AVI \", not \"WAVE\"" },
	{ "rf64", mk_rf64, ERR_UNSUPPORTED, "RF64" },
	{ "rifx", mk_rifx, ERR_UNSUPPORTED, "RIFX" },
	{ "riff_lies", mk_riff_lies, ERR_INVALID,
	    "RIFF header says 49 bytes follow but only 48 do" },
	{ "riff_huge", mk_riff_huge, ERR_INVALID,
	    "RIFF header says 4294967295 bytes" },
	{ "riff_tiny", mk_riff_tiny, ERR_INVALID, "too few to hold \"WAVE\"" },
	{ "chunk_past_end", mk_chunk_past_end, ERR_INVALID,
	    "the WAV \"LIST\" chunk says 1000 bytes but only 4 follow" },
	{ "data_past_end", mk_data_past_end, ERR_INVALID,
	    "the WAV data chunk says 96000 bytes but only 8 follow" },
	{ "data_past_riff", mk_data_past_riff, ERR_INVALID,
	    "the WAV data chunk says 12 bytes but only 10 follow" },
	{ "header_past_end", mk_header_past_end, ERR_INVALID,
	    "ends inside a chunk header at byte 56" },
	{ "no_fmt", mk_no_fmt, ERR_INVALID, "no fmt chunk" },
	{ "no_data", mk_no_data, ERR_INVALID, "no data chunk" },
	{ "empty_riff", mk_empty_riff, ERR_INVALID, "no fmt chunk" },
	{ "dup_fmt", mk_dup_fmt, ERR_INVALID, "two fmt chunks" },
	{ "dup_data", mk_dup_data, ERR_INVALID, "two data chunks" },
	{ "fmt_short", mk_fmt_short, ERR_INVALID,
	    "fmt chunk is 14 bytes; it needs at least 16" },
	{ "block_align", mk_block_align, ERR_INVALID,
	    "block align is 3 bytes but 2 channels of 16 bits need 4" },
	{ "byte_rate", mk_byte_rate, ERR_INVALID,
	    "byte rate is 16000 but 16000 Hz with 2-byte frames needs 32000" },
	{ "partial_frame", mk_partial_frame, ERR_INVALID,
	    "data chunk is 6 bytes, not a whole number of 4-byte frames" },
	{ "zero_channels", mk_zero_channels, ERR_INVALID, "0 channels" },
	{ "three_channels", mk_three_channels, ERR_UNSUPPORTED,
	    "3-channel WAV files are not supported" },
	{ "eight_bit", mk_eight_bit, ERR_UNSUPPORTED,
	    "8-bit WAV files are not supported" },
	{ "twelve_bit", mk_twelve_bit, ERR_UNSUPPORTED,
	    "12-bit WAV samples are not supported" },
	{ "zero_bits", mk_zero_bits, ERR_INVALID, "0 bits per sample" },
	{ "adpcm", mk_adpcm, ERR_UNSUPPORTED,
	    "compressed (format 2, Microsoft ADPCM)" },
	{ "float64", mk_float64, ERR_UNSUPPORTED,
	    "64-bit float WAV files are not supported" },
	{ "float16", mk_float16, ERR_UNSUPPORTED,
	    "16-bit float WAV files are not supported" },
	{ "rate_zero", mk_rate_zero, ERR_INVALID, "sample rate is 0 Hz" },
	{ "rate_high", mk_rate_high, ERR_INVALID, "sample rate is 384001 Hz" },
	{ "ext_short", mk_ext_short, ERR_INVALID,
	    "only 18 bytes long; it needs at least 40" },
	{ "ext_guid", mk_ext_guid, ERR_UNSUPPORTED,
	    "sub-format we do not know" },
	{ "ext_adpcm", mk_ext_adpcm, ERR_UNSUPPORTED,
	    "inside WAVE_FORMAT_EXTENSIBLE" },
	{ "ext_valid_bits", mk_ext_valid_bits, ERR_INVALID,
	    "20 valid bits in 16-bit samples" },
	{ "pad_missing_middle", mk_pad_missing_middle, ERR_INVALID,
	    "the WAV \"mt ?\" chunk says" },
};

/* A malloc'd copy of ${n} bytes of ${p}, so ASan sees its exact end. */
static uint8_t *
exact_copy(const void *p, size_t n)
{
	uint8_t *c = malloc(n > 0 ? n : 1);

	ck_assert_ptr_nonnull(c);
	memcpy(c, p, n);
	return (c);
}

START_TEST(test_good)
{
	const struct good *c = &good[_i];
	struct wb w;
	struct wav_pcm pcm;
	struct err e = { 0 };
	uint8_t *f;
	size_t i;

	c->build(&w);
	f = exact_copy(w.p, w.n);
	ck_assert_msg(
	    wav_read(f, w.n, &pcm, &e) == 0, "%s: refused: %s", c->name, e.msg);
	ck_assert_int_eq(pcm.sample_rate, c->rate);
	ck_assert_int_eq(pcm.src_channels, c->channels);
	ck_assert_int_eq(pcm.src_bits, c->bits);
	ck_assert_int_eq(pcm.src_float, c->isfloat);
	ck_assert_uint_eq(pcm.nsamples, c->ns);
	if (c->ns == 0)
		ck_assert_ptr_null(pcm.samples);
	for (i = 0; i < c->ns; i++)
		ck_assert_msg(pcm.samples[i] == c->want[i],
		    "%s: sample %zu is %d, want %d", c->name, i, pcm.samples[i],
		    c->want[i]);
	wav_pcm_free(&pcm);
	free(f);
}
END_TEST

START_TEST(test_bad)
{
	const struct bad *c = &bad[_i];
	struct wb w;
	struct wav_pcm pcm;
	struct err e = { 0 };
	uint8_t *f;

	c->build(&w);
	f = exact_copy(w.p, w.n);
	ck_assert_msg(
	    wav_read(f, w.n, &pcm, &e) == -1, "%s: accepted", c->name);
	ck_assert_msg(e.code == c->code, "%s: code %s, want %s (%s)", c->name,
	    err_name(e.code), err_name(c->code), e.msg);
	ck_assert_msg(strstr(e.msg, c->msg) != NULL,
	    "%s: message \"%s\" lacks \"%s\"", c->name, e.msg, c->msg);
	ck_assert_ptr_null(pcm.samples);
	ck_assert_uint_eq(pcm.nsamples, 0);
	free(f);
}
END_TEST

/* The example message from wav.h, word for word. */
START_TEST(test_message_exact)
{
	struct wb w;
	struct wav_pcm pcm;
	struct err e = { 0 };

	mk_data_past_end(&w);
	ck_assert_int_eq(wav_read(w.p, w.n, &pcm, &e), -1);
	ck_assert_str_eq(
	    e.msg, "the WAV data chunk says 96000 bytes but only 8 follow");
}
END_TEST

/*
** Every proper prefix of a good file (whose RIFF chunk ends at its end) is
** refused as malformed, with a message, and without a read past the end.
*/
START_TEST(test_prefixes)
{
	const struct good *c = &good[_i];
	struct wb w;
	struct wav_pcm pcm;
	struct err e;
	uint8_t *f;
	size_t k, riff;

	c->build(&w);
	riff = (size_t)w.p[4] | (size_t)w.p[5] << 8 | (size_t)w.p[6] << 16 |
	    (size_t)w.p[7] << 24;
	if (riff + 8 != w.n)
		return; /* trailing bytes: a prefix may still hold the RIFF */
	for (k = 0; k < w.n; k++) {
		memset(&e, 0, sizeof(e));
		f = exact_copy(w.p, k);
		ck_assert_msg(wav_read(f, k, &pcm, &e) == -1,
		    "%s: prefix of %zu bytes accepted", c->name, k);
		ck_assert_msg(e.code == ERR_INVALID, "%s/%zu: code %s (%s)",
		    c->name, k, err_name(e.code), e.msg);
		ck_assert_msg(
		    e.msg[0] != '\0', "%s/%zu: no message", c->name, k);
		free(f);
	}
}
END_TEST

/*
** Every single-byte corruption of the file ${build} makes is either taken,
** with sane results, or refused with a 400/415 class and a message.
*/
static void
corrupt_all(const char *name, void (*build)(struct wb *))
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x02, 0x03, 0x7f, 0x80,
		0xfe, 0xff };
	struct wb w;
	struct wav_pcm pcm;
	struct err e;
	uint8_t *f;
	size_t k, v;

	build(&w);
	f = exact_copy(w.p, w.n);
	for (k = 0; k < w.n; k++) {
		for (v = 0; v < NELEM(vals) + 1; v++) {
			f[k] = v < NELEM(vals) ? vals[v] : w.p[k] ^ 0x10;
			memset(&e, 0, sizeof(e));
			if (wav_read(f, w.n, &pcm, &e) == 0) {
				ck_assert_uint_le(pcm.nsamples, w.n / 2);
				ck_assert(
				    pcm.nsamples == 0 || pcm.samples != NULL);
				ck_assert(pcm.src_channels == 1 ||
				    pcm.src_channels == 2);
				ck_assert(pcm.sample_rate >= 1 &&
				    pcm.sample_rate <= 384000);
				wav_pcm_free(&pcm);
				continue;
			}
			ck_assert_msg(
			    e.code == ERR_INVALID || e.code == ERR_UNSUPPORTED,
			    "%s: byte %zu = %02x: %s (%s)", name, k, f[k],
			    err_name(e.code), e.msg);
			ck_assert_msg(e.msg[0] != '\0',
			    "%s: byte %zu = %02x: no message", name, k, f[k]);
		}
		f[k] = w.p[k];
	}
	free(f);
}

START_TEST(test_corrupt_good)
{
	corrupt_all(good[_i].name, good[_i].build);
}
END_TEST

START_TEST(test_corrupt_bad)
{
	corrupt_all(bad[_i].name, bad[_i].build);
}
END_TEST

/* The canonical writer: its exact header, and a bit-identical round trip. */
START_TEST(test_round_trip)
{
	static const uint8_t hdr[44] = { 'R', 'I', 'F', 'F', 48, 0, 0, 0, 'W',
		'A', 'V', 'E', 'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 1, 0,
		0x80, 0xbb, 0, 0, 0, 0x77, 1, 0, 2, 0, 16, 0, 'd', 'a', 't',
		'a', 12, 0, 0, 0 };
	struct wav_pcm pcm;
	struct err e = { 0 };
	uint8_t *f;
	size_t len = 0;

	f = wav_write_mono16(mono, NELEM(mono), 48000, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(len, 44 + 2 * NELEM(mono));
	ck_assert_mem_eq(f, hdr, sizeof(hdr));
	ck_assert_mem_eq(f + 44, "\0\0\1\0\xff\xff\xff\x7f\0\x80\x39\x30", 12);
	ck_assert_int_eq(wav_read(f, len, &pcm, &e), 0);
	ck_assert_int_eq(pcm.sample_rate, 48000);
	ck_assert_int_eq(pcm.src_channels, 1);
	ck_assert_int_eq(pcm.src_bits, 16);
	ck_assert_int_eq(pcm.src_float, 0);
	ck_assert_uint_eq(pcm.nsamples, NELEM(mono));
	ck_assert_mem_eq(pcm.samples, mono, sizeof(mono));
	wav_pcm_free(&pcm);
	free(f);

	/* Every 16-bit value survives. */
	{
		int16_t *all = malloc(65536 * sizeof(*all));
		size_t i;

		ck_assert_ptr_nonnull(all);
		for (i = 0; i < 65536; i++)
			all[i] = (int16_t)(i - 32768);
		f = wav_write_mono16(all, 65536, 8000, &len);
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(wav_read(f, len, &pcm, &e), 0);
		ck_assert_uint_eq(pcm.nsamples, 65536);
		ck_assert_mem_eq(pcm.samples, all, 65536 * sizeof(*all));
		wav_pcm_free(&pcm);
		free(f);
		free(all);
	}

	/* No samples: a valid file of zero frames. */
	f = wav_write_mono16(NULL, 0, 16000, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(len, 44);
	ck_assert_int_eq(wav_read(f, len, &pcm, &e), 0);
	ck_assert_uint_eq(pcm.nsamples, 0);
	ck_assert_ptr_null(pcm.samples);
	free(f);

	ck_assert_ptr_null(wav_write_mono16(mono, NELEM(mono), 0, &len));
	ck_assert_ptr_null(wav_write_mono16(mono, NELEM(mono), -1, &len));
}
END_TEST

START_TEST(test_free)
{
	struct wav_pcm pcm;
	struct err e = { 0 };
	struct wb w;

	wav_pcm_free(NULL);
	mk_stereo16(&w);
	ck_assert_int_eq(wav_read(w.p, w.n, &pcm, &e), 0);
	ck_assert_ptr_nonnull(pcm.samples);
	wav_pcm_free(&pcm);
	ck_assert_ptr_null(pcm.samples);
	ck_assert_uint_eq(pcm.nsamples, 0);
	wav_pcm_free(&pcm);
	/* A refusal leaves nothing to free, whatever was in ${out}. */
	memset(&pcm, 0xa5, sizeof(pcm));
	ck_assert_int_eq(wav_read("RIFF", 4, &pcm, &e), -1);
	ck_assert_ptr_null(pcm.samples);
	wav_pcm_free(&pcm);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("wav");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_good, 0, NELEM(good));
	tcase_add_loop_test(tc, test_bad, 0, NELEM(bad));
	tcase_add_test(tc, test_message_exact);
	tcase_add_loop_test(tc, test_prefixes, 0, NELEM(good));
	tcase_add_loop_test(tc, test_corrupt_good, 0, NELEM(good));
	tcase_add_loop_test(tc, test_corrupt_bad, 0, NELEM(bad));
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_free);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed ? 1 : 0);
}
