/*
** People's names in contributed text (redact.h, redact/README.md): the
** word lists of the rule packs' `names:` sections, and the finder that
** reads a text against them. Rules of PCRE2 find numbers and addresses; a
** name has no shape a pattern can hold, and a regular expression of
** thousands of names would be slow to build and slower to run, so names
** are found here, word by word, through one hash table of every listed
** word.
**
** The finder cuts the text into words (runs of letters, digits and
** combining marks in any script), folds each (lower case, ё read as е,
** combining marks dropped) and looks it up once. A name is a run of
** capitalised words joined by spaces, hyphens, or the full stop after an
** initial ("Kofi A. Boakye", "Ama Mensah-Bonsu"), no longer than
** RUN_MAX words, that holds evidence of a name:
**   - a listed given name (given:) that is not also an everyday word;
**   - a family-name shape (suffixes:, patronymics:) whose stem is a
**     listed name ("Саидовым" is Саид + овым, "Jónsson" is Jóns + son),
**     or, for suffixes:, any such word in mid-sentence ("Кузнецов");
**   - a title right before it ("Mr", "Auntie", "frú", "господин"), a
**     title right after it ("ака", "апа"), or a self-introduction right
**     before it ("my name is", "ég heiti", "меня зовут", "номи ман");
**   - two listed names side by side, or a name that is also a word
**     (common:) followed by another capitalised word ("Grace Odonkor");
**   - a common: name alone, in mid-sentence, after no word of words:
**     ("we asked Grace", but not "by the Grace of God").
** The whole run becomes one [NAME]; a capitalised word that only starts
** the sentence ("Yesterday Kwaku") is left out of it. Words of places:
** and words: break a run and are never a name alone; when they are also
** names (Hekla, Asante) they join a run that holds other evidence. A run
** is a place, not a person, when a place_before: phrase precedes it
** ("улица Ленина") or a capitalised place_after: word follows it ("Kwame
** Nkrumah Circle"), and a book of the Bible when a chapter:verse follows
** it ("John 3:16"). Inflected forms reach their listed form through the
** endings: of the pack that listed it ("Рустамом" -> Рустам, "Þóru" ->
** Þóra), never through another pack's.
**
** After a title or an introduction a name written in lower case counts
** too, if it is listed ("my name is kofi"). A campaign's allowed names are
** found as whole words first and are never part of a name.
**
** Everything is linear in the text: one pass to cut and look up words, a
** bounded look back over at most NM_MAX_PHRASE words per phrase ending,
** and one pass over the runs.
*/
#include <stdlib.h>
#include <string.h>

#include "redact_int.h"

/* A run of more capitalised words than this is a heading, not a name. */
#define RUN_MAX 8
/* Most allowed names a campaign may give that are looked for (more are
** refused when the campaign is read). */
#define ALLOW_MAX 256

/* ---------------------------------------------------------------------
** Characters
*/

/* Decodes the code point at ${s}[${i}] (UTF-8, ${i} < ${n}) into *${cp}
** and returns its length; a broken sequence reads as one byte U+FFFD. */
static size_t
u8_dec(const char *s, size_t n, size_t i, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s + i;
	size_t len, k;
	uint32_t c;

	if (u[0] < 0x80) {
		*cp = u[0];
		return (1);
	}
	len = (u[0] & 0xe0) == 0xc0 ? 2
	    : (u[0] & 0xf0) == 0xe0 ? 3
	    : (u[0] & 0xf8) == 0xf0 ? 4
				    : 0;
	if (len == 0 || n - i < len) {
		*cp = 0xfffd;
		return (1);
	}
	c = u[0] & (0x7f >> len);
	for (k = 1; k < len; k++) {
		if ((u[k] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return (1);
		}
		c = (c << 6) | (u[k] & 0x3f);
	}
	*cp = c;
	return (len);
}

/* Writes ${c} as UTF-8 to ${out}; returns the length (1 to 4). */
static size_t
u8_enc(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return (1);
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return (2);
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return (3);
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return (4);
}

static int
is_mark(uint32_t c)
{
	return (c >= 0x300 && c <= 0x36f);
}

/*
** Is ${c} part of a word? ASCII letters, digits and '_'; beyond ASCII,
** everything but the spaces, punctuation and symbols of the blocks our
** languages' texts meet (Latin-1 punctuation, General Punctuation to
** Miscellaneous Symbols, CJK punctuation, fullwidth forms, emoji).
*/
static int
is_word_cp(uint32_t c)
{
	if (c < 0x80)
		return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_');
	if (c < 0xc0)
		return (c == 0xaa || c == 0xb5 || c == 0xba);
	if (c == 0xd7 || c == 0xf7)
		return (0);
	if (c >= 0x2000 && c <= 0x2bff)
		return (0);
	if ((c >= 0x2e00 && c <= 0x2e7f) || (c >= 0x3000 && c <= 0x303f) ||
	    (c >= 0xe000 && c <= 0xf8ff) || (c >= 0xfe00 && c <= 0xfe6f) ||
	    (c >= 0xff00 && c <= 0xff20) || (c >= 0xff3b && c <= 0xff40) ||
	    (c >= 0xff5b && c <= 0xff65) || c == 0xfeff || c >= 0xfff0)
		return (0);
	if (c >= 0x1f000 && c <= 0x1faff)
		return (0);
	return (1);
}

/* Upper-case letters of Latin Extended-B and the African alphabets
** (Ɔ, Ɛ, Ɖ, Ƒ, Ɣ, Ŋ is in Extended-A, Ʋ ...) with their lower case. */
static const uint32_t latin_b[][2] = { { 0x181, 0x253 }, { 0x186, 0x254 },
	{ 0x189, 0x256 }, { 0x18a, 0x257 }, { 0x18e, 0x1dd }, { 0x18f, 0x259 },
	{ 0x190, 0x25b }, { 0x191, 0x192 }, { 0x193, 0x260 }, { 0x194, 0x263 },
	{ 0x196, 0x269 }, { 0x197, 0x268 }, { 0x198, 0x199 }, { 0x19c, 0x26f },
	{ 0x19d, 0x272 }, { 0x1a4, 0x1a5 }, { 0x1a9, 0x283 }, { 0x1ac, 0x1ad },
	{ 0x1ae, 0x288 }, { 0x1b1, 0x28a }, { 0x1b2, 0x28b }, { 0x1b3, 0x1b4 },
	{ 0x1b5, 0x1b6 }, { 0x1b7, 0x292 } };

/*
** The lower case of ${c} for the scripts our packs list names in: Latin
** (Basic, Latin-1, Extended-A and -B, the African letters, Extended
** Additional), Greek and Cyrillic (with the Tajik, Kazakh and other
** letters of the Cyrillic Supplement). Anything else is its own lower
** case, so never reads as capitalised.
*/
static uint32_t
cp_lower(uint32_t c)
{
	size_t i;

	if (c < 0x80)
		return (c >= 'A' && c <= 'Z' ? c + 32 : c);
	if (c < 0x100)
		return (c >= 0xc0 && c <= 0xde && c != 0xd7 ? c + 32 : c);
	if (c < 0x180) {
		if (c == 0x130)
			return ('i');
		if (c == 0x178)
			return (0xff);
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return (c & 1 ? c + 1 : c);
		if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17f)
			return (c);
		return (c & 1 ? c : c + 1);
	}
	if (c < 0x250) {
		for (i = 0; i < sizeof(latin_b) / sizeof(latin_b[0]); i++)
			if (latin_b[i][0] == c)
				return (latin_b[i][1]);
		if (c >= 0x1cd && c <= 0x1dc)
			return (c & 1 ? c + 1 : c);
		if ((c >= 0x1de && c <= 0x1ef) || (c >= 0x1f8 && c <= 0x21f) ||
		    (c >= 0x222 && c <= 0x233))
			return (c & 1 ? c : c + 1);
		return (c);
	}
	if (c >= 0x391 && c <= 0x3ab && c != 0x3a2)
		return (c + 32);
	if (c >= 0x400 && c <= 0x40f)
		return (c + 80);
	if (c >= 0x410 && c <= 0x42f)
		return (c + 32);
	if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) ||
	    (c >= 0x4d0 && c <= 0x52f))
		return (c & 1 ? c : c + 1);
	if (c == 0x4c0)
		return (0x4cf);
	if (c >= 0x4c1 && c <= 0x4ce)
		return (c & 1 ? c + 1 : c);
	if ((c >= 0x1e00 && c <= 0x1e95) || (c >= 0x1ea0 && c <= 0x1eff))
		return (c & 1 ? c : c + 1);
	return (c);
}

