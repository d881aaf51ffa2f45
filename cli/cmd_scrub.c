/* cmd_scrub.c - cairn scrub status: what cairn-scrubd found and did */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "conf.h"
#include "errors.h"
#include "log.h"
#include "proto.h"
#include "rpc.h"

#define SCRUB_STATUS_TIMEOUT_MS	5000

static int cmd_scrub_exec(const struct cairn_opts *, int, char **);

const struct cmd_entry cmd_scrub_entry = {
	.name = "scrub",
	.usage = "status [--json]",
	.exec = cmd_scrub_exec,
};

int
cmd_scrub_call(const struct cairn_opts *opts, struct cmd_scrub_call *sc,
    uint32_t type, const struct msg_scrub_scope *scope, int timeout_ms)
{
	struct conf *conf;
	int rc;

	memset(sc, 0, sizeof(*sc));
	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		fatal("%s", __func__);
	if (conf_load(conf, opts->co_conffile) != 0) {
		free(conf);
		return CAIRN_ECONF;
	}
	rc = rpc_client_open(&sc->sc_client, conf->c_scrub_listen, timeout_ms);
	if (rc == 0 && (rc = rpc_call_init(&sc->sc_call, sc->sc_client,
	    type)) == 0) {
		sc->sc_called = true;
		if (scope != NULL)
			msg_scrub_scope_pack(rpc_call_packer(&sc->sc_call),
			    scope);
		else
			proto_pack_nil(rpc_call_packer(&sc->sc_call));
		if ((rc = rpc_call_run(&sc->sc_call)) == 0)
			rc = msg_scrub_report_unpack(
			    sc->sc_call.rc_reply.pm_payload, &sc->sc_report);
	}
	if (rc != 0)
		log_warnx("cairn-scrubd at %s: %s", conf->c_scrub_listen,
		    rc == CAIRN_EUNAVAIL ? "not running or not reachable" :
		    cairn_strerror(rc));
	conf_wipe(conf);
	free(conf);
	return rc;
}

void
cmd_scrub_done(struct cmd_scrub_call *sc)
{
	if (sc->sc_called)
		rpc_call_fini(&sc->sc_call);
	if (sc->sc_client != NULL)
		rpc_client_close(sc->sc_client);
	sc->sc_called = false;
	sc->sc_client = NULL;
}

uint64_t
cmd_scrub_stat(const struct msg_scrub_report *rp, const char *name)
{
	uint32_t i;

	for (i = 0; i < rp->rp_nstats; i++)
		if (proto_str_eq(rp->rp_stat_name[i], name))
			return rp->rp_stat_value[i];
	return 0;
}

static void
json_names(const char *key, const struct proto_str *names, uint32_t n)
{
	uint32_t i;

	printf(",\"%s\":[", key);
	for (i = 0; i < n; i++) {
		if (i > 0)
			putchar(',');
		cairn_json_str(stdout, names[i].ps_ptr, names[i].ps_len);
	}
	putchar(']');
}

void
cmd_scrub_json(const struct msg_scrub_report *rp)
{
	uint32_t i;

	fputs("{\"stats\":{", stdout);
	for (i = 0; i < rp->rp_nstats; i++) {
		if (i > 0)
			putchar(',');
		cairn_json_str(stdout, rp->rp_stat_name[i].ps_ptr,
		    rp->rp_stat_name[i].ps_len);
		printf(":%llu", (unsigned long long)rp->rp_stat_value[i]);
	}
	putchar('}');
	json_names("unrecoverable", rp->rp_unrec, rp->rp_nunrec);
	json_names("healed", rp->rp_healed, rp->rp_nhealed);
	fputs("}\n", stdout);
}

static void
print_human(const struct msg_scrub_report *rp)
{
	uint32_t i;

	for (i = 0; i < rp->rp_nstats; i++)
		printf("%-20.*s %llu\n", (int)rp->rp_stat_name[i].ps_len,
		    rp->rp_stat_name[i].ps_ptr,
		    (unsigned long long)rp->rp_stat_value[i]);
	if (rp->rp_nunrec > 0)
		printf("unrecoverable objects:\n");
	for (i = 0; i < rp->rp_nunrec; i++)
		printf("    %.*s\n", (int)rp->rp_unrec[i].ps_len,
		    rp->rp_unrec[i].ps_ptr);
}

bool
cmd_scrub_verb(const struct cairn_opts *opts, int argc, char **argv,
    const char *verb, uint32_t type, int timeout_ms,
    void (*human)(const struct msg_scrub_report *),
    struct cmd_scrub_call *sc, int *rc)
{
	bool json = opts->co_json;

	if (argc == 3 && (strcmp(argv[2], "--json") == 0 ||
	    strcmp(argv[2], "-j") == 0))
		json = true;
	else if (argc != 2)
		return false;
	if (strcmp(argv[1], verb) != 0)
		return false;
	*rc = cmd_scrub_call(opts, sc, type, NULL, timeout_ms);
	if (*rc == 0 && json)
		cmd_scrub_json(&sc->sc_report);
	else if (*rc == 0)
		human(&sc->sc_report);
	return true;
}

static int
cmd_scrub_exec(const struct cairn_opts *opts, int argc, char **argv)
{
	struct cmd_scrub_call sc;
	int rc;

	if (!cmd_scrub_verb(opts, argc, argv, "status", MSG_SCRUB_STATUS,
	    SCRUB_STATUS_TIMEOUT_MS, print_human, &sc, &rc))
		return cairn_usage(&cmd_scrub_entry);
	cmd_scrub_done(&sc);
	return rc == 0 ? CAIRN_EXIT_OK : CAIRN_EXIT_FAIL;
}
