/* ctrflags.c - Docker's run/create flags skiff accepts only to answer
 * them the way Docker does on Linux (supervisor.h, ctrflags_check):
 * deprecated ones are ignored with Docker's warning in the log,
 * Windows-only ones take only their Linux value, and the unsupported
 * ones are refused naming the flag. Owns nothing. */
#include "supervisor.h"

#include <string.h>

#include "../../core/base/log.h"
#include "../../proto/cmdreq.h"

int ctrflags_check(const struct create_args *a, struct err *e)
{
	if (a->isolation && *a->isolation && strcmp(a->isolation, "default"))
		return err_setc(e, ERR_INVALID, "invalid --isolation \"%s\": "
				"Linux only supports 'default'", a->isolation);
	if (a->gpus)
		return err_setc(e, ERR_INVALID, "--gpus %s: not supported "
				"(skiff has no GPU device requests)", a->gpus);
	if (a->storage_opt.n)
		return err_setc(e, ERR_INVALID, "--storage-opt %s: not "
				"supported (the overlay has no per-container "
				"size)", a->storage_opt.v[0]);
	if (a->volume_driver && strcmp(a->volume_driver, "local"))
		return err_setc(e, ERR_INVALID, "--volume-driver %s: not "
				"supported (only local)", a->volume_driver);
	if (a->kernel_memory)
		log_warn("--kernel-memory: Specifying a kernel memory limit "
			 "is deprecated and will be removed in a future "
			 "release; ignored");
	return 0;
}