static int
is_upper(uint32_t c)
{
	return (cp_lower(c) != c);
}

/* ${c} as the lists are compared: lower case, ё as е; 0 for a combining
** mark, which is dropped ("Kɔ́kú" is "kɔku"). */
static uint32_t
cp_fold(uint32_t c)
{
	if (is_mark(c))
		return (0);
	c = cp_lower(c);
	return (c == 0x451 ? 0x435 : c);
}

/*
** Folds the ${n} bytes at ${s} into ${out} (at most NM_MAX_WORD bytes).
** Returns the length, or (size_t)-1 if it does not fit.
*/
static size_t
fold(const char *s, size_t n, char *out)
{
	char tmp[4];
	size_t i = 0, k = 0, l;
	uint32_t c;

	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			if (k == NM_MAX_WORD)
				return ((size_t)-1);
			out[k++] = (char)cp_lower((unsigned char)s[i++]);
			continue;
		}
		i += u8_dec(s, n, i, &c);
		if ((c = cp_fold(c)) == 0)
			continue;
		l = u8_enc(c, tmp);
		if (k + l > NM_MAX_WORD)
			return ((size_t)-1);
		memcpy(out + k, tmp, l);
		k += l;
	}
	return (k);
}

/* FNV-1a over the ${n} bytes at ${s}. */
static uint32_t
hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return (h);
}

/* Do the ${n} bytes of UTF-8 at ${s} hold two characters or more? (A stem
** left by an ending or a suffix must.) */
static int
two_chars(const char *s, size_t n)
{
	unsigned char c = n > 0 ? (unsigned char)s[0] : 0;

	return (n > (c < 0x80 ? 1u : c < 0xe0 ? 2u : c < 0xf0 ? 3u : 4u));
}

/*
** The next word of ${s} (${n} bytes) at or after ${i}: 1 and its bounds
** in ${ws}, ${we}, or 0 if there is none.
*/
static int
next_word(const char *s, size_t n, size_t i, size_t *ws, size_t *we)
{
	uint32_t c;
	size_t l;

	while (i < n) {
		l = u8_dec(s, n, i, &c);
		if (is_word_cp(c) && !is_mark(c))
			break;
		i += l;
	}
	if (i >= n)
		return (0);
	*ws = i;
	while (i < n) {
		l = u8_dec(s, n, i, &c);
		if (!is_word_cp(c))
			break;
		i += l;
	}
	*we = i;
	return (1);
}

/* ---------------------------------------------------------------------
** The lists
*/

/* The slot of folded ${w} (${len} bytes, hash ${h}) in ${nm}'s table:
** its entry, or the empty slot where it would go. The table has room. */
static struct nm_word *
slot(const struct names *nm, const char *w, size_t len, uint32_t h)
{
	size_t i = h & (nm->cap - 1), k;

	for (;; i = (i + 1) & (nm->cap - 1)) {
		const struct nm_word *s = &nm->tab[i];

		if (s->w == NULL)
			break;
		if (s->hash != h || s->len != len)
			continue;
		for (k = 0; k < len && s->w[k] == w[k]; k++)
			; /* words are short: no call */
		if (k == len)
			break;
	}
	return (&nm->tab[i]);
}

/* The entry of folded ${w} (${len} bytes, hash ${h}), or NULL. */
static const struct nm_word *
lookup(const struct names *nm, const char *w, size_t len, uint32_t h)
{
	const struct nm_word *s;

	if (nm->n == 0)
		return (NULL);
	s = slot(nm, w, len, h);
	return (s->w != NULL ? s : NULL);
}

/* Doubles ${nm}'s table (or makes one of 256 slots). 0 or -1. */
static int
grow(struct names *nm)
{
	size_t cap = nm->cap ? nm->cap * 2 : 256, i;
	struct nm_word *old = nm->tab, *s;
	size_t oldcap = nm->cap;

	if ((nm->tab = calloc(cap, sizeof(*nm->tab))) == NULL) {
		nm->tab = old;
		return (-1);
	}
	nm->cap = cap;
	for (i = 0; i < oldcap; i++)
		if (old[i].w != NULL) {
			s = slot(nm, old[i].w, old[i].len, old[i].hash);
			*s = old[i];
		}
	free(old);
	return (0);
}

