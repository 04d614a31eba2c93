/* log.h - leveled logging through one replaceable sink.
 *
 * Libraries log through log_msg(); the daemon points the sink at stderr or
 * /dev/kmsg (when PID 1), tools leave the default (stderr). */
#ifndef SKIFF_LOG_H
#define SKIFF_LOG_H

enum log_level { LOG_ERR = 3, LOG_WARN = 4, LOG_INFO = 6, LOG_DEBUG = 7 };

typedef void (*log_sink_fn)(enum log_level level, const char *msg);

extern enum log_level log_threshold;
void log_set_sink(log_sink_fn sink);
/* Parse "error|warn|info|debug"; returns -1 on an unknown name. */
int log_level_parse(const char *s, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Sink that writes "<N>skiffd: msg" to /dev/kmsg, falling back to stderr. */
void log_sink_kmsg(enum log_level level, const char *msg);

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
