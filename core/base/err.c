/* err.c - the error type (see err.h). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const class_names[] = {
	[ERR_OK] = "ok",
	[ERR_INVALID] = "invalid",
	[ERR_NOT_FOUND] = "not_found",
	[ERR_CONFLICT] = "conflict",
	[ERR_BUSY] = "busy",
	[ERR_DENIED] = "denied",
	[ERR_TOO_LARGE] = "too_large",
	[ERR_INTERNAL] = "internal",
	[ERR_CANCELED] = "canceled",
};

const char *err_class_name(enum err_class class)
{
	if ((size_t)class >= sizeof(class_names) / sizeof(class_names[0]))
		return "internal";
	return class_names[class];
}

enum err_class err_class_of_errno(int errnum)
{
	switch (errnum) {
	case 0:
	case EINVAL:
	case ERANGE:
	case EILSEQ:
		return ERR_INVALID;
	case ENOENT:
	case ESRCH:
		return ERR_NOT_FOUND;
	case EEXIST:
	case ENOTEMPTY:
		return ERR_CONFLICT;
	case EBUSY:
	case EAGAIN:
		return ERR_BUSY;
	case EPERM:
	case EACCES:
		return ERR_DENIED;
	case E2BIG:
	case EMSGSIZE:
	case ENOSPC:
		return ERR_TOO_LARGE;
	case ECANCELED:
		return ERR_CANCELED;
	default:
		return ERR_INTERNAL;
	}
}

__attribute__((format(printf, 2, 0))) static void vset(struct err *e,
						     const char *fmt,
						     va_list ap)
{
	size_t n;

	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (e->code) {
		n = strlen(e->msg);
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(e->code));
	}
}

int err_set(struct err *e, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	e->code = errnum;
	e->class = err_class_of_errno(errnum);
	va_start(ap, fmt);
	vset(e, fmt, ap);
	va_end(ap);
	return -1;
}

int err_setc(struct err *e, enum err_class class, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	e->code = 0;
	e->class = class;
	va_start(ap, fmt);
	vset(e, fmt, ap);
	va_end(ap);
	return -1;
}

int err_wrap(struct err *e, const char *fmt, ...)
{
	char ctx[256];
	char old[sizeof(e->msg)];
	va_list ap;
	size_t n;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* Truncation keeps the outer context, the more useful end. */
	n = strlen(ctx);
	memcpy(e->msg, ctx, n);
	if (n + 2 < sizeof(e->msg)) {
		memcpy(e->msg + n, ": ", 2);
		n += 2;
		size_t rest = strnlen(old, sizeof(old));
		if (rest > sizeof(e->msg) - 1 - n)
			rest = sizeof(e->msg) - 1 - n;
		memcpy(e->msg + n, old, rest);
		n += rest;
	}
	e->msg[n] = '\0';
	if (e->class == ERR_OK)
		e->class = ERR_INTERNAL;
	return -1;
}

void err_clear(struct err *e)
{
	e->code = 0;
	e->class = ERR_OK;
	e->msg[0] = '\0';
}

size_t err_frame_put(const struct err *e, void *buf)
{
	struct err_frame h = { .class = (uint32_t)e->class,
			       .errnum = e->code,
			       .len = (uint32_t)strnlen(e->msg,
						sizeof(e->msg) - 1) };

	memcpy(buf, &h, sizeof(h));
	memcpy((char *)buf + sizeof(h), e->msg, h.len);
	return sizeof(h) + h.len;
}

int err_frame_get(const void *buf, size_t n, struct err *e)
{
	struct err_frame h;

	if (n < sizeof(h))
		return -1;
	memcpy(&h, buf, sizeof(h));
	if (h.len >= sizeof(e->msg) || n != sizeof(h) + h.len ||
	    h.class > ERR_CANCELED)
		return -1;
	e->class = (enum err_class)h.class;
	e->code = h.errnum;
	memcpy(e->msg, (const char *)buf + sizeof(h), h.len);
	e->msg[h.len] = '\0';
	return 0;
}
