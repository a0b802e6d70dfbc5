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
#include "testutil.h"

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

/*
** A test file, as data. Most are "RIFF", a size, "WAVE" and the ${part}s
** in order: fmt and data chunks built from their fields, other chunks
** from their bytes. Then, for the files that lie or are cut, the RIFF
** size written (${riff}, 0: the true one), four bytes overwritten at
** ${poke_at}, and bytes after the RIFF chunk (${tail}); or the whole file
** is ${raw}.
*/
enum part_kind { P_END, P_FMT, P_DATA, P_CHUNK, P_BYTES };
struct part {
	enum part_kind kind;
	/* P_FMT: format tag, channels, rate, bits per sample; the byte rate
	** and block align those imply unless given; ${cb0}: 18 bytes, with
	** a cbSize of 0; ${ext}: the 40 bytes of WAVE_FORMAT_EXTENSIBLE with
	** sub-format ${sub}, ${valid} bits, and a GUID spoilt if ${bad_guid} */
	unsigned tag, ch, bits, align, sub, valid;
	uint32_t rate, byte_rate;
	int cb0, ext, bad_guid;
	/* P_DATA: ${nv} samples of ${width} bytes (integers, or floats if
	** ${isfloat}): the low bytes of each value, two's complement */
	int width, isfloat;
	size_t nv;
	double v[16];
	/* P_CHUNK: chunk ${id} of the ${n} ${bytes}, padded unless ${nopad};
	** with a ${size}, a header saying that size instead (and no pad).
	** P_BYTES: the ${n} ${bytes} as they are. */
	const char *id, *bytes;
	size_t n;
	uint32_t size;
	int nopad;
};
struct recipe {
	struct part part[10];
	uint32_t riff;
	size_t poke_at;
	const char *poke;
	const char *tail;
	size_t ntail;
	const char *raw;
	size_t nraw;
};

#define NV(...) (sizeof((double[]){ __VA_ARGS__ }) / sizeof(double))
#define FMT(t, c, r, b)                                                        \
	{                                                                      \
		.kind = P_FMT, .tag = (t), .ch = (c), .rate = (r), .bits = (b) \
	}
#define FMT_RAW(t, c, r, br, al, b)                                            \
	{                                                                      \
		.kind = P_FMT, .tag = (t), .ch = (c), .rate = (r),             \
		.byte_rate = (br), .align = (al), .bits = (b)                  \
	}
#define FMT18(t, c, r, br, al, b)                                              \
	{                                                                      \
		.kind = P_FMT, .tag = (t), .ch = (c), .rate = (r),             \
		.byte_rate = (br), .align = (al), .bits = (b), .cb0 = 1        \
	}
#define FMT_EXT(s, c, r, b, vb)                                                \
	{                                                                      \
		.kind = P_FMT, .tag = 0xFFFE, .ext = 1, .sub = (s), .ch = (c), \
		.rate = (r), .bits = (b), .valid = (vb)                        \
	}
#define FMT_EXT_BAD_GUID(s, c, r, b, vb)                                       \
	{                                                                      \
		.kind = P_FMT, .tag = 0xFFFE, .ext = 1, .sub = (s), .ch = (c), \
		.rate = (r), .bits = (b), .valid = (vb), .bad_guid = 1         \
	}
#define SAMPLES(w, f, ...)                                                     \
	{                                                                      \
		.kind = P_DATA, .width = (w), .isfloat = (f),                  \
		.nv = NV(__VA_ARGS__),                                         \
		.v = { __VA_ARGS__ }                                           \
	}
#define S16(...) SAMPLES(2, 0, __VA_ARGS__)
#define S24(...) SAMPLES(3, 0, __VA_ARGS__)
#define S32(...) SAMPLES(4, 0, __VA_ARGS__)
#define F32(...) SAMPLES(4, 1, __VA_ARGS__)
#define CHUNK(i, s)                                                            \
	{                                                                      \
		.kind = P_CHUNK, .id = (i), .bytes = (s), .n = sizeof(s) - 1   \
	}
#define CHUNK_NOPAD(i, s)                                                      \
	{                                                                      \
		.kind = P_CHUNK, .id = (i), .bytes = (s), .n = sizeof(s) - 1,  \
		.nopad = 1                                                     \
	}
#define CHUNK_SAYS(i, s, sz)                                                   \
	{                                                                      \
		.kind = P_CHUNK, .id = (i), .bytes = (s), .n = sizeof(s) - 1,  \
		.size = (sz)                                                   \
	}
