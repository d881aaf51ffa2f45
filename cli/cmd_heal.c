/* cmd_heal.c - cairn heal: a heal pass now, waited for, reported */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cairn.h"
#include "errors.h"
#include "proto.h"

/* A heal pass over a large store takes long: wait up to a day. */
#define HEAL_TIMEOUT_MS	(24 * 3600 * 1000)

static int cmd_heal_exec(const struct cairn_opts *, int, char **);

const struct cmd_entry cmd_heal_entry = {
	.name = "heal",
	.usage = "[bucket [prefix]]",
	.exec = cmd_heal_exec,
};

static void
print_names(const char *what, const struct proto_str *names, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		printf("%s %.*s\n", what, (int)names[i].ps_len,
		    names[i].ps_ptr);
}

/* print_human lists what was healed and lost, then one summary line. */
static void
print_human(const struct msg_scrub_report *rp)
{
	uint64_t unav = cmd_scrub_stat(rp, "unavailable");

	print_names("healed", rp->rp_healed, rp->rp_nhealed);
	print_names("UNRECOVERABLE", rp->rp_unrec, rp->rp_nunrec);
	printf("%llu objects checked, %llu shards verified, %llu shards "
	    "rebuilt in %llu objects, %llu unrecoverable",
	    (unsigned long long)cmd_scrub_stat(rp, "objects_scanned"),
	    (unsigned long long)cmd_scrub_stat(rp, "shards_verified"),
	    (unsigned long long)cmd_scrub_stat(rp, "shards_healed"),
	    (unsigned long long)cmd_scrub_stat(rp, "objects_healed"),
	    (unsigned long long)(cmd_scrub_stat(rp, "unrecoverable") +
	    cmd_scrub_stat(rp, "heal_failed")));
	if (unav > 0)
		printf(", %llu not checked (a drive is down)",
		    (unsigned long long)unav);
	printf(", %llu orphans removed\n",
	    (unsigned long long)(cmd_scrub_stat(rp, "orphans_removed") +
	    cmd_scrub_stat(rp, "tmp_removed")));
}

static int
cmd_heal_exec(const struct cairn_opts *opts, int argc, char **argv)
{
	struct msg_scrub_scope s;
	struct cmd_scrub_call sc;
	const struct msg_scrub_report *rp = &sc.sc_report;
	bool healthy;
	int rc;

	if (argc > 3 || (argc >= 2 && (argv[1][0] == '\0' ||
	    strlen(argv[1]) > PROTO_BUCKETMAX)) ||
	    (argc == 3 && strlen(argv[2]) > PROTO_KEYMAX))
		return cairn_usage(&cmd_heal_entry);
	s.ss_bucket = proto_str_c(argc >= 2 ? argv[1] : NULL);
	s.ss_prefix = proto_str_c(argc == 3 ? argv[2] : NULL);
	rc = cmd_scrub_call(opts, &sc, MSG_SCRUB_PASS, &s, HEAL_TIMEOUT_MS);
	if (rc != 0) {
		cmd_scrub_done(&sc);
		return CAIRN_EXIT_FAIL;
	}
	if (opts->co_json)
		cmd_scrub_json(rp);
	else
		print_human(rp);
	healthy = cmd_scrub_stat(rp, "unrecoverable") == 0 &&
	    cmd_scrub_stat(rp, "heal_failed") == 0 &&
	    cmd_scrub_stat(rp, "unavailable") == 0;
	cmd_scrub_done(&sc);
	return healthy ? CAIRN_EXIT_OK : CAIRN_EXIT_FAIL;
}
