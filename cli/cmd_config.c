/* cmd_config.c - cairn config check: the daemons' -n, from the CLI */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cairn.h"
#include "conf.h"
#include "errors.h"
#include "log.h"

static int cmd_config_exec(const struct cairn_opts *, int, char **);

const struct cmd_entry cmd_config_entry = {
	.name = "config",
	.usage = "check",
	.exec = cmd_config_exec,
};

/*
 * check loads the file with the same conf_load every daemon runs for -n,
 * plus the one test cairn-gatewayd adds, so that "configuration OK" here
 * means each daemon would accept it too.  The reasons for a refusal go to
 * stderr, one line per problem.
 */
static int
check(const struct cairn_opts *opts)
{
	struct conf conf;
	int rc;

	rc = conf_load(&conf, opts->co_conffile);
	if (rc == 0 && (conf.c_root_access_key[0] == '\0' ||
	    conf.c_root_secret_key[0] == '\0')) {
		log_warnx("%s: [cluster] root_access_key and root_secret_key "
		    "must be set", opts->co_conffile);
		rc = CAIRN_ECONF;
	}
	conf_wipe(&conf);
	if (opts->co_json) {
		fputs("{\"file\":", stdout);
		cairn_json_str(stdout, opts->co_conffile,
		    strlen(opts->co_conffile));
		printf(",\"ok\":%s}\n", rc == 0 ? "true" : "false");
	} else if (rc == 0)
		printf("configuration OK\n");
	return rc == 0 ? CAIRN_EXIT_OK : CAIRN_EXIT_FAIL;
}

static int
cmd_config_exec(const struct cairn_opts *opts, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "check") != 0)
		return cairn_usage(&cmd_config_entry);
	return check(opts);
}