#define BYTES(s)                                                               \
	{                                                                      \
		.kind = P_BYTES, .bytes = (s), .n = sizeof(s) - 1              \
	}

/* The samples most files hold, and the plain file most cases start from:
** 16 kHz mono 16-bit. */
static const int16_t mono[] = { 0, 1, -1, 32767, -32768, 12345 };
#define MONO   S16(0, 1, -1, 32767, -32768, 12345)
#define MONO16 FMT(1, 1, 16000, 16), MONO

/* Writes ${p} to ${w}. */
static void
put_part(struct wb *w, const struct part *p)
{
	static const uint8_t tail[14] = { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
		0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 };
	unsigned align = p->align ? p->align : p->ch * p->bits / 8;
	size_t at, i;
	int64_t v;

	switch (p->kind) {
	case P_FMT:
		at = wb_open(w, "fmt ");
		put16(w, p->tag);
		put16(w, p->ch);
		put32(w, p->rate);
		put32(w, p->byte_rate ? p->byte_rate : p->rate * align);
		put16(w, align);
		put16(w, p->bits);
		if (p->cb0)
			put16(w, 0);
		if (p->ext) {
			put16(w, 22);                 /* cbSize */
			put16(w, p->valid);           /* wValidBitsPerSample */
			put32(w, p->ch == 2 ? 3 : 4); /* dwChannelMask */
			put16(w, p->sub);
			put(w, tail, sizeof(tail));
			if (p->bad_guid)
				w->p[w->n - 1] ^= 1;
		}
		wb_close(w, at, 1);
		break;
	case P_DATA:
		at = wb_open(w, "data");
		for (i = 0; i < p->nv; i++) {
			v = (int64_t)p->v[i];
			if (p->isfloat)
				putf(w, (float)p->v[i]);
			else if (p->width == 2)
				put16(w, (uint16_t)v);
			else if (p->width == 3)
				put24(w, (int32_t)v);
			else
				put32(w, (uint32_t)v);
		}
		wb_close(w, at, 1);
		break;
	case P_CHUNK:
		if (p->size != 0) {
			put(w, p->id, 4);
			put32(w, p->size);
			put(w, p->bytes, p->n);
			break;
		}
		at = wb_open(w, p->id);
		put(w, p->bytes, p->n);
		wb_close(w, at, !p->nopad);
		break;
	case P_BYTES: put(w, p->bytes, p->n); break;
	case P_END: break;
	}
}

/* Builds the file of ${r} in ${w}. */
static void
build(struct wb *w, const struct recipe *r)
{
	size_t i;

	w->n = 0;
	if (r->raw != NULL) {
		put(w, r->raw, r->nraw);
		return;
	}
	put(w, "RIFF\0\0\0\0WAVE", 12);
	for (i = 0; i < NELEM(r->part) && r->part[i].kind != P_END; i++)
		put_part(w, &r->part[i]);
	patch32(w, 4, r->riff ? r->riff : (uint32_t)(w->n - 8));
	if (r->poke != NULL)
		memcpy(w->p + r->poke_at, r->poke, 4);
	if (r->tail != NULL)
		put(w, r->tail, r->ntail);
}

