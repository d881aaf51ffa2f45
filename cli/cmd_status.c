/* cmd_status.c - cairn status: ask every daemon of the cluster how it is */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "conf.h"
#include "errors.h"
#include "log.h"
#include "proto.h"
#include "rpc.h"

/* A daemon that has not answered within this is reported down. */
#define STATUS_TIMEOUT_S	2

static int cmd_status_exec(const struct cairn_opts *, int, char **);

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "",
	.exec = cmd_status_exec,
};

/*
 * One daemon asked for its status.  It lives from the request to the last
 * line of output: the strings in tg_status point into tg_call's reply, so
 * the call is finished only after printing.
 */
struct target {
	char			 tg_name[CONF_NAMEMAX + 8];	/* "chunkd d1" */
	const char		*tg_url;	/* points into the struct conf */
	struct rpc_client	*tg_client;
	struct rpc_call		 tg_call;
	bool			 tg_called;	/* tg_call needs rpc_call_fini */
	int			 tg_err;	/* 0: tg_status is valid */
	struct msg_status	 tg_status;
};

/*
 * Everything one run of the command holds: the configuration naming the
 * daemons, and one target per daemon in a fixed order (metad, the drives
 * in the order of their sections, gatewayd, scrubd).  Heap allocated because
 * struct conf is large.
 */
struct status {
	struct conf	 s_conf;
	int		 s_ntargets;
	struct target	 s_targets[CONF_DRIVEMAX + 3];
};

static void
target_add(struct status *s, const char *name, const char *url)
{
	struct target *t = &s->s_targets[s->s_ntargets++];

	snprintf(t->tg_name, sizeof(t->tg_name), "%s", name);
	t->tg_url = url;
}

static void
targets_fill(struct status *s)
{
	char name[sizeof(s->s_targets[0].tg_name)];
	int i;

	target_add(s, "metad", s->s_conf.c_metad_listen);
	for (i = 0; i < s->s_conf.c_ndrives; i++) {
		snprintf(name, sizeof(name), "chunkd %s",
		    s->s_conf.c_drives[i].cd_name);
		target_add(s, name, s->s_conf.c_drives[i].cd_listen);
	}
	target_add(s, "gatewayd", s->s_conf.c_gw_control);
	target_add(s, "scrubd", s->s_conf.c_scrub_listen);
}

/* target_send starts the request; the answer is collected by target_wait. */
static void
target_send(struct target *t)
{
	t->tg_err = rpc_client_open(&t->tg_client, t->tg_url,
	    STATUS_TIMEOUT_S * 1000);
	if (t->tg_err != 0) {
		t->tg_client = NULL;
		return;
	}
	t->tg_called = true;
	t->tg_err = rpc_call_init(&t->tg_call, t->tg_client, MSG_CTL_STATUS);
	if (t->tg_err != 0)
		return;
	proto_pack_nil(rpc_call_packer(&t->tg_call));
	rpc_call_send(&t->tg_call);
}

static void
target_wait(struct target *t)
{
	if (t->tg_err != 0)
		return;
	t->tg_err = rpc_call_wait(&t->tg_call);
	if (t->tg_err == 0)
		t->tg_err = msg_status_unpack(t->tg_call.rc_reply.pm_payload,
		    &t->tg_status);
}

static void
target_fini(struct target *t)
{
	if (t->tg_called)
		rpc_call_fini(&t->tg_call);
	if (t->tg_client != NULL)
		rpc_client_close(t->tg_client);
}

/* target_error says why t did not answer, in words for an operator. */
static const char *
target_error(const struct target *t)
{
	static char timedout[64];

	switch (t->tg_err) {
	case CAIRN_EUNAVAIL:
		return "not running or not reachable";
	case CAIRN_ETIMEDOUT:
		snprintf(timedout, sizeof(timedout),
		    "no answer within %d seconds", STATUS_TIMEOUT_S);
		return timedout;
	default:
		return cairn_strerror(t->tg_err);
	}
}

static void
fmt_uptime(char *buf, size_t len, uint64_t s)
{
	unsigned long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;

	if (d > 0)
		snprintf(buf, len, "%llud%02lluh%02llum", d, h, m);
	else if (h > 0)
		snprintf(buf, len, "%lluh%02llum%02llus", h, m,
		    (unsigned long long)s % 60);
	else if (m > 0)
		snprintf(buf, len, "%llum%02llus", m,
		    (unsigned long long)s % 60);
	else
		snprintf(buf, len, "%llus", (unsigned long long)s);
}

