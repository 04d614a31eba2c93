/* reference.h - image references parsed and normalized the way Docker does.
 *
 *   busybox                    -> docker.io/library/busybox:latest
 *   host:5000/a/b:tag          -> host:5000/a/b:tag
 *   name@sha256:<64 hex>       -> docker.io/library/name@sha256:...
 *   name:tag@sha256:...        -> tag and digest both kept (pull uses the
 * digest)
 *
 * Grammar (distribution/reference):
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ domain "/" ] path-component ( "/" path-component )*
 *   domain    := host [ ":" port ], host a DNS-ish name or "[ipv6]"
 *   path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag       := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 * The first "/"-separated element is a domain when it contains "." or ":",
 * is "localhost", or has an upper-case letter; otherwise the domain is
 * docker.io, and a one-element docker.io path gets "library/". The whole
 * name (domain "/" path) is at most 255 characters.
 *
 * struct ref is plain fixed-size storage: nothing to free. */
#ifndef SKIFF_REFERENCE_H
#define SKIFF_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/base/err.h"
#include "digest.h"

#define REF_NAME_MAX 255
#define REF_TAG_MAX 128
#define REF_DEFAULT_DOMAIN "docker.io"
#define REF_DEFAULT_TAG "latest"

struct ref {
	char domain[REF_NAME_MAX + 1]; /* "docker.io", "host:5000" */
	char path[REF_NAME_MAX + 1];   /* "library/busybox" */
	char tag[REF_TAG_MAX + 1];     /* "" when none */
	char digest[DIGEST_STR_MAX];   /* "" when none */
};

enum ref_flags {
	REF_NO_DEFAULT_TAG = 1 << 0, /* keep a bare name tagless */
};

/* Parse and normalize s. Errors read "invalid reference format: WHAT" and
 * say where ("at offset N of \"s\""). Without REF_NO_DEFAULT_TAG a
 * reference with neither tag nor digest gets the tag "latest". */
int ref_parse(const char *s, unsigned flags, struct ref *r, struct err *e);
/* A tag alone (for `tag SRC TARGET` checks). */
bool ref_tag_valid(const char *tag);
/* "domain/path" */
void ref_name(const struct ref *r, char *out, size_t n);
/* The full normalized form: "domain/path[:tag][@digest]". */
void ref_string(const struct ref *r, char *out, size_t n);
/* The familiar (short) form Docker displays: docker.io and library/ are
 * dropped ("busybox:latest", "user/app:1", "host:5000/x@sha256:...". */
void ref_familiar(const struct ref *r, char *out, size_t n);
/* Familiar repository name only ("busybox", "quay.io/x/y"). */
void ref_familiar_name(const struct ref *r, char *out, size_t n);

/* Large enough for any ref_string() output. */
#define REF_STR_MAX (REF_NAME_MAX + 1 + REF_TAG_MAX + 1 + DIGEST_STR_MAX)

#endif
