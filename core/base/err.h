/* err.h - the one error type: a code and a message chain, owned by the caller.
 *
 * A failing function takes `struct err *e`, fills it and returns -1 (or NULL).
 * err_set() records errno-style codes plus a formatted message; err_wrap()
 * prepends context so messages read outer to inner ("pull x: open y: ENOENT").
 * No allocation: the message lives in the struct. */
#ifndef SKIFF_ERR_H
#define SKIFF_ERR_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* Wire-level classes of failure; err_code_name() maps them to the protocol. */
enum err_class {
	ERR_OK = 0,
	ERR_INVALID,   /* bad input: syntax, flags, values */
	ERR_NOT_FOUND, /* no such object or verb */
	ERR_CONFLICT,  /* name taken, object in use */
	ERR_BUSY,      /* try again later */
	ERR_DENIED,    /* permission */
	ERR_TOO_LARGE, /* over a limit */
	ERR_INTERNAL,  /* a system call failed */
	ERR_CANCELED,
};

struct err {
	int code;	      /* errno value, 0 if none */
	enum err_class class; /* what the wire says */
	char msg[512];
};

#define ERR_INIT { 0, ERR_OK, { 0 } }

/* Set e from an errno value (0 for none) and a message; class from errno. */
int err_set(struct err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set e with an explicit class and no errno. */
int err_setc(struct err *e, enum err_class class, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prepend "context: " to the message; keeps code and class. Returns -1. */
int err_wrap(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void err_clear(struct err *e);
/* Protocol name of a class: "invalid", "not_found", ... */
const char *err_class_name(enum err_class class);
/* Class that an errno value maps to. */
enum err_class err_class_of_errno(int errnum);

/* The one binary form of a result that crosses a process boundary: a
 * helper's frame (core/helper) and a container child's failure (fs/spawn)
 * are this header, then len bytes of message (no NUL). */
struct err_frame {
	uint32_t class;
	int32_t errnum;
	uint32_t len;
};
#define ERR_FRAME_MAX (sizeof(struct err_frame) + sizeof(((struct err *)0)->msg))
/* Encode e into buf (ERR_FRAME_MAX bytes): the frame's length. */
size_t err_frame_put(const struct err *e, void *buf);
/* Decode one whole frame of n bytes into e: 0, or -1 (e untouched). */
int err_frame_get(const void *buf, size_t n, struct err *e);

#endif