static void
print_target(const struct target *t, int width)
{
	const struct msg_status *st = &t->tg_status;
	char up[32];
	uint32_t i;

	if (t->tg_err != 0) {
		printf("%-*s  down  %s: %s\n", width, t->tg_name, t->tg_url,
		    target_error(t));
		return;
	}
	fmt_uptime(up, sizeof(up), st->st_uptime_s);
	printf("%-*s  up    pid %-7llu  uptime %-9s", width, t->tg_name,
	    (unsigned long long)st->st_pid, up);
	for (i = 0; i < st->st_nstats; i++)
		printf(" %.*s=%llu", (int)st->st_stat_name[i].ps_len,
		    st->st_stat_name[i].ps_ptr,
		    (unsigned long long)st->st_stat_value[i]);
	putchar('\n');
}

static void
print_human(const struct status *s)
{
	int i, n, width = 0;

	for (i = 0; i < s->s_ntargets; i++)
		if ((n = (int)strlen(s->s_targets[i].tg_name)) > width)
			width = n;
	for (i = 0; i < s->s_ntargets; i++)
		print_target(&s->s_targets[i], width);
}

static void
json_cstr(const char *key, const char *value)
{
	printf("\"%s\":", key);
	cairn_json_str(stdout, value, strlen(value));
}

static void
json_pstr(const char *key, struct proto_str value)
{
	printf("\"%s\":", key);
	cairn_json_str(stdout, value.ps_ptr, value.ps_len);
}

static void
json_target(const struct target *t)
{
	const struct msg_status *st = &t->tg_status;
	uint32_t i;

	putchar('{');
	json_cstr("name", t->tg_name);
	putchar(',');
	json_cstr("url", t->tg_url);
	if (t->tg_err != 0) {
		fputs(",\"up\":false,", stdout);
		json_cstr("error", target_error(t));
		putchar('}');
		return;
	}
	fputs(",\"up\":true,", stdout);
	json_pstr("daemon", st->st_daemon);
	putchar(',');
	json_pstr("version", st->st_version);
	printf(",\"pid\":%llu,\"uptime_s\":%llu,\"stats\":{",
	    (unsigned long long)st->st_pid,
	    (unsigned long long)st->st_uptime_s);
	for (i = 0; i < st->st_nstats; i++) {
		if (i > 0)
			putchar(',');
		cairn_json_str(stdout, st->st_stat_name[i].ps_ptr,
		    st->st_stat_name[i].ps_len);
		printf(":%llu", (unsigned long long)st->st_stat_value[i]);
	}
	fputs("}}", stdout);
}

/* print_json writes one JSON document; see cairn(8) for its shape. */
static void
print_json(const struct status *s, const char *file, bool all_up)
{
	int i;

	putchar('{');
	json_cstr("config", file);
	printf(",\"ok\":%s,\"daemons\":[", all_up ? "true" : "false");
	for (i = 0; i < s->s_ntargets; i++) {
		if (i > 0)
			putchar(',');
		json_target(&s->s_targets[i]);
	}
	fputs("]}\n", stdout);
}

static int
cmd_status_exec(const struct cairn_opts *opts, int argc, char **argv)
{
	struct status *s;
	bool all_up = true;
	int i;

	if (argc != 1)
		return cairn_usage(&cmd_status_entry);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("%s", __func__);
	if (conf_load(&s->s_conf, opts->co_conffile) != 0) {
		free(s);
		return CAIRN_EXIT_FAIL;
	}
	conf_wipe(&s->s_conf);
	targets_fill(s);
	/* Send every request before waiting for any: down daemons overlap. */
	for (i = 0; i < s->s_ntargets; i++)
		target_send(&s->s_targets[i]);
	for (i = 0; i < s->s_ntargets; i++) {
		target_wait(&s->s_targets[i]);
		if (s->s_targets[i].tg_err != 0)
			all_up = false;
	}
	if (opts->co_json)
		print_json(s, opts->co_conffile, all_up);
	else
		print_human(s);
	for (i = 0; i < s->s_ntargets; i++)
		target_fini(&s->s_targets[i]);
	free(s);
	return all_up ? CAIRN_EXIT_OK : CAIRN_EXIT_FAIL;
}
