/* nlink_fns.h - libnl-3 and libnl-route-3, loaded on first use (see
 * core/base/lazylib.h): include this instead of the <netlink/...> headers.
 * Calls keep their names; each macro routes one through nlink_fns, which
 * nlink_fns_load() fills from libnl-route-3 (whose dependency libnl-3
 * provides the nl_ and nla_ calls). Loaded, so, only by the process
 * that first builds a link, an address or an event socket; an idle skiffd
 * maps neither library. A new libnl call is added to NLINK_FNS. */
#ifndef SKIFF_NLINK_FNS_H
#define SKIFF_NLINK_FNS_H

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "../core/base/err.h"

#define NLINK_FNS(X) \
	X(nl_socket_alloc) \
	X(nl_socket_free) \
	X(nl_connect) \
	X(nl_socket_get_fd) \
	X(nl_socket_set_nonblocking) \
	X(nl_socket_add_memberships) \
	X(nl_socket_disable_seq_check) \
	X(nl_socket_set_buffer_size) \
	X(nl_geterror) \
	X(nl_addr_parse) \
	X(nl_addr_put) \
	X(nl_addr_get_family) \
	X(nl_addr_get_binary_addr) \
	X(nl_addr_get_prefixlen) \
	X(nl_addr_get_len) \
	X(nl_cache_free) \
	X(nl_cache_get_first) \
	X(nl_cache_get_next) \
	X(nlmsg_parse) \
	X(nlmsg_alloc_simple) \
	X(nlmsg_append) \
	X(nlmsg_free) \
	X(nla_nest_start) \
	X(nla_nest_end) \
	X(nla_put_u8) \
	X(nl_send_auto) \
	X(nl_wait_for_ack) \
	X(nla_get_string) \
	X(nla_get_u32) \
	X(nla_data) \
	X(nla_len) \
	X(rtnl_link_alloc) \
	X(rtnl_link_put) \
	X(rtnl_link_set_name) \
	X(rtnl_link_set_mtu) \
	X(rtnl_link_set_addr) \
	X(rtnl_link_set_type) \
	X(rtnl_link_set_flags) \
	X(rtnl_link_unset_flags) \
	X(rtnl_link_set_master) \
	X(rtnl_link_set_ns_fd) \
	X(rtnl_link_add) \
	X(rtnl_link_change) \
	X(rtnl_link_delete) \
	X(rtnl_link_get_kernel) \
	X(rtnl_link_get_ifindex) \
	X(rtnl_link_veth_alloc) \
	X(rtnl_link_veth_get_peer) \
	X(rtnl_link_veth_release) \
	X(rtnl_addr_alloc) \
	X(rtnl_addr_put) \
	X(rtnl_addr_set_ifindex) \
	X(rtnl_addr_set_local) \
	X(rtnl_addr_add) \
	X(rtnl_route_alloc) \
	X(rtnl_route_put) \
	X(rtnl_route_set_dst) \
	X(rtnl_route_set_table) \
	X(rtnl_route_set_scope) \
	X(rtnl_route_set_protocol) \
	X(rtnl_route_set_family) \
	X(rtnl_route_nh_alloc) \
	X(rtnl_route_nh_set_gateway) \
	X(rtnl_route_nh_set_ifindex) \
	X(rtnl_route_add_nexthop) \
	X(rtnl_route_add) \
	X(rtnl_route_alloc_cache) \
	X(rtnl_route_get_dst) \
	X(rtnl_route_get_table) \
	X(rtnl_route_get_type) \
	X(rtnl_route_get_family)

struct nlink_fns {
#define NLINK_FN_SLOT(f) __typeof__(f) *f;
	NLINK_FNS(NLINK_FN_SLOT)
#undef NLINK_FN_SLOT
};
extern struct nlink_fns nlink_fns;

/* dlopen libnl-route-3 once; -1 with e naming what is missing. */
int nlink_fns_load(struct err *e);

