/* log.c - logging to stderr with sd-daemon priority prefixes */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static const char *log_procname = "cairn";
static int log_verbose;
static int log_prefix = 1;

void
log_init(const char *procname, int verbose)
{
	log_procname = procname;
	log_verbose = verbose;
	/* systemd sets JOURNAL_STREAM when stderr goes to the journal. */
	log_prefix = getenv("JOURNAL_STREAM") != NULL;
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return log_verbose;
}

/* vlog formats one whole line and writes it at once, so threads do not mix. */
static void
vlog(int pri, const char *fmt, va_list ap, int errnum)
{
	char line[2048];
	int n = 0, m;

	if (log_prefix)
		n = snprintf(line, sizeof(line), "<%d>", pri);
	n += snprintf(line + n, sizeof(line) - n, "%s: ", log_procname);
	m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	n = (m < 0 || (size_t)(n + m) >= sizeof(line) - 64) ?
	    (int)sizeof(line) - 64 : n + m;
	if (errnum)
		n += snprintf(line + n, sizeof(line) - n, ": %s",
		    strerror(errnum));
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
}

#define LOG_BODY(pri, errnum) do {		\
	va_list ap;				\
	va_start(ap, fmt);			\
	vlog((pri), fmt, ap, (errnum));		\
	va_end(ap);				\
} while (0)

void
log_warn(const char *fmt, ...)
{
	int e = errno;

	LOG_BODY(LOG_WARNING, e);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, 0);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, 0);
}

void
log_debug(const char *fmt, ...)
{
	if (log_verbose > 1)
		LOG_BODY(LOG_DEBUG, 0);
}

void
fatal(const char *fmt, ...)
{
	int e = errno;

	LOG_BODY(LOG_ERR, e);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_ERR, 0);
	exit(1);
}
