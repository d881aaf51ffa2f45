/* log.h - logging to stderr with sd-daemon priority prefixes */
#ifndef CAIRN_LOG_H
#define CAIRN_LOG_H

#include <stdarg.h>

/*
 * log_init sets the program name shown in each line and the verbosity:
 * 0 logs info and above, 1 (-v) adds per-request lines, 2 (-d) debug.
 * Lines carry "<N>" priority prefixes (sd-daemon(3)) when stderr is the
 * journal ($JOURNAL_STREAM).  Safe from any
 * thread: each line is written with one write(2).
 */
void log_init(const char *procname, int verbose);
void log_setverbose(int verbose);
int log_getverbose(void);

/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* fatal and fatalx log at error priority and exit(1); fatal adds errno. */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