#define nl_socket_alloc(...) (nlink_fns.nl_socket_alloc(__VA_ARGS__))
#define nl_socket_free(...) (nlink_fns.nl_socket_free(__VA_ARGS__))
#define nl_connect(...) (nlink_fns.nl_connect(__VA_ARGS__))
#define nl_socket_get_fd(...) (nlink_fns.nl_socket_get_fd(__VA_ARGS__))
#define nl_socket_set_nonblocking(...) (nlink_fns.nl_socket_set_nonblocking(__VA_ARGS__))
#define nl_socket_add_memberships(...) (nlink_fns.nl_socket_add_memberships(__VA_ARGS__))
#define nl_socket_disable_seq_check(...) (nlink_fns.nl_socket_disable_seq_check(__VA_ARGS__))
#define nl_socket_set_buffer_size(...) (nlink_fns.nl_socket_set_buffer_size(__VA_ARGS__))
#define nl_geterror(...) (nlink_fns.nl_geterror(__VA_ARGS__))
#define nl_addr_parse(...) (nlink_fns.nl_addr_parse(__VA_ARGS__))
#define nl_addr_put(...) (nlink_fns.nl_addr_put(__VA_ARGS__))
#define nl_addr_get_family(...) (nlink_fns.nl_addr_get_family(__VA_ARGS__))
#define nl_addr_get_binary_addr(...) (nlink_fns.nl_addr_get_binary_addr(__VA_ARGS__))
#define nl_addr_get_prefixlen(...) (nlink_fns.nl_addr_get_prefixlen(__VA_ARGS__))
#define nl_addr_get_len(...) (nlink_fns.nl_addr_get_len(__VA_ARGS__))
#define nl_cache_free(...) (nlink_fns.nl_cache_free(__VA_ARGS__))
#define nl_cache_get_first(...) (nlink_fns.nl_cache_get_first(__VA_ARGS__))
#define nl_cache_get_next(...) (nlink_fns.nl_cache_get_next(__VA_ARGS__))
#define nlmsg_parse(...) (nlink_fns.nlmsg_parse(__VA_ARGS__))
#define nlmsg_alloc_simple(...) (nlink_fns.nlmsg_alloc_simple(__VA_ARGS__))
#define nlmsg_append(...) (nlink_fns.nlmsg_append(__VA_ARGS__))
#define nlmsg_free(...) (nlink_fns.nlmsg_free(__VA_ARGS__))
#define nla_nest_start(...) (nlink_fns.nla_nest_start(__VA_ARGS__))
#define nla_nest_end(...) (nlink_fns.nla_nest_end(__VA_ARGS__))
#define nla_put_u8(...) (nlink_fns.nla_put_u8(__VA_ARGS__))
#define nl_send_auto(...) (nlink_fns.nl_send_auto(__VA_ARGS__))
#define nl_wait_for_ack(...) (nlink_fns.nl_wait_for_ack(__VA_ARGS__))
#define nla_get_string(...) (nlink_fns.nla_get_string(__VA_ARGS__))
#define nla_get_u32(...) (nlink_fns.nla_get_u32(__VA_ARGS__))
#define nla_data(...) (nlink_fns.nla_data(__VA_ARGS__))
#define nla_len(...) (nlink_fns.nla_len(__VA_ARGS__))
#define rtnl_link_alloc(...) (nlink_fns.rtnl_link_alloc(__VA_ARGS__))
#define rtnl_link_put(...) (nlink_fns.rtnl_link_put(__VA_ARGS__))
#define rtnl_link_set_name(...) (nlink_fns.rtnl_link_set_name(__VA_ARGS__))
#define rtnl_link_set_mtu(...) (nlink_fns.rtnl_link_set_mtu(__VA_ARGS__))
#define rtnl_link_set_addr(...) (nlink_fns.rtnl_link_set_addr(__VA_ARGS__))
#define rtnl_link_set_type(...) (nlink_fns.rtnl_link_set_type(__VA_ARGS__))
#define rtnl_link_set_flags(...) (nlink_fns.rtnl_link_set_flags(__VA_ARGS__))
#define rtnl_link_unset_flags(...) (nlink_fns.rtnl_link_unset_flags(__VA_ARGS__))
#define rtnl_link_set_master(...) (nlink_fns.rtnl_link_set_master(__VA_ARGS__))
#define rtnl_link_set_ns_fd(...) (nlink_fns.rtnl_link_set_ns_fd(__VA_ARGS__))
#define rtnl_link_add(...) (nlink_fns.rtnl_link_add(__VA_ARGS__))
#define rtnl_link_change(...) (nlink_fns.rtnl_link_change(__VA_ARGS__))
#define rtnl_link_delete(...) (nlink_fns.rtnl_link_delete(__VA_ARGS__))
#define rtnl_link_get_kernel(...) (nlink_fns.rtnl_link_get_kernel(__VA_ARGS__))
#define rtnl_link_get_ifindex(...) (nlink_fns.rtnl_link_get_ifindex(__VA_ARGS__))
#define rtnl_link_veth_alloc(...) (nlink_fns.rtnl_link_veth_alloc(__VA_ARGS__))
#define rtnl_link_veth_get_peer(...) (nlink_fns.rtnl_link_veth_get_peer(__VA_ARGS__))
#define rtnl_link_veth_release(...) (nlink_fns.rtnl_link_veth_release(__VA_ARGS__))
#define rtnl_addr_alloc(...) (nlink_fns.rtnl_addr_alloc(__VA_ARGS__))
#define rtnl_addr_put(...) (nlink_fns.rtnl_addr_put(__VA_ARGS__))
#define rtnl_addr_set_ifindex(...) (nlink_fns.rtnl_addr_set_ifindex(__VA_ARGS__))
#define rtnl_addr_set_local(...) (nlink_fns.rtnl_addr_set_local(__VA_ARGS__))
#define rtnl_addr_add(...) (nlink_fns.rtnl_addr_add(__VA_ARGS__))
#define rtnl_route_alloc(...) (nlink_fns.rtnl_route_alloc(__VA_ARGS__))
#define rtnl_route_put(...) (nlink_fns.rtnl_route_put(__VA_ARGS__))
#define rtnl_route_set_dst(...) (nlink_fns.rtnl_route_set_dst(__VA_ARGS__))
#define rtnl_route_set_table(...) (nlink_fns.rtnl_route_set_table(__VA_ARGS__))
#define rtnl_route_set_scope(...) (nlink_fns.rtnl_route_set_scope(__VA_ARGS__))
#define rtnl_route_set_protocol(...) (nlink_fns.rtnl_route_set_protocol(__VA_ARGS__))
#define rtnl_route_set_family(...) (nlink_fns.rtnl_route_set_family(__VA_ARGS__))
#define rtnl_route_nh_alloc(...) (nlink_fns.rtnl_route_nh_alloc(__VA_ARGS__))
#define rtnl_route_nh_set_gateway(...) (nlink_fns.rtnl_route_nh_set_gateway(__VA_ARGS__))
#define rtnl_route_nh_set_ifindex(...) (nlink_fns.rtnl_route_nh_set_ifindex(__VA_ARGS__))
#define rtnl_route_add_nexthop(...) (nlink_fns.rtnl_route_add_nexthop(__VA_ARGS__))
#define rtnl_route_add(...) (nlink_fns.rtnl_route_add(__VA_ARGS__))
#define rtnl_route_alloc_cache(...) (nlink_fns.rtnl_route_alloc_cache(__VA_ARGS__))
#define rtnl_route_get_dst(...) (nlink_fns.rtnl_route_get_dst(__VA_ARGS__))
#define rtnl_route_get_table(...) (nlink_fns.rtnl_route_get_table(__VA_ARGS__))
#define rtnl_route_get_type(...) (nlink_fns.rtnl_route_get_type(__VA_ARGS__))
#define rtnl_route_get_family(...) (nlink_fns.rtnl_route_get_family(__VA_ARGS__))

#endif