/* Adds folded ${w} (${len} bytes) with ${flags} and ${packs}. Returns
** its entry, or NULL if out of memory. */
static struct nm_word *
put(struct names *nm, const char *w, size_t len, uint32_t flags, uint32_t packs)
{
	uint32_t h = hash(w, len);
	struct nm_word *s;

	if ((nm->n + 1) * 2 > nm->cap && grow(nm) == -1)
		return (NULL);
	s = slot(nm, w, len, h);
	if (s->w == NULL) {
		if ((s->w = strndup(w, len)) == NULL)
			return (NULL);
		s->len = (uint32_t)len;
		s->hash = h;
		nm->n++;
	}
	s->flags |= flags;
	s->packs |= packs;
	if (flags & NW_TITLE)
		s->tpacks |= packs;
	return (s);
}

/*
** Folds the words of ${s} into ${w} (NM_MAX_PHRASE of NM_MAX_WORD + 1
** bytes) and their lengths into ${len}. Between words only spaces,
** apostrophes and hyphens may stand, and nothing before or after them.
** Returns the number of words, or 0 if ${s} is not such a phrase.
*/
static size_t
phrase_words(const char *s, char w[][NM_MAX_WORD + 1], uint32_t *len)
{
	size_t n = strlen(s), i = 0, ws, we, k = 0, l;

	while (next_word(s, n, i, &ws, &we)) {
		while (i < ws) { /* only spaces, apostrophes, hyphens */
			if (s[i] == ' ' || s[i] == '\'' || s[i] == '-')
				i++;
			else if (strncmp(s + i, "\xe2\x80\x99", 3) == 0)
				i += 3;
			else
				return (0);
		}
		if (k == NM_MAX_PHRASE ||
		    (l = fold(s + ws, we - ws, w[k])) == (size_t)-1 || l == 0)
			return (0);
		w[k][l] = '\0';
		len[k++] = (uint32_t)l;
		i = we;
	}
	for (; i < n; i++)
		if (s[i] != ' ')
			return (0);
	return (k);
}

int
redact_name_ok(const char *s)
{
	char w[NM_MAX_PHRASE][NM_MAX_WORD + 1];
	uint32_t len[NM_MAX_PHRASE];

	return (s != NULL && phrase_words(s, w, len) > 0);
}

/* Adds affix spec ${s} to ${v} (*${nv} of them), chained from ${head}
** by its last byte, or from *${any} if it strips nothing. 0, 1 malformed,
** -1. */
static int
add_affix(struct nm_affix **v, size_t *nv, uint32_t *head, uint32_t *any,
    const char *s, int ending, int strong, uint32_t packs)
{
	uint32_t *chain;
	char w[2][NM_MAX_PHRASE][NM_MAX_WORD + 1];
	uint32_t len[2][NM_MAX_PHRASE] = { { 0 } };
	const char *gt = ending ? strchr(s, '>') : NULL;
	struct nm_affix *nv2, *a;
	char *left;
	size_t k0 = 0, k1 = 0;

	if ((left = strndup(s, gt ? (size_t)(gt - s) : strlen(s))) == NULL)
		return (-1);
	if (*left != '\0' && (k0 = phrase_words(left, w[0], len[0])) != 1) {
		free(left);
		return (1);
	}
	free(left);
	if (gt != NULL && gt[1] != '\0' &&
	    (k1 = phrase_words(gt + 1, w[1], len[1])) != 1)
		return (1);
	if (k0 + k1 == 0 || (!ending && k0 == 0))
		return (1);
	if ((nv2 = reallocarray(*v, *nv + 1, sizeof(**v))) == NULL)
		return (-1);
	*v = nv2;
	a = &nv2[*nv];
	memset(a, 0, sizeof(*a));
	if ((a->end = strndup(w[0][0], k0 ? len[0][0] : 0)) == NULL ||
	    (a->repl = strndup(w[1][0], k1 ? len[1][0] : 0)) == NULL) {
		free(a->end);
		return (-1);
	}
	a->elen = k0 ? len[0][0] : 0;
	a->rlen = k1 ? len[1][0] : 0;
	a->packs = packs;
	a->strong = strong;
	(*nv)++;
	chain = a->elen == 0 ? any : &head[(unsigned char)a->end[a->elen - 1]];
	a->next = *chain;
	*chain = (uint32_t)*nv;
	return (0);
}

int
names_add(struct names *nm, enum nm_list l, const char *s, uint32_t flags,
    uint32_t packs)
{
	char w[NM_MAX_PHRASE][NM_MAX_WORD + 1];
	uint32_t len[NM_MAX_PHRASE];
	struct nm_phrase *pv, *p;
	struct nm_word *last;
	size_t k, i;
	uint32_t dummy = 0;

	switch (l) {
	case NL_WORD:
		if (phrase_words(s, w, len) != 1)
			return (1);
		return (put(nm, w[0], len[0], flags, packs) == NULL ? -1 : 0);
	case NL_ENDING:
		return (add_affix(&nm->endings, &nm->nendings, nm->ehead,
		    &nm->eany, s, 1, 0, packs));
	case NL_SUFFIX:
	case NL_PATRONYMIC:
		return (add_affix(&nm->suffixes, &nm->nsuffixes, nm->shead,
		    &dummy, s, 0, l == NL_SUFFIX, packs));
	case NL_PHRASE_INTRO:
	case NL_PHRASE_PLACE:
	case NL_PHRASE_KEEP: break;
	}
	if ((k = phrase_words(s, w, len)) == 0)
		return (1);
	if ((pv = reallocarray(nm->phrases, nm->nphrases + 1, sizeof(*pv))) ==
	    NULL)
		return (-1);
	nm->phrases = pv;
	p = &pv[nm->nphrases];
	memset(p, 0, sizeof(*p));
	if ((p->w = calloc(k, sizeof(*p->w))) == NULL ||
	    (p->len = calloc(k, sizeof(*p->len))) == NULL ||
	    (p->hash = calloc(k, sizeof(*p->hash))) == NULL)
		goto nomem;
	nm->nphrases++; /* owns p's arrays from here */
	p->nw = k;
	p->list = l;
	for (i = 0; i < k; i++) {
		if ((p->w[i] = strndup(w[i], len[i])) == NULL)
			return (-1);
		p->len[i] = len[i];
		p->hash[i] = hash(w[i], len[i]);
	}
	if ((last = put(nm, w[k - 1], len[k - 1], NW_PHRASE_END, packs)) ==
	    NULL)
		return (-1);
	p->next = last->phrase;
	last->phrase = (uint32_t)nm->nphrases;
	return (0);
nomem:
	free(p->w);
	free(p->len);
	free(p->hash);
	return (-1);
}

