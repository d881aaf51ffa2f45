/* cmd_lifecycle.c - cairn lifecycle run: a lifecycle pass now, reported */
#include "config.h"

#include <stdio.h>

#include "cairn.h"
#include "errors.h"
#include "proto.h"

/* A pass over many buckets takes long: wait up to a day. */
#define LIFECYCLE_TIMEOUT_MS	(24 * 3600 * 1000)

static int cmd_lifecycle_exec(const struct cairn_opts *, int, char **);

const struct cmd_entry cmd_lifecycle_entry = {
	.name = "lifecycle",
	.usage = "run [--json]",
	.exec = cmd_lifecycle_exec,
};

static void
print_human(const struct msg_scrub_report *rp)
{
	printf("%llu objects checked, %llu expired, %llu kept (overwritten "
	    "since they were due), %llu uploads aborted, %llu errors; "
	    "%llu noncurrent versions expired, %llu delete markers "
	    "expired, %llu versions kept by object lock\n",
	    (unsigned long long)cmd_scrub_stat(rp, "objects_checked"),
	    (unsigned long long)cmd_scrub_stat(rp, "objects_expired"),
	    (unsigned long long)cmd_scrub_stat(rp, "expiry_kept"),
	    (unsigned long long)cmd_scrub_stat(rp, "uploads_aborted"),
	    (unsigned long long)cmd_scrub_stat(rp, "lifecycle_errors"),
	    (unsigned long long)cmd_scrub_stat(rp, "noncurrent_expired"),
	    (unsigned long long)cmd_scrub_stat(rp, "markers_expired"),
	    (unsigned long long)cmd_scrub_stat(rp, "expiry_locked"));
}

static int
cmd_lifecycle_exec(const struct cairn_opts *opts, int argc, char **argv)
{
	struct cmd_scrub_call sc;
	int rc;

	if (!cmd_scrub_verb(opts, argc, argv, "run", MSG_SCRUB_LIFECYCLE,
	    LIFECYCLE_TIMEOUT_MS, print_human, &sc, &rc))
		return cairn_usage(&cmd_lifecycle_entry);
	if (rc == 0 && cmd_scrub_stat(&sc.sc_report, "lifecycle_errors") > 0)
		rc = CAIRN_EIO;
	cmd_scrub_done(&sc);
	return rc == 0 ? CAIRN_EXIT_OK : CAIRN_EXIT_FAIL;
}
