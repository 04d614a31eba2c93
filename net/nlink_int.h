/* nlink_int.h - what nlink.c and nlink_event.c share: the struct behind
 * struct nlink (one libnl socket it owns). Not for other files. */
#ifndef SKIFF_NLINK_INT_H
#define SKIFF_NLINK_INT_H

#include "nlink_fns.h"

struct nlink {
	struct nl_sock *sk;
};

#endif
