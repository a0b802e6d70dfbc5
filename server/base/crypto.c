/*
** SHA-256 through OpenSSL EVP, hex helpers, libsodium start-up and random
** codes (crypto.h).
*/
#include "crypto.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>

struct sha256 {
	EVP_MD_CTX *ctx;
};

/*
** The SHA-256 implementation, fetched once. EVP_sha256() makes OpenSSL 3
** look the algorithm up again, under its locks, on every digest (two per
** contribution). Kept for the life of the process; NULL (fetch failed)
** falls back to EVP_sha256().
*/
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_fetched;

static void
md_fetch(void)
{
	md_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *
md_sha256(void)
{
	pthread_once(&md_once, md_fetch);
	return (md_fetched != NULL ? md_fetched : EVP_sha256());
}

struct sha256 *
sha256_new(void)
{
	struct sha256 *h;

	if ((h = malloc(sizeof(*h))) == NULL)
		return (NULL);
	if ((h->ctx = EVP_MD_CTX_new()) == NULL)
		goto err0;
	if (EVP_DigestInit_ex(h->ctx, md_sha256(), NULL) != 1)
		goto err1;
	return (h);
err1:
	EVP_MD_CTX_free(h->ctx);
err0:
	free(h);
	return (NULL);
}

int
sha256_update(struct sha256 *h, const void *p, size_t n)
{
	return (EVP_DigestUpdate(h->ctx, p, n) == 1 ? 0 : -1);
}

int
sha256_final(struct sha256 *h, uint8_t out[SHA256_LEN])
{
	unsigned int len = 0;
	int rc;

	rc = EVP_DigestFinal_ex(h->ctx, out, &len) == 1 && len == SHA256_LEN
	    ? 0
	    : -1;
	sha256_free(h);
	return (rc);
}

void
sha256_free(struct sha256 *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

/*
** Each thread keeps one digest context for sha256_parts(): EVP_Digest()
** would allocate and free one per call, which costs more than hashing the
** few hundred bytes of a contribution (on hardware SHA). Freed when the
** thread exits.
*/
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;
static int ctx_key_ok;

static void
ctx_free(void *p)
{
	EVP_MD_CTX_free(p);
}

static void
ctx_key_make(void)
{
	ctx_key_ok = pthread_key_create(&ctx_key, ctx_free) == 0;
}

int
sha256_parts(
    const void *const p[], const size_t n[], size_t k, uint8_t out[SHA256_LEN])
{
	EVP_MD_CTX *ctx = NULL;
	unsigned int len = 0;
	size_t i;
	int rc = -1, mine = 0;

	pthread_once(&ctx_once, ctx_key_make);
	if (ctx_key_ok && (ctx = pthread_getspecific(ctx_key)) == NULL &&
	    (ctx = EVP_MD_CTX_new()) != NULL &&
	    pthread_setspecific(ctx_key, ctx) != 0) {
		EVP_MD_CTX_free(ctx);
		ctx = NULL;
	}
	if (ctx == NULL) { /* no key: a context for this call alone */
		if ((ctx = EVP_MD_CTX_new()) == NULL)
			return (-1);
		mine = 1;
	}
	if (EVP_DigestInit_ex2(ctx, md_sha256(), NULL) != 1)
		goto out;
	for (i = 0; i < k; i++)
		if (EVP_DigestUpdate(ctx, p[i], n[i]) != 1)
			goto out;
	if (EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == SHA256_LEN)
		rc = 0;
out:
	if (mine)
		EVP_MD_CTX_free(ctx);
	return (rc);
}

int
sha256_digest(const void *p, size_t n, uint8_t out[SHA256_LEN])
{
	return (sha256_parts(&p, &n, 1, out));
}

void
hex_encode(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
hex_decode(const char *s, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (strlen(s) != 2 * n)
		return (-1);
	for (i = 0; i < n; i++) {
		if ((hi = hex_digit(s[2 * i])) < 0 ||
		    (lo = hex_digit(s[2 * i + 1])) < 0)
			return (-1);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (0);
}

int
crypto_init(void)
{
	return (sodium_init() < 0 ? -1 : 0);
}

void
random_code(char code[RANDOM_CODE_LEN + 1])
{
	static const char alpha[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	int i, j = 0;

	for (i = 0; i < 12; i++) {
		if (i > 0 && i % 4 == 0)
			code[j++] = '-';
		code[j++] = alpha[randombytes_uniform(sizeof(alpha) - 1)];
	}
	code[j] = '\0';
}
