/* crashpoint.h - fault injection for crash-safety tests (issue 14).
 *
 * SKIFF_CRASH_AT=N:FILE makes skiffd kill itself with SIGKILL (a crash,
 * as kill -9: its keeper starts it again) at the Nth crash point it
 * crosses, unless FILE exists; FILE is created first, so the skiffd the
 * keeper starts again runs on. N = 0 crashes never but logs every point
 * crossed ("crash point 3: ctr start"), which is how a test counts them.
 * Without the variable a crash point costs one branch. */
#ifndef SKIFF_CRASHPOINT_H
#define SKIFF_CRASHPOINT_H

extern int crashpoint_armed; /* set by crashpoint_init from the env */
void crashpoint_init(void);
void crashpoint_hit(const char *where);
static inline void crashpoint(const char *where)
{
	if (crashpoint_armed)
		crashpoint_hit(where);
}

#endif
