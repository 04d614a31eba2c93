/* imgarchive.h - the documents of an image archive (`save`/`load`).
 *
 * A docker-archive tarball carries manifest.json, a JSON array with one
 * object per image: {"Config": PATH, "RepoTags": [NAME...] | null,
 * "Layers": [PATH...]}, every PATH a member of the same tarball. Since
 * Docker 25 the members are blobs/sha256/<hex> and the tarball is also an
 * OCI layout (oci-layout, index.json), which is what an oci-archive is.
 *
 * This file parses and writes manifest.json and checks member names; it
 * does no I/O. Owns nothing beyond what it returns (free with
 * imgarchive_free). */
#ifndef SKIFF_IMGARCHIVE_H
#define SKIFF_IMGARCHIVE_H

#include <stddef.h>

#include "../core/base/buf.h"
#include "../core/base/err.h"
#include "digest.h"
#include "jtree.h"

/* Most images in one manifest.json, most layers in one image. */
#define IMGARCHIVE_MAX_IMAGES 1024
#define IMGARCHIVE_MAX_LAYERS 1024

struct imgarchive_image {
	char *config;	      /* member path of the config JSON */
	struct strv repo_tags; /* "busybox:latest"; empty when untagged */
	struct strv layers;    /* member paths, base layer first */
};

struct imgarchive {
	struct imgarchive_image *images;
	size_t n;
};

/* Parse manifest.json (len bytes, no NUL needed). Every path must pass
 * imgarchive_member_check; an error names the field ("[1].Layers[0]"). */
int imgarchive_parse(const char *json, size_t len, struct imgarchive *out,
		     struct err *e);
void imgarchive_free(struct imgarchive *a);
/* manifest.json for these images (paths as given, RepoTags null when
 * empty). */
void imgarchive_write(const struct imgarchive *a, struct buf *out);

/* A member name as it may appear in an archive: relative, no "..", no
 * empty component, at most 4096 bytes; a leading "./" and trailing "/"
 * are dropped into norm (size n). -1 with e naming the member when it is
 * refused. */
int imgarchive_member_check(const char *name, char *norm, size_t n,
			    struct err *e);
/* Is norm "blobs/ALGO/HEX" with a valid digest? Then out gets
 * "ALGO:HEX" and 1 is returned; else 0. */
int imgarchive_blob_digest(const char *norm, char out[DIGEST_STR_MAX]);

#endif