static void
affixes_free(struct nm_affix *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].end);
		free(v[i].repl);
	}
	free(v);
}

void
names_free(struct names *nm)
{
	size_t i, k;

	for (i = 0; i < nm->cap; i++)
		free(nm->tab[i].w);
	free(nm->tab);
	affixes_free(nm->endings, nm->nendings);
	affixes_free(nm->suffixes, nm->nsuffixes);
	for (i = 0; i < nm->nphrases; i++) {
		for (k = 0; k < nm->phrases[i].nw && nm->phrases[i].w; k++)
			free(nm->phrases[i].w[k]);
		free(nm->phrases[i].w);
		free(nm->phrases[i].len);
		free(nm->phrases[i].hash);
	}
	free(nm->phrases);
	memset(nm, 0, sizeof(*nm));
}

/* ---------------------------------------------------------------------
** Words of a text
*/

/* How a word is written. */
enum { SH_LOWER, SH_TITLE, SH_UPPER, SH_INITIAL };
/* What stands between a word and the one before it. */
enum {
	G_SPACE,  /* spaces and tabs */
	G_HYPHEN, /* one hyphen */
	G_DOT,    /* a full stop and spaces ("A. Mensah", "Mr. Appiah") */
	G_APOS,   /* one apostrophe ("O'Neil", "I'm", "Kofi's") */
	G_PUNCT,  /* a colon or comma and spaces ("My name is: Kofi") */
	G_OTHER   /* anything else, a line break, or nothing before it */
};
/* Family-name shapes of a word (sur). */
enum { SUR_WEAK = 1, SUR_STRONG = 2, SUR_STEM = 4 };
/* Marks a word gets from its neighbours (mark). */
enum { M_INTRO = 1, M_PLACE_BEFORE = 2, M_ALLOWED = 4 };

struct wd {
	size_t s, e;
	uint32_t flags, hash, flen;
	uint32_t packs, tpacks; /* of its entry (0 if unlisted, inflected) */
	uint32_t phrase;        /* 1 + the first phrase it ends, or 0 */
	uint8_t shape, gap, sent, sur, mark, digit;
};

/* A run of capitalised words, and what was decided about it. */
struct run {
	size_t a, b;
	int named; /* a name */
	int maybe; /* name words, but no evidence: a name if joined to one
		    ** by a word of and: ("Dilnoza and Madina") */
};

struct finder {
	const struct names *nm;
	const char *t;
	size_t n;
	struct wd *w;
	size_t nw, cap;
	struct run *r;
	size_t nr, rcap;
};

/* Does folded word ${f} (${len} bytes) end with affix ${a}, leaving a
** stem of two characters or more? */
static int
ends_with(const char *f, size_t len, const struct nm_affix *a)
{
	size_t i;

	if (a->elen >= len)
		return (0);
	for (i = 0; i < a->elen; i++)
		if (f[len - a->elen + i] != a->end[i])
			return (0);
	return (two_chars(f, len - a->elen));
}

/* Ors into *${fl} the ${mask} flags of the listed base form of folded
** ${f} (${len} bytes) through ending ${a}, if its pack listed it. */
static void
through(const struct names *nm, const char *f, size_t len,
    const struct nm_affix *a, uint32_t mask, uint32_t *fl)
{
	const struct nm_word *w;
	char base[2 * NM_MAX_WORD];
	size_t stem = len - a->elen;

	memcpy(base, f, stem);
	memcpy(base + stem, a->repl, a->rlen);
	if ((w = lookup(nm, base, stem + a->rlen,
		 hash(base, stem + a->rlen))) != NULL &&
	    (w->packs & a->packs) != 0)
		*fl |= w->flags & mask;
}

/*
** The flags the lists give folded word ${f} (${len} bytes, hash ${h}),
** directly or (${inflect}) through an ending of a pack that listed the
** result, with ${mask} of its flags; *${entry} (if not NULL) is set to its
** own entry or NULL. 0 if none.
*/
static uint32_t
list_flags(const struct names *nm, const char *f, size_t len, uint32_t h,
    int inflect, uint32_t mask, const struct nm_word **entry)
{
	const struct nm_word *w;
	const struct nm_affix *a;
	uint32_t fl = 0, i;

	w = lookup(nm, f, len, h);
	if (entry != NULL)
		*entry = w;
	if (w != NULL && (w->flags & mask) != 0)
		return (w->flags);
	if (!inflect || len == 0)
		return (0);
	for (i = nm->ehead[(unsigned char)f[len - 1]]; i != 0; i = a->next) {
		a = &nm->endings[i - 1];
		if (ends_with(f, len, a))
			through(nm, f, len, a, mask, &fl);
	}
	for (i = nm->eany; i != 0; i = a->next) {
		a = &nm->endings[i - 1];
		if (two_chars(f, len))
			through(nm, f, len, a, mask, &fl);
	}
	return (fl);
}

/* The family-name shapes of folded capitalised word ${f} (SUR_*). */
static uint8_t
shapes(const struct names *nm, const char *f, size_t len)
{
	const struct nm_affix *a;
	uint8_t sur = 0;
	uint32_t i;
	size_t stem;

	if (len == 0)
		return (0);
	for (i = nm->shead[(unsigned char)f[len - 1]]; i != 0; i = a->next) {
		a = &nm->suffixes[i - 1];
		if (!ends_with(f, len, a))
			continue;
		stem = len - a->elen;
		sur |= a->strong ? SUR_STRONG : SUR_WEAK;
		if (list_flags(nm, f, stem, hash(f, stem), 1, NW_NAME, NULL) &
		    NW_NAME)
			sur |= SUR_STEM;
	}
	return (sur);
}

