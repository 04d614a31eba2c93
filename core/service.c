/* service.c - the registry of named service tables (see service.h).
 *
 * Owns a small fixed array of (name, ops) pairs pointing at the modules'
 * static tables; searched in order (a handful of services). */
#include "service.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define SERVICE_MAX 32

static struct {
	const char *name;
	const void *ops;
} services[SERVICE_MAX];
static size_t nservices;

void service_register(const char *name, const void *ops)
{
	if (service_get(name) || nservices == SERVICE_MAX || !ops)
		abort(); /* two modules claim one name, or a build outgrew it */
	services[nservices].name = name;
	services[nservices++].ops = ops;
}

const void *service_get(const char *name)
{
	for (size_t i = 0; i < nservices; i++)
		if (!strcmp(services[i].name, name))
			return services[i].ops;
	return NULL;
}

void service_reset(void)
{
	nservices = 0;
}