/* The files taken, and exactly what must come out of each. */
static const struct good {
	const char *name;
	struct recipe file;
	int rate, channels, bits, isfloat;
	size_t ns;
	int16_t want[16];
} good[] = {
	{ "mono16", { .part = { MONO16 } }, 16000, 1, 16, 0, 6,
	    { 0, 1, -1, 32767, -32768, 12345 } },
	{ "stereo16",
	    { .part = { FMT(1, 2, 44100, 16),
		  S16(1, 2, -1, -2, 32767, 32767, -32768, -32768, -1, 0, 1, 0,
		      32767, -32768, 100, -300) } },
	    44100, 2, 16, 0, 8, { 1, -2, 32767, -32768, -1, 0, -1, -100 } },
	{ "pcm24",
	    { .part = { FMT(1, 1, 48000, 24),
		  S24(0x7FFFFF, -8388608, 128, 127, -128, -129, 0x123456,
		      0x7FFF80, 0x7FFF7F, -256, 511, -385) } },
	    48000, 1, 24, 0, 12,
	    { 32767, -32768, 1, 0, 0, -1, 4660, 32767, 32767, -1, 2, -2 } },
	{ "pcm24_stereo",
	    { .part = { FMT(1, 2, 48000, 24),
		  S24(0x7FFFFF, 0x7FFFFF, 256, -512, 0x123456, 0) } },
	    48000, 2, 24, 0, 3, { 32767, -1, 2330 } },
	{ "pcm32",
	    { .part = { FMT(1, 1, 8000, 32),
		  S32(0x7FFFFFFF, 0x80000000, 32768, 32767, (uint32_t)-32768,
		      (uint32_t)-32769, 0x12345678, 0x7FFF8000, 0x7FFF7FFF,
		      0xFFFF0000) } },
	    8000, 1, 32, 0, 10,
	    { 32767, -32768, 1, 0, 0, -1, 4660, 32767, 32767, -1 } },
	{ "float",
	    { .part = { FMT(3, 1, 22050, 32),
		  F32(0.0f, 1.0f, -1.0f, 2.0f, -3.5f, 0.5f, -0.5f, NAN,
		      INFINITY, -INFINITY, 1e-10f, 0.25f) } },
	    22050, 1, 32, 1, 12,
	    { 0, 32767, -32767, 32767, -32767, 16384, -16384, 0, 32767, -32767,
		0, 8192 } },
	/* A 24-bit container holding 20 valid bits. */
	{ "ext_pcm",
	    { .part = { FMT_EXT(1, 1, 96000, 24, 20),
		  S24(0x123450, -8388608) } },
	    96000, 1, 24, 0, 2, { 4660, -32768 } },
	{ "ext_float",
	    { .part = { FMT_EXT(3, 2, 32000, 32, 32),
		  F32(1.0f, -1.0f, 0.5f, 0.5f, -1.0f, -1.0f) } },
	    32000, 2, 32, 1, 3, { 0, 16384, -32767 } },
	/* Data first, fmt late, every kind of recorder metadata in between
	** (a LIST INFO holding an ISFT of 14 bytes). */
	{ "any_order",
	    { .part = { CHUNK("LIST",
			    "INFO"
			    "ISFT\x0e\0\0\0"
			    "Lavf58.76.100\0"),
		  MONO, CHUNK("bext", "description of the take"),
		  CHUNK("iXML", "<BWFXML></BWFXML>"), FMT(1, 1, 16000, 16),
		  CHUNK("id3 ", "ID3\x04\0\0\0\0\0\0"),
		  CHUNK("fact", "\x06\0\0\0"), CHUNK("cue ", "\0\0\0\0"),
		  CHUNK("JUNK", "\0\0\0\0\0\0\0\0") } },
	    16000, 1, 16, 0, 6, { 0, 1, -1, 32767, -32768, 12345 } },
	/* Odd-size chunks, each followed by its pad byte. */
	{ "odd_pad",
	    { .part = { CHUNK("LIST", "INFOx"), FMT(1, 1, 16000, 16),
		  CHUNK("junk", "abc"), MONO } },
	    16000, 1, 16, 0, 6, { 0, 1, -1, 32767, -32768, 12345 } },
	/* The last chunk is odd and its pad byte is missing. */
	{ "pad_missing_end", { .part = { MONO16, CHUNK_NOPAD("iXML", "<x>") } },
	    16000, 1, 16, 0, 6, { 0, 1, -1, 32767, -32768, 12345 } },
	/* A 3-byte data chunk (one 24-bit frame, 0x123456) last, without its
	** pad. */
	{ "pcm24_odd_end",
	    { .part = { FMT(1, 1, 48000, 24),
		  CHUNK_NOPAD("data", "\x56\x34\x12") } },
	    48000, 1, 24, 0, 1, { 4660 } },
	/* Bytes after the RIFF chunk, even one that looks like a second data
	** chunk, are not read. */
	{ "trailing_junk",
	    { .part = { MONO16 },
		.tail = "data\xff\xff\xff\xffgarbage",
		.ntail = 15 },
	    16000, 1, 16, 0, 6, { 0, 1, -1, 32767, -32768, 12345 } },
	/* The pad byte is present but the RIFF size does not count it. */
	{ "pad_outside_riff",
	    { .part = { FMT(1, 1, 48000, 24),
		  CHUNK_NOPAD("data", "\x56\x34\x12") },
		.tail = "",
		.ntail = 1 },
	    48000, 1, 24, 0, 1, { 4660 } },
	{ "zero_frames",
	    { .part = { FMT(1, 2, 16000, 16), CHUNK("data", "") } }, 16000, 2,
	    16, 0, 0, { 0 } },
	/* An 18-byte fmt with cbSize 0, as many writers make. */
	{ "fmt18", { .part = { FMT18(1, 1, 384000, 768000, 2, 16), MONO } },
	    384000, 1, 16, 0, 6, { 0, 1, -1, 32767, -32768, 12345 } },
};