static int
is_space_at(const char *t, size_t n, size_t i, size_t *l)
{
	if (t[i] == ' ' || t[i] == '\t') {
		*l = 1;
		return (1);
	}
	if (n - i >= 2 && memcmp(t + i, "\xc2\xa0", 2) == 0) { /* NBSP */
		*l = 2;
		return (1);
	}
	if (n - i >= 3 && memcmp(t + i, "\xe2\x80\xaf", 3) == 0) {
		*l = 3;
		return (1);
	}
	return (0);
}

/* What stands in [${a}, ${b}) of the text (G_*). */
static uint8_t
gap_of(const char *t, size_t a, size_t b)
{
	size_t i = a, l;
	int lead = 0;

	if (b - a == 1 && t[a] == ' ')
		return (G_SPACE);
	if (a == b)
		return (G_OTHER);
	if (b - a == 1 && (t[a] == '-' || t[a] == '\''))
		return (t[a] == '-' ? G_HYPHEN : G_APOS);
	if (b - a == 3 && memcmp(t + a, "\xe2\x80\x99", 3) == 0)
		return (G_APOS);
	if (b - a == 3 && memcmp(t + a, "\xe2\x80\x90", 3) == 0)
		return (G_HYPHEN);
	if (t[a] == '.' || t[a] == ':' || t[a] == ',') {
		lead = t[a];
		i++;
	}
	if (i == b)
		return (G_OTHER);
	while (i < b && is_space_at(t, b, i, &l))
		i += l;
	if (i < b)
		return (G_OTHER);
	return (lead == 0 ? G_SPACE : lead == '.' ? G_DOT : G_PUNCT);
}

/*
** Does word ${k} start a sentence? It does at the start of the text or
** of a line, or after . ! ? … : ; with only spaces, quotes, brackets,
** dashes and bullets between; not after the full stop of an initial or
** of a title ("Mr. Appiah", "J. B. Danquah").
*/
static uint8_t
sent_start(const struct finder *fd, size_t k)
{
	const unsigned char *t = (const unsigned char *)fd->t;
	size_t i = fd->w[k].s;
	const struct wd *p = k > 0 ? &fd->w[k - 1] : NULL;

	while (i > 0) {
		unsigned char c = t[i - 1];

		if (c == ' ' || c == '\t' || c == '"' || c == '\'' ||
		    c == '(' || c == '[' || c == '-' || c == '*') {
			i--;
			continue;
		}
		if (c >= 0x80) { /* step over one non-ASCII character */
			size_t j = i - 1;
			uint32_t cp;

			while (j > 0 && (t[j] & 0xc0) == 0x80)
				j--;
			u8_dec(fd->t, fd->n, j, &cp);
			if (cp == 0xa0 || cp == 0x202f || cp == 0xab ||
			    cp == 0xbb || (cp >= 0x2010 && cp <= 0x201f) ||
			    cp == 0x2022) {
				i = j;
				continue;
			}
			return (cp == 0x2026); /* … */
		}
		if (c == '.' && p != NULL && p->e == i - 1 &&
		    (p->shape == SH_INITIAL || (p->flags & NW_TITLE)))
			return (0);
		return (c == '.' || c == '!' || c == '?' || c == ':' ||
		    c == ';' || c == '\n' || c == '\r');
	}
	return (1);
}

/* What an ASCII byte is to cut(): A_UPPER, A_LOWER, A_DIGIT (digits and
** '_'), or 0 for no part of a word. */
enum { A_UPPER = 1, A_LOWER, A_DIGIT };
static const uint8_t ascii_class[128] = { ['0'] = A_DIGIT,
	['1'] = A_DIGIT,
	['2'] = A_DIGIT,
	['3'] = A_DIGIT,
	['4'] = A_DIGIT,
	['5'] = A_DIGIT,
	['6'] = A_DIGIT,
	['7'] = A_DIGIT,
	['8'] = A_DIGIT,
	['9'] = A_DIGIT,
	['_'] = A_DIGIT,
	['A'] = A_UPPER,
	['B'] = A_UPPER,
	['C'] = A_UPPER,
	['D'] = A_UPPER,
	['E'] = A_UPPER,
	['F'] = A_UPPER,
	['G'] = A_UPPER,
	['H'] = A_UPPER,
	['I'] = A_UPPER,
	['J'] = A_UPPER,
	['K'] = A_UPPER,
	['L'] = A_UPPER,
	['M'] = A_UPPER,
	['N'] = A_UPPER,
	['O'] = A_UPPER,
	['P'] = A_UPPER,
	['Q'] = A_UPPER,
	['R'] = A_UPPER,
	['S'] = A_UPPER,
	['T'] = A_UPPER,
	['U'] = A_UPPER,
	['V'] = A_UPPER,
	['W'] = A_UPPER,
	['X'] = A_UPPER,
	['Y'] = A_UPPER,
	['Z'] = A_UPPER,
	['a'] = A_LOWER,
	['b'] = A_LOWER,
	['c'] = A_LOWER,
	['d'] = A_LOWER,
	['e'] = A_LOWER,
	['f'] = A_LOWER,
	['g'] = A_LOWER,
	['h'] = A_LOWER,
	['i'] = A_LOWER,
	['j'] = A_LOWER,
	['k'] = A_LOWER,
	['l'] = A_LOWER,
	['m'] = A_LOWER,
	['n'] = A_LOWER,
	['o'] = A_LOWER,
	['p'] = A_LOWER,
	['q'] = A_LOWER,
	['r'] = A_LOWER,
	['s'] = A_LOWER,
	['t'] = A_LOWER,
	['u'] = A_LOWER,
	['v'] = A_LOWER,
	['w'] = A_LOWER,
	['x'] = A_LOWER,
	['y'] = A_LOWER,
	['z'] = A_LOWER };

