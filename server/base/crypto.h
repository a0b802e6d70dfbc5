/*
** Hashing and randomness. SHA-256 goes through OpenSSL's EVP interface (it
** uses the CPU's SHA extensions where present); random bytes, constant-time
** comparison and wiping come from libsodium, and so do the random codes
** people type (login codes, drive cards).
*/
#ifndef TRIBUTARY_CRYPTO_H
#define TRIBUTARY_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN     32
#define SHA256_HEX_LEN 64

struct sha256;

/* Starts a streaming SHA-256. Returns NULL if out of memory. */
struct sha256 *sha256_new(void);
/* Adds ${n} bytes. Returns 0, or -1 on an OpenSSL failure. */
int sha256_update(struct sha256 *h, const void *p, size_t n);
/* Writes the 32-byte digest to ${out} and frees ${h}. Returns 0 or -1; ${h}
** is freed either way. */
int sha256_final(struct sha256 *h, uint8_t out[SHA256_LEN]);
/* Frees an unfinished hash. sha256_free(NULL) does nothing. Can't fail. */
void sha256_free(struct sha256 *h);
/* One-shot digest of ${p}. Returns 0 or -1. */
int sha256_digest(const void *p, size_t n, uint8_t out[SHA256_LEN]);
/* One-shot digest of the ${k} pieces ${p}[i] of ${n}[i] bytes, one after
** the other, on a context the calling thread keeps. Returns 0 or -1. */
int sha256_parts(
    const void *const p[], const size_t n[], size_t k, uint8_t out[SHA256_LEN]);

/* Writes ${n} bytes of ${p} as lowercase hex plus NUL into ${out} (2n+1).
** Can't fail. */
void hex_encode(const uint8_t *p, size_t n, char *out);
/* The value of hexadecimal digit ${c} (0-9, a-f, A-F), or -1 if it is
** none. */
int hex_digit(int c);
/* Parses 2n hex digits from ${s} into ${out}. Returns 0, or -1 if ${s} is
** not exactly 2n hex digits. */
int hex_decode(const char *s, uint8_t *out, size_t n);

/* Initializes libsodium. Returns 0, or -1 if it cannot start. */
int crypto_init(void);

/* Length of a random code: "XXXX-XXXX-XXXX". */
#define RANDOM_CODE_LEN 14
/*
** Writes a fresh random code "XXXX-XXXX-XXXX" to ${code}: 12 characters
** from 32 that cannot be mistaken for each other when typed (no 0/O, 1/I),
** 60 bits. Call after crypto_init(). Can't fail.
*/
void random_code(char code[RANDOM_CODE_LEN + 1]);

#endif
