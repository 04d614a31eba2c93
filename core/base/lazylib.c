/* lazylib.c - a shared library opened on first use (see lazylib.h). */
#include "lazylib.h"

#include <dlfcn.h>
#include <string.h>

int lazylib_load(struct lazylib *l, struct err *e)
{
	void *h;

	if (l->handle)
		return 0;
	h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return err_setc(e, ERR_INTERNAL, "cannot load %s: %s",
				l->soname, dlerror());
	for (size_t i = 0; i < l->n; i++) {
		void *sym = dlsym(h, l->names[i]);
		if (!sym) {
			err_setc(e, ERR_INTERNAL, "%s has no %s", l->soname,
				 l->names[i]);
			memset(l->table, 0, l->n * sizeof(void *));
			dlclose(h);
			return -1;
		}
		/* POSIX: a dlsym result converts to a function pointer. */
		memcpy((char *)l->table + i * sizeof(void *), &sym,
		       sizeof(sym));
	}
	l->handle = h;
	return 0;
}

void lazylib_unload(struct lazylib *l)
{
	if (!l->handle)
		return;
	memset(l->table, 0, l->n * sizeof(void *));
	dlclose(l->handle);
	l->handle = NULL;
}