/*
** Cuts the text into words in one pass: each character is decoded once,
** folded into the word's key and hashed as it goes (ASCII without
** decoding), and the word is looked up once; a capitalised word that is
** not listed is tried with the endings and the family-name shapes. 0 or
** -1.
*/
static int
cut(struct finder *fd)
{
	const char *t = fd->t;
	const struct names *nm = fd->nm;
	const struct nm_word *entry;
	char f[NM_MAX_WORD], tmp[4];
	size_t n = fd->n, i = 0, ws, l, k, el, cap, nc, nl;
	uint32_t c, lc, h, first;
	struct wd *w;
	int over;

	while (i < n) {
		unsigned char b = (unsigned char)t[i];

		if (b < 0x80) {
			if (ascii_class[b] == 0) {
				i++;
				continue;
			}
			first = b;
		} else {
			l = u8_dec(t, n, i, &first);
			if (!is_word_cp(first) || is_mark(first)) {
				i += l;
				continue;
			}
		}
		if (fd->nw == fd->cap) {
			cap = fd->cap ? fd->cap * 2 : 64;
			if ((w = reallocarray(fd->w, cap, sizeof(*w))) == NULL)
				return (-1);
			fd->w = w;
			fd->cap = cap;
		}
		w = &fd->w[fd->nw++];
		memset(w, 0, sizeof(*w));
		ws = i;
		k = nc = nl = 0;
		over = 0;
		h = 2166136261u;
		while (i < n) {
			b = (unsigned char)t[i];
			if (b < 0x80) {
				uint8_t cl = ascii_class[b];

				if (cl == 0)
					break;
				nc++;
				if (cl == A_UPPER)
					b += 32;
				else if (cl == A_LOWER)
					nl++;
				else
					w->digit = 1;
				if (k < NM_MAX_WORD) {
					f[k++] = (char)b;
					h = (h ^ b) * 16777619u;
				} else
					over = 1;
				i++;
				continue;
			}
			l = u8_dec(t, n, i, &c);
			if (!is_word_cp(c))
				break;
			i += l;
			if (is_mark(c))
				continue;
			nc++;
			if ((lc = cp_lower(c)) == c)
				nl++;
			el = u8_enc(lc == 0x451 ? 0x435 : lc, tmp);
			if (k + el > NM_MAX_WORD) {
				over = 1;
				continue;
			}
			for (l = 0; l < el; l++) {
				f[k++] = tmp[l];
				h = (h ^ (unsigned char)tmp[l]) * 16777619u;
			}
		}
		w->s = ws;
		w->e = i;
		if (!is_upper(first))
			w->shape = SH_LOWER;
		else
			w->shape = nc == 1 ? SH_INITIAL
			    : nl > 0       ? SH_TITLE
					   : SH_UPPER;
		w->gap =
		    fd->nw == 1 ? G_OTHER : gap_of(t, fd->w[fd->nw - 2].e, ws);
		if (w->shape != SH_LOWER)
			w->sent = sent_start(fd, fd->nw - 1);
		if (over || k == 0)
			continue;
		w->flen = (uint32_t)k;
		w->hash = h;
		w->flags =
		    list_flags(nm, f, k, h, w->shape != SH_LOWER, ~0u, &entry);
		if (entry != NULL) {
			w->phrase = entry->phrase;
			w->packs = entry->packs;
			w->tpacks = entry->tpacks;
		}
		/* A listed name or word needs no shape. */
		if ((w->shape == SH_TITLE || w->shape == SH_UPPER) &&
		    !(w->flags & (NW_GIVEN | NW_WORD)))
			w->sur = shapes(nm, f, k);
	}
	return (0);
}

/* Is word ${k} the folded word ${f} (${len} bytes, hash ${h})? */
static int
word_is(
    const struct finder *fd, size_t k, const char *f, uint32_t len, uint32_t h)
{
	char buf[NM_MAX_WORD];
	const struct wd *w = &fd->w[k];

	return (w->flen == len && w->hash == h &&
	    fold(fd->t + w->s, w->e - w->s, buf) == len &&
	    memcmp(buf, f, len) == 0);
}

/*
** Marks the word after each phrase of intros: and place_before: that ends
** at a word flagged NW_PHRASE_END (its words joined by spaces,
** apostrophes or hyphens; the word after it follows spaces, or a colon or
** comma: "my name is: Kofi"; a full stop after an abbreviation of a
** place: "ул. Ленина"), and the words of each phrase of keep: as allowed.
*/
static void
mark_phrases(struct finder *fd)
{
	const struct names *nm = fd->nm;
	const struct nm_phrase *p;
	size_t k, j, wk;
	uint32_t i;

	for (k = 0; k < fd->nw; k++) {
		for (i = fd->w[k].phrase; i != 0; i = p->next) {
			p = &nm->phrases[i - 1];
			if (p->nw > k + 1)
				continue;
			for (j = p->nw - 1; j + 1 > 0; j--) {
				wk = k + 1 - p->nw + j;
				if (!word_is(fd, wk, p->w[j], p->len[j],
					p->hash[j]) ||
				    (j > 0 && fd->w[wk].gap != G_SPACE &&
					fd->w[wk].gap != G_APOS &&
					fd->w[wk].gap != G_HYPHEN))
					break;
			}
			if (j + 1 > 0)
				continue;
			if (p->list == NL_PHRASE_KEEP)
				for (j = 0; j < p->nw; j++)
					fd->w[k + 1 - p->nw + j].mark |=
					    M_ALLOWED;
			else if (k + 1 == fd->nw)
				continue;
			else if (p->list == NL_PHRASE_INTRO &&
			    (fd->w[k + 1].gap == G_SPACE ||
				fd->w[k + 1].gap == G_PUNCT))
				fd->w[k + 1].mark |= M_INTRO;
			else if (p->list == NL_PHRASE_PLACE &&
			    (fd->w[k + 1].gap == G_SPACE ||
				fd->w[k + 1].gap == G_DOT))
				fd->w[k + 1].mark |= M_PLACE_BEFORE;
		}
	}
}

/* Marks every word of each of ${ctx}'s allowed names where it stands as
** whole words. */
static void
mark_allowed(struct finder *fd, const struct redact_ctx *ctx)
{
	char w[NM_MAX_PHRASE][NM_MAX_WORD + 1];
	uint32_t len[NM_MAX_PHRASE], h[NM_MAX_PHRASE];
	size_t a, k, j, nw;

	for (a = 0; a < ctx->nallow && a < ALLOW_MAX; a++) {
		if (ctx->allow[a] == NULL ||
		    (nw = phrase_words(ctx->allow[a], w, len)) == 0)
			continue;
		for (j = 0; j < nw; j++)
			h[j] = hash(w[j], len[j]);
		for (k = 0; k + nw <= fd->nw; k++) {
			for (j = 0; j < nw; j++)
				if (!word_is(fd, k + j, w[j], len[j], h[j]) ||
				    (j > 0 && fd->w[k + j].gap == G_OTHER))
					break;
			if (j < nw)
				continue;
			for (j = 0; j < nw; j++)
				fd->w[k + j].mark |= M_ALLOWED;
		}
	}
}

