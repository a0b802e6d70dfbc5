/*
** libFuzzer harness for the Accept-Encoding reader (compress.h). Every
** input goes through compress_pick() with each set of offered codings;
** whatever it answers must hold what the static-file handler relies on,
** or we abort():
**  - the answer is identity or one of the codings offered;
**  - with nothing offered it is identity;
**  - it reads nothing past the length it is given (the input is copied
**    to a buffer of exactly that length, so AddressSanitizer sees a read
**    past it), and a NUL inside the value does not stop it;
**  - offering more codings never turns a coded answer into identity.
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_accept.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compress.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum compress_coding all, gz, br;
	char *p = malloc(size ? size : 1);

	if (p == NULL)
		return (0);
	memcpy(p, data, size);
	all = compress_pick(p, size, COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP);
	gz = compress_pick(p, size, COMPRESS_OFFER_GZIP);
	br = compress_pick(p, size, COMPRESS_OFFER_BR);
	if (compress_pick(p, size, 0) != COMPRESS_IDENTITY)
		abort();
	if (gz != COMPRESS_IDENTITY && gz != COMPRESS_GZIP)
		abort();
	if (br != COMPRESS_IDENTITY && br != COMPRESS_BR)
		abort();
	if (all != COMPRESS_IDENTITY && all != COMPRESS_GZIP &&
	    all != COMPRESS_BR)
		abort();
	if (all == COMPRESS_IDENTITY &&
	    (gz != COMPRESS_IDENTITY || br != COMPRESS_IDENTITY))
		abort();
	if (compress_name(all) == NULL)
		abort();
	free(p);
	return (0);
}
