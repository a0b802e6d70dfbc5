/*
** Errors as the domain sees them. Domain and storage code fill a struct err
** and return -1; only the HTTP layer turns an err_code into a status.
*/
#ifndef TRIBUTARY_ERR_H
#define TRIBUTARY_ERR_H

#include <stdio.h>

enum err_code {
	ERR_NONE = 0,
	ERR_INVALID, /* the input is wrong: say which field */
	ERR_NOT_FOUND,
	ERR_CONFLICT, /* the state does not allow it (e.g. a newer version) */
	ERR_FORBIDDEN,
	ERR_TOO_LARGE,
	ERR_UNSUPPORTED,
	ERR_STORAGE, /* disk full or I/O error: nothing was saved */
	ERR_BUSY,    /* shutting down or overloaded: try again */
	ERR_INTERNAL,
};

struct err {
	enum err_code code;
	char msg[512];
};

/* Sets ${e} (NULL: nothing) and returns -1, so
** `return (err_set(e, ERR_INVALID, ...));`. */
int err_set(struct err *e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets ${e} to ERR_INTERNAL "out of memory" and returns -1. */
int err_oom(struct err *e);
/* The machine-readable name of ${code}, e.g. "invalid"; "internal" for a
** value outside the enum. Can't fail. */
const char *err_name(enum err_code code);

#endif