/* ---------------------------------------------------------------------
** Runs of capitalised words
*/

static int
capitalised(const struct wd *w)
{
	return (w->shape != SH_LOWER && !w->digit);
}

static int
nameish(const struct wd *w)
{
	return ((w->flags & NW_NAME) || w->sur != 0);
}

/* A word the lists say is no name on its own: place, word, title. */
static int
stopper(const struct wd *w)
{
	return ((w->flags &
		    (NW_WORD | NW_PLACE | NW_TITLE | NW_TITLE_AFTER |
			NW_PLACE_AFTER)) != 0);
}

/*
** Is word ${k} a title of the word after it? A title of default.yaml (the
** first pack) is one before any word; a title of a locale pack only
** before a word no pack lists or one its own pack lists ("afi Jón" is
** Icelandic, "Mama Afi Tamakloe" is Ewe: there Afi is a name).
*/
static int
title_before(const struct finder *fd, size_t k)
{
	const struct wd *w = &fd->w[k], *x;

	if (!(w->flags & NW_TITLE) || (w->mark & M_ALLOWED) || k + 1 >= fd->nw)
		return (0);
	x = &fd->w[k + 1];
	if (x->gap != G_SPACE && x->gap != G_DOT)
		return (0);
	return ((w->tpacks & 1u) || x->packs == 0 || (w->tpacks & x->packs));
}

/* May word ${k} be part of a run? */
static int
runnable(const struct finder *fd, size_t k)
{
	const struct wd *w = &fd->w[k];

	if (!capitalised(w) || (w->mark & M_ALLOWED))
		return (0);
	if (w->shape == SH_INITIAL) /* "A." is an initial, not a word */
		return (k + 1 < fd->nw && fd->w[k + 1].gap == G_DOT &&
		    capitalised(&fd->w[k + 1]) && !(w->flags & NW_TITLE));
	if (w->shape == SH_UPPER && !nameish(w))
		return (0);
	if ((w->flags & NW_TITLE) && title_before(fd, k) &&
	    capitalised(&fd->w[k + 1]))
		return (0);
	return (!stopper(w) || nameish(w));
}

/* Does word ${k} join the run that word ${k} - 1 is in? */
static int
joins(const struct finder *fd, size_t k)
{
	const struct wd *p = &fd->w[k - 1], *w = &fd->w[k];

	if (w->gap == G_SPACE || w->gap == G_HYPHEN)
		return (1);
	if (w->gap == G_DOT)
		return (p->shape == SH_INITIAL);
	if (w->gap == G_APOS) /* O'Neil, N'Golo */
		return (p->shape == SH_INITIAL && w->shape != SH_LOWER);
	return (0);
}

/* Is a name strong on its own: a given name that is no everyday word, a
** stem that is a name, a surname shape in mid-sentence? */
static int
strong(const struct wd *w)
{
	int weak = (w->flags &
		       (NW_COMMON | NW_PLACE | NW_WORD | NW_TITLE |
			   NW_TITLE_AFTER | NW_PLACE_AFTER)) != 0;

	if ((w->flags & NW_GIVEN) && !weak)
		return (1);
	if (weak && !(w->flags & NW_COMMON))
		return (0);
	return ((w->sur & SUR_STEM) || ((w->sur & SUR_STRONG) && !w->sent));
}

/* A name word that is not also a place or a word of words:. */
static int
plain_nameish(const struct wd *w)
{
	return (nameish(w) && !(w->flags & (NW_PLACE | NW_WORD)));
}

/* Is [${a}, ${b}) of the text an apostrophe and spaces ("Girls' School")? */
static int
apos_space(const char *t, size_t a, size_t b)
{
	size_t l;

	if (b - a >= 2 && t[a] == '\'')
		a++;
	else if (b - a >= 4 && memcmp(t + a, "\xe2\x80\x99", 3) == 0)
		a += 3;
	else
		return (0);
	while (a < b && is_space_at(t, b, a, &l))
		a += l;
	return (a == b);
}

/*
** Is the run [${a}, ${b}] a place or a book: after a place_before:
** phrase, before a capitalised place_after: word (after a possessive
** too: "St. Paul's Cathedral", "Yaa Asantewaa Girls' School"), or before
** a chapter and verse ("John 3:16")?
*/
static int
placed(const struct finder *fd, size_t a, size_t b)
{
	const char *t = fd->t;
	const struct wd *w = fd->w;
	size_t i = w[b].e, k = b + 1, j;
	int near = 0;

	if (w[a].mark & M_PLACE_BEFORE)
		return (1);
	if (k < fd->nw && w[k].gap == G_SPACE)
		near = 1;
	else if (k < fd->nw && apos_space(t, w[b].e, w[k].s))
		near = 1;
	else if (k + 1 < fd->nw && w[k].gap == G_APOS && w[k].e - w[k].s == 1 &&
	    (t[w[k].s] | 0x20) == 's' && w[k + 1].gap == G_SPACE)
		near = 1, k++;
	/* Over a few more capitalised words: "Kofi Annan ICT Centre". */
	for (j = 0; near && j < 3 && k + 1 < fd->nw && capitalised(&w[k]) &&
	     !(w[k].flags & NW_PLACE_AFTER) && w[k + 1].gap == G_SPACE;
	     j++)
		k++;
	if (near && (w[k].flags & NW_PLACE_AFTER) && capitalised(&w[k]))
		return (1);
	if (i < fd->n && t[i] == ' ') {
		for (i++; i < fd->n && t[i] >= '0' && t[i] <= '9'; i++)
			;
		if (i > w[b].e + 1 && i + 1 < fd->n && t[i] == ':' &&
		    t[i + 1] >= '0' && t[i + 1] <= '9')
			return (1);
	}
	return (0);
}