/* The files refused: the error class and a phrase the message must hold. */
static const struct bad {
	const char *name;
	struct recipe file;
	enum err_code code;
	const char *msg;
} bad[] = {
	{ "too_short", { .raw = "RIFF\4", .nraw = 5 }, ERR_INVALID,
	    "too short" },
	{ "not_riff", { .part = { MONO16 }, .poke = "OggS" }, ERR_INVALID,
	    "does not start with \"RIFF\"" },
	{ "not_wave", { .part = { MONO16 }, .poke_at = 8, .poke = "AVI " },
	    ERR_INVALID, "form type is \"AVI \", not \"WAVE\"" },
	{ "rf64", { .part = { MONO16 }, .poke = "RF64" }, ERR_UNSUPPORTED,
	    "RF64" },
	{ "rifx", { .part = { MONO16 }, .poke = "RIFX" }, ERR_UNSUPPORTED,
	    "RIFX" },
	/* 48 bytes follow "RIFF" and its size in MONO16. */
	{ "riff_lies", { .part = { MONO16 }, .riff = 49 }, ERR_INVALID,
	    "RIFF header says 49 bytes follow but only 48 do" },
	{ "riff_huge", { .part = { MONO16 }, .riff = 0xFFFFFFFF }, ERR_INVALID,
	    "RIFF header says 4294967295 bytes" },
	{ "riff_tiny", { .part = { MONO16 }, .riff = 2 }, ERR_INVALID,
	    "too few to hold \"WAVE\"" },
	{ "chunk_past_end",
	    { .part = { MONO16, CHUNK_SAYS("LIST", "INFO", 1000) } },
	    ERR_INVALID,
	    "the WAV \"LIST\" chunk says 1000 bytes but only 4 follow" },
	/* The example from wav.h: a data size from a writer that never came
	** back to fix it. */
	{ "data_past_end",
	    { .part = { FMT(1, 1, 16000, 16),
		  CHUNK_SAYS("data", "\1\0\2\0\3\0\4\0", 96000) } },
	    ERR_INVALID,
	    "the WAV data chunk says 96000 bytes but only 8 follow" },
	/* The data chunk fits the file but not the RIFF chunk. */
	{ "data_past_riff", { .part = { MONO16 }, .riff = 46 }, ERR_INVALID,
	    "the WAV data chunk says 12 bytes but only 10 follow" },
	{ "header_past_end", { .part = { MONO16, BYTES("LIST") } }, ERR_INVALID,
	    "ends inside a chunk header at byte 56" },
	{ "no_fmt", { .part = { CHUNK("LIST", "INFO"), MONO } }, ERR_INVALID,
	    "no fmt chunk" },
	{ "no_data",
	    { .part = { FMT(1, 1, 16000, 16), CHUNK("LIST", "INFO") } },
	    ERR_INVALID, "no data chunk" },
	{ "empty_riff", { .part = { { .kind = P_END } } }, ERR_INVALID,
	    "no fmt chunk" },
	{ "dup_fmt", { .part = { MONO16, FMT(1, 1, 16000, 16) } }, ERR_INVALID,
	    "two fmt chunks" },
	{ "dup_data", { .part = { MONO, FMT(1, 1, 16000, 16), MONO } },
	    ERR_INVALID, "two data chunks" },
	{ "fmt_short",
	    { .part = { CHUNK("fmt ", "\1\0\1\0\x80\x3e\0\0\0\x7d\0\0\2\0"),
		  MONO } },
	    ERR_INVALID, "fmt chunk is 14 bytes; it needs at least 16" },
	{ "block_align",
	    { .part = { FMT_RAW(1, 2, 16000, 48000, 3, 16), MONO } },
	    ERR_INVALID,
	    "block align is 3 bytes but 2 channels of 16 bits need 4" },
	{ "byte_rate", { .part = { FMT_RAW(1, 1, 16000, 16000, 2, 16), MONO } },
	    ERR_INVALID,
	    "byte rate is 16000 but 16000 Hz with 2-byte frames needs 32000" },
	/* Three 16-bit samples: one and a half stereo frames. */
	{ "partial_frame", { .part = { FMT(1, 2, 16000, 16), S16(0, 1, -1) } },
	    ERR_INVALID,
	    "data chunk is 6 bytes, not a whole number of 4-byte frames" },
	{ "zero_channels", { .part = { FMT(1, 0, 16000, 16), MONO } },
	    ERR_INVALID, "0 channels" },
	{ "three_channels", { .part = { FMT(1, 3, 16000, 16), MONO } },
	    ERR_UNSUPPORTED, "3-channel WAV files are not supported" },
	{ "eight_bit",
	    { .part = { FMT(1, 1, 8000, 8),
		  CHUNK("data", "\x80\x81\x7f\x00") } },
	    ERR_UNSUPPORTED, "8-bit WAV files are not supported" },
	{ "twelve_bit", { .part = { FMT_RAW(1, 1, 8000, 16000, 2, 12), MONO } },
	    ERR_UNSUPPORTED, "12-bit WAV samples are not supported" },
	{ "zero_bits", { .part = { FMT_RAW(1, 1, 8000, 16000, 2, 0), MONO } },
	    ERR_INVALID, "0 bits per sample" },
	{ "adpcm", { .part = { FMT_RAW(2, 1, 8000, 4096, 256, 4), MONO } },
	    ERR_UNSUPPORTED, "compressed (format 2, Microsoft ADPCM)" },
	{ "float64",
	    { .part = { FMT(3, 1, 16000, 64),
		  CHUNK("data", "\0\0\0\0\0\0\xf0\x3f") } },
	    ERR_UNSUPPORTED, "64-bit float WAV files are not supported" },
	{ "float16", { .part = { FMT(3, 1, 16000, 16), MONO } },
	    ERR_UNSUPPORTED, "16-bit float WAV files are not supported" },
	{ "rate_zero", { .part = { FMT(1, 1, 0, 16), MONO } }, ERR_INVALID,
	    "sample rate is 0 Hz" },
	{ "rate_high", { .part = { FMT(1, 1, 384001, 16), MONO } }, ERR_INVALID,
	    "sample rate is 384001 Hz" },
	/* Tag 0xFFFE in a plain 18-byte fmt. */
	{ "ext_short",
	    { .part = { FMT18(0xFFFE, 1, 16000, 32000, 2, 16), MONO } },
	    ERR_INVALID, "only 18 bytes long; it needs at least 40" },
	{ "ext_guid",
	    { .part = { FMT_EXT_BAD_GUID(1, 1, 16000, 16, 16), MONO } },
	    ERR_UNSUPPORTED, "sub-format we do not know" },
	{ "ext_adpcm", { .part = { FMT_EXT(2, 1, 16000, 16, 16), MONO } },
	    ERR_UNSUPPORTED, "inside WAVE_FORMAT_EXTENSIBLE" },
	{ "ext_valid_bits", { .part = { FMT_EXT(1, 1, 16000, 16, 20), MONO } },
	    ERR_INVALID, "20 valid bits in 16-bit samples" },
	/* An odd chunk without its pad, followed by more chunks: the walk
	** lands one byte into the next header. */
	{ "pad_missing_middle",
	    { .part = { CHUNK_NOPAD("LIST", "INFOx"), MONO16 } }, ERR_INVALID,
	    "the WAV \"mt ?\" chunk says" },
};

/* The file of the case ${name}, good or bad. */
static const struct recipe *
file_named(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(good); i++)
		if (strcmp(good[i].name, name) == 0)
			return (&good[i].file);
	for (i = 0; i < NELEM(bad); i++)
		if (strcmp(bad[i].name, name) == 0)
			return (&bad[i].file);
	ck_abort_msg("no case %s", name);
	return (NULL);
}

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

	build(&w, &c->file);
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

	build(&w, &c->file);
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

	build(&w, file_named("data_past_end"));
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

	build(&w, &c->file);
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
** Every single-byte corruption of ${file} is either taken,
** with sane results, or refused with a 400/415 class and a message.
*/
static void
corrupt_all(const char *name, const struct recipe *file)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x02, 0x03, 0x7f, 0x80,
		0xfe, 0xff };
	struct wb w;
	struct wav_pcm pcm;
	struct err e;
	uint8_t *f;
	size_t k, v;

	build(&w, file);
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
	corrupt_all(good[_i].name, &good[_i].file);
}
END_TEST

START_TEST(test_corrupt_bad)
{
	corrupt_all(bad[_i].name, &bad[_i].file);
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
	build(&w, file_named("stereo16"));
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
	return (tu_suite_run(s));
}
