/*
** Domain errors (err.h).
*/
#include "err.h"

#include <stdarg.h>

int
err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return (-1);
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return (-1);
}

int
err_oom(struct err *e)
{
	return (err_set(e, ERR_INTERNAL, "out of memory"));
}

const char *
err_name(enum err_code code)
{
	switch (code) {
	case ERR_NONE: return ("none");
	case ERR_INVALID: return ("invalid");
	case ERR_NOT_FOUND: return ("not_found");
	case ERR_CONFLICT: return ("conflict");
	case ERR_FORBIDDEN: return ("forbidden");
	case ERR_TOO_LARGE: return ("too_large");
	case ERR_UNSUPPORTED: return ("unsupported");
	case ERR_STORAGE: return ("storage");
	case ERR_BUSY: return ("busy");
	case ERR_INTERNAL: return ("internal");
	}
	return ("internal");
}