/*
** Is word ${k}, a common: name alone in its run, a name? In mid-sentence,
** not after a word of not_after: ("by the Grace of God"), a possessive
** ("God's Grace") or a capitalised word that is no name ("Amazing
** Grace").
*/
static int
common_alone(const struct finder *fd, size_t k)
{
	const struct wd *w = &fd->w[k], *p = k > 0 ? &fd->w[k - 1] : NULL;

	if (!(w->flags & NW_COMMON) || (w->flags & (NW_PLACE | NW_WORD)) ||
	    w->sent)
		return (0);
	if (p == NULL || w->gap != G_SPACE)
		return (1);
	if ((p->flags & NW_NOT_AFTER) || (p->gap == G_APOS && p->e - p->s == 1))
		return (0);
	return (!capitalised(p) || (p->flags & NW_WORD));
}

/*
** Decides on the run [${a}, ${b}] and records it in ${r}: named, or maybe
** (name words without evidence). A sentence's first word that is no name
** is left out of the run when a listed name follows it ("Yesterday
** Kwaku"); before an unlisted word or a family name it stays ("Leifur
** Eiríksson": given names are never all listed).
*/
static void
decide(struct finder *fd, size_t a, size_t b, struct run *r)
{
	size_t k, nstrong = 0, nplain = 0, nname = 0;
	int announced;

	memset(r, 0, sizeof(*r));
	announced = (a > 0 && title_before(fd, a - 1)) ||
	    (fd->w[a].mark & M_INTRO) ||
	    (b + 1 < fd->nw && (fd->w[b + 1].flags & NW_TITLE_AFTER) &&
		(fd->w[b + 1].gap == G_SPACE || fd->w[b + 1].gap == G_HYPHEN));
	if (!announced && a < b && !nameish(&fd->w[a]) && fd->w[a].sent &&
	    (fd->w[a + 1].flags & NW_NAME))
		a++;
	r->a = a;
	r->b = b;
	if (b - a + 1 > RUN_MAX || placed(fd, a, b))
		return;
	for (k = a; k <= b; k++) {
		nstrong += strong(&fd->w[k]);
		nplain += plain_nameish(&fd->w[k]);
		nname += nameish(&fd->w[k]);
	}
	if (announced || nstrong > 0 || nplain >= 2 ||
	    (b > a && plain_nameish(&fd->w[a]) &&
		fd->w[a].shape != SH_INITIAL) ||
	    (a == b && common_alone(fd, a)))
		r->named = 1;
	else
		r->maybe = nname > 0;
}

/* Is word ${k} a word of and: between two runs, spaces around it? */
static int
joiner(const struct finder *fd, size_t k)
{
	return (k < fd->nw && (fd->w[k].flags & NW_AND) &&
	    fd->w[k].shape == SH_LOWER && fd->w[k].gap == G_SPACE &&
	    k + 1 < fd->nw && fd->w[k + 1].gap == G_SPACE);
}

/* Names the maybe runs joined to a name by a word of and:, both ways. */
static void
coordinate(struct finder *fd)
{
	struct run *r = fd->r;
	size_t i;

	for (i = 1; i < fd->nr; i++) /* "Dilnoza and Madina" */
		if (r[i].maybe && r[i - 1].named && r[i].a == r[i - 1].b + 2 &&
		    joiner(fd, r[i - 1].b + 1))
			r[i].named = 1;
	for (i = fd->nr; i-- > 1;) /* "Madina and Dilnoza" */
		if (r[i - 1].maybe && !r[i - 1].named && r[i].named &&
		    r[i].a == r[i - 1].b + 2 && joiner(fd, r[i - 1].b + 1))
			r[i - 1].named = 1;
}

/*
** A listed name in lower case right after a title or an introduction
** ("auntie esi", "my name is kofi mensah"), with the listed names that
** follow it.
*/
static int
lower_names(struct finder *fd, int (*found)(void *, size_t, size_t), void *arg)
{
	size_t k, j;

	for (k = 0; k < fd->nw; k++) {
		const struct wd *w = &fd->w[k];

		if (w->shape != SH_LOWER || !(w->flags & NW_NAME) ||
		    (w->mark & M_ALLOWED) ||
		    !((w->mark & M_INTRO) ||
			(k > 0 && title_before(fd, k - 1))))
			continue;
		for (j = k; j + 1 < fd->nw && fd->w[j + 1].gap == G_SPACE &&
		     fd->w[j + 1].shape == SH_LOWER &&
		     (fd->w[j + 1].flags & NW_NAME) &&
		     !(fd->w[j + 1].mark & M_ALLOWED);
		     j++)
			;
		if (found(arg, w->s, fd->w[j].e) == -1)
			return (-1);
		k = j;
	}
	return (0);
}

int
names_find(const struct names *nm, const char *text, size_t n,
    const struct redact_ctx *ctx, int (*found)(void *, size_t, size_t),
    void *arg)
{
	struct finder fd = { .nm = nm, .t = text, .n = n };
	size_t a, b;
	int rc = -1;

	if (nm->n == 0 && nm->nsuffixes == 0)
		return (0);
	/* About one word in six bytes: one allocation for most texts. */
	fd.cap = n / 6 + 16;
	if ((fd.w = reallocarray(NULL, fd.cap, sizeof(*fd.w))) == NULL)
		goto out;
	if (cut(&fd) == -1)
		goto out;
	if (nm->nphrases > 0)
		mark_phrases(&fd);
	if (ctx != NULL && ctx->nallow > 0 && ctx->allow != NULL)
		mark_allowed(&fd, ctx);
	for (a = 0; a < fd.nw; a = b + 1) {
		b = a;
		if (!runnable(&fd, a))
			continue;
		while (
		    b + 1 < fd.nw && runnable(&fd, b + 1) && joins(&fd, b + 1))
			b++;
		if (fd.nr == fd.rcap) {
			size_t cap = fd.rcap ? fd.rcap * 2 : 16;
			struct run *v;

			if ((v = reallocarray(fd.r, cap, sizeof(*v))) == NULL)
				goto out;
			fd.r = v;
			fd.rcap = cap;
		}
		decide(&fd, a, b, &fd.r[fd.nr++]);
	}
	coordinate(&fd);
	for (a = 0; a < fd.nr; a++)
		if (fd.r[a].named &&
		    found(arg, fd.w[fd.r[a].a].s, fd.w[fd.r[a].b].e) == -1)
			goto out;
	rc = lower_names(&fd, found, arg);
out:
	free(fd.w);
	free(fd.r);
	return (rc);
}
