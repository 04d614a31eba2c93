/* curl_fns.h - libcurl, loaded on the first HTTP request (see
 * core/base/lazylib.h): include this instead of <curl/curl.h>. Calls keep
 * their names; each macro routes one through curl_fns, which
 * curl_fns_load() fills. A new curl call is added to CURL_FNS. */
#ifndef SKIFF_CURL_FNS_H
#define SKIFF_CURL_FNS_H

#define CURL_DISABLE_TYPECHECK /* its macros would hide the table's */
#include <curl/curl.h>

#include "base/err.h"

#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt

#define CURL_FNS(X) \
	X(curl_global_init) \
	X(curl_global_cleanup) \
	X(curl_easy_init) \
	X(curl_easy_cleanup) \
	X(curl_easy_setopt) \
	X(curl_easy_getinfo) \
	X(curl_easy_pause) \
	X(curl_easy_strerror) \
	X(curl_easy_header) \
	X(curl_slist_append) \
	X(curl_slist_free_all) \
	X(curl_multi_init) \
	X(curl_multi_cleanup) \
	X(curl_multi_setopt) \
	X(curl_multi_add_handle) \
	X(curl_multi_remove_handle) \
	X(curl_multi_socket_action) \
	X(curl_multi_assign) \
	X(curl_multi_info_read) \
	X(curl_url) \
	X(curl_url_set) \
	X(curl_url_get) \
	X(curl_url_cleanup) \
	X(curl_url_strerror) \
	X(curl_free)

struct curl_fns {
#define CURL_FN_SLOT(f) __typeof__(f) *f;
	CURL_FNS(CURL_FN_SLOT)
#undef CURL_FN_SLOT
};
extern struct curl_fns curl_fns;

/* dlopen libcurl once; -1 with e naming what is missing. */
int curl_fns_load(struct err *e);
/* dlclose libcurl (after curl_global_cleanup). */
void curl_fns_unload(void);

#define curl_global_init(...) (curl_fns.curl_global_init(__VA_ARGS__))
#define curl_global_cleanup(...) (curl_fns.curl_global_cleanup(__VA_ARGS__))
#define curl_easy_init(...) (curl_fns.curl_easy_init(__VA_ARGS__))
#define curl_easy_cleanup(...) (curl_fns.curl_easy_cleanup(__VA_ARGS__))
#define curl_easy_setopt(...) (curl_fns.curl_easy_setopt(__VA_ARGS__))
#define curl_easy_getinfo(...) (curl_fns.curl_easy_getinfo(__VA_ARGS__))
#define curl_easy_pause(...) (curl_fns.curl_easy_pause(__VA_ARGS__))
#define curl_easy_strerror(...) (curl_fns.curl_easy_strerror(__VA_ARGS__))
#define curl_easy_header(...) (curl_fns.curl_easy_header(__VA_ARGS__))
#define curl_slist_append(...) (curl_fns.curl_slist_append(__VA_ARGS__))
#define curl_slist_free_all(...) (curl_fns.curl_slist_free_all(__VA_ARGS__))
#define curl_multi_init(...) (curl_fns.curl_multi_init(__VA_ARGS__))
#define curl_multi_cleanup(...) (curl_fns.curl_multi_cleanup(__VA_ARGS__))
#define curl_multi_setopt(...) (curl_fns.curl_multi_setopt(__VA_ARGS__))
#define curl_multi_add_handle(...) (curl_fns.curl_multi_add_handle(__VA_ARGS__))
#define curl_multi_remove_handle(...) (curl_fns.curl_multi_remove_handle(__VA_ARGS__))
#define curl_multi_socket_action(...) (curl_fns.curl_multi_socket_action(__VA_ARGS__))
#define curl_multi_assign(...) (curl_fns.curl_multi_assign(__VA_ARGS__))
#define curl_multi_info_read(...) (curl_fns.curl_multi_info_read(__VA_ARGS__))
#define curl_url(...) (curl_fns.curl_url(__VA_ARGS__))
#define curl_url_set(...) (curl_fns.curl_url_set(__VA_ARGS__))
#define curl_url_get(...) (curl_fns.curl_url_get(__VA_ARGS__))
#define curl_url_cleanup(...) (curl_fns.curl_url_cleanup(__VA_ARGS__))
#define curl_url_strerror(...) (curl_fns.curl_url_strerror(__VA_ARGS__))
#define curl_free(...) (curl_fns.curl_free(__VA_ARGS__))

#endif
