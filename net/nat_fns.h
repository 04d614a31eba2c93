/* nat_fns.h - libnftables, loaded on first use (see core/base/lazylib.h):
 * include this instead of <nftables/libnftables.h>. Calls keep their
 * names; each macro routes one through nat_fns, which nat_fns_load()
 * fills. libnftables brings libnftnl, libmnl, libjansson, libgmp and
 * libxtables: only a process that publishes a port maps them. */
#ifndef SKIFF_NAT_FNS_H
#define SKIFF_NAT_FNS_H

#include <nftables/libnftables.h>

#include "../core/base/err.h"

#define NAT_FNS(X) \
	X(nft_ctx_new) \
	X(nft_ctx_free) \
	X(nft_ctx_buffer_output) \
	X(nft_ctx_buffer_error) \
	X(nft_ctx_get_output_buffer) \
	X(nft_ctx_get_error_buffer) \
	X(nft_run_cmd_from_buffer)

struct nat_fns {
#define NAT_FN_SLOT(f) __typeof__(f) *f;
	NAT_FNS(NAT_FN_SLOT)
#undef NAT_FN_SLOT
};
extern struct nat_fns nat_fns;

/* dlopen libnftables once; -1 with e naming what is missing. */
int nat_fns_load(struct err *e);

#define nft_ctx_new(...) (nat_fns.nft_ctx_new(__VA_ARGS__))
#define nft_ctx_free(...) (nat_fns.nft_ctx_free(__VA_ARGS__))
#define nft_ctx_buffer_output(...) (nat_fns.nft_ctx_buffer_output(__VA_ARGS__))
#define nft_ctx_buffer_error(...) (nat_fns.nft_ctx_buffer_error(__VA_ARGS__))
#define nft_ctx_get_output_buffer(...) (nat_fns.nft_ctx_get_output_buffer(__VA_ARGS__))
#define nft_ctx_get_error_buffer(...) (nat_fns.nft_ctx_get_error_buffer(__VA_ARGS__))
#define nft_run_cmd_from_buffer(...) (nat_fns.nft_run_cmd_from_buffer(__VA_ARGS__))

#endif
