/* cmd_user.c - cairn user: add, list, remove, disable and enable S3 users */
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
#include "util.h"

#define USER_TIMEOUT_MS	5000
#define USER_AKLEN	20	/* as AWS: 20 upper-case letters and digits */
#define USER_SKLEN	40	/* as AWS: 40 base64 characters */

static int cmd_user_exec(const struct cairn_opts *, int, char **);

const struct cmd_entry cmd_user_entry = {
	.name = "user",
	.usage = "add name [--access-key key --secret-key secret] | "
	    "list [--json] | remove name | disable name | enable name",
	.exec = cmd_user_exec,
};

/*
 * One request to cairn-metad.  The reply, which the results point into,
 * lives until user_call_done.
 */
struct user_call {
	struct rpc_client	*uc_client;
	struct rpc_call		 uc_call;
	bool			 uc_called;
};

/* user_call_begin dials metad and starts a request of type. */
static int
user_call_begin(const struct cairn_opts *opts, struct user_call *uc,
    uint32_t type)
{
	struct conf *conf;
	int rc;

	memset(uc, 0, sizeof(*uc));
	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		fatal("%s", __func__);
	if (conf_load(conf, opts->co_conffile) != 0) {
		free(conf);
		return CAIRN_ECONF;
	}
	rc = rpc_client_open(&uc->uc_client, conf->c_metad_listen,
	    USER_TIMEOUT_MS);
	if (rc == 0 && (rc = rpc_call_init(&uc->uc_call, uc->uc_client,
	    type)) == 0)
		uc->uc_called = true;
	conf_wipe(conf);
	free(conf);
	return rc;
}

static void
user_call_done(struct user_call *uc)
{
	if (uc->uc_called)
		rpc_call_fini(&uc->uc_call);
	if (uc->uc_client != NULL)
		rpc_client_close(uc->uc_client);
}

/* user_err reports a failed request on stderr; returns the exit status. */
static int
user_err(const char *what, int rc)
{
	log_warnx("%s: %s", what, rc == CAIRN_EUNAVAIL ?
	    "cairn-metad not running or not reachable" :
	    rc == CAIRN_EINVAL ? "invalid name, access key or secret" :
	    cairn_strerror(rc));
	return CAIRN_EXIT_FAIL;
}

/* random_key fills buf with len characters of set (and a NUL). */
static void
random_key(char *buf, size_t len, const char *set)
{
	unsigned char rnd[64];
	size_t i, n = strlen(set);

	util_random(rnd, len);
	for (i = 0; i < len; i++)
		buf[i] = set[rnd[i] % n];
	buf[len] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
}

static void
print_keys(const struct cairn_opts *opts, const char *name, const char *ak,
    const char *sk)
{
	if (!opts->co_json) {
		printf("user %s\naccess key: %s\nsecret key: %s\n", name, ak, sk);
		return;
	}
	fputs("{\"name\":", stdout);
	cairn_json_str(stdout, name, strlen(name));
	fputs(",\"access_key\":", stdout);
	cairn_json_str(stdout, ak, strlen(ak));
	fputs(",\"secret_key\":", stdout);
	cairn_json_str(stdout, sk, strlen(sk));
	fputs("}\n", stdout);
}

/* user_add_args reads --access-key and --secret-key; false if bad. */
static bool
user_add_args(int argc, char **argv, const char **ak, const char **sk)
{
	int i;

	for (i = 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			return false;
		if (strcmp(argv[i], "--access-key") == 0)
			*ak = argv[i + 1];
		else if (strcmp(argv[i], "--secret-key") == 0)
			*sk = argv[i + 1];
		else
			return false;
	}
	return (*ak == NULL) == (*sk == NULL);
}

static int
user_add(const struct cairn_opts *opts, int argc, char **argv)
{
	char akbuf[USER_AKLEN + 1], skbuf[USER_SKLEN + 1];
	const char *ak = NULL, *sk = NULL;
	struct msg_user u;
	struct user_call uc;
	int rc;

	if (argc < 2 || !user_add_args(argc, argv, &ak, &sk))
		return cairn_usage(&cmd_user_entry);
	if (ak == NULL) {
		random_key(akbuf, USER_AKLEN, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
		random_key(skbuf, USER_SKLEN, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/");
		ak = akbuf;
		sk = skbuf;
	}
	memset(&u, 0, sizeof(u));
	u.u_name = proto_str_c(argv[1]);
	u.u_access_key = proto_str_c(ak);
	u.u_secret = proto_str_c(sk);
	u.u_created_ns = util_now_ns();
	if ((rc = user_call_begin(opts, &uc, MSG_META_USER_ADD)) == 0) {
		msg_user_pack(rpc_call_packer(&uc.uc_call), &u);
		rc = rpc_call_run(&uc.uc_call);
	}
	user_call_done(&uc);
	if (rc == 0)
		print_keys(opts, argv[1], ak, sk);
	explicit_bzero(skbuf, sizeof(skbuf));
	return rc == 0 ? CAIRN_EXIT_OK : user_err(argv[1], rc);
}

static void
list_json(const struct msg_user_list *ul)
{
	const struct msg_user *u;
	uint32_t i;

	fputs("[", stdout);
	for (i = 0; i < ul->ul_count; i++) {
		u = &ul->ul_items[i];
		fputs(i > 0 ? ",{\"name\":" : "{\"name\":", stdout);
		cairn_json_str(stdout, u->u_name.ps_ptr, u->u_name.ps_len);
		fputs(",\"id\":", stdout);
		cairn_json_str(stdout, u->u_id.ps_ptr, u->u_id.ps_len);
		fputs(",\"access_key\":", stdout);
		cairn_json_str(stdout, u->u_access_key.ps_ptr,
		    u->u_access_key.ps_len);
		printf(",\"enabled\":%s,\"created_ns\":%llu}",
		    u->u_disabled ? "false" : "true",
		    (unsigned long long)u->u_created_ns);
	}
	fputs("]\n", stdout);
}

static void
list_text(const struct msg_user_list *ul)
{
	const struct msg_user *u;
	uint32_t i;

	printf("%-20s %-24s %-8s %s\n", "NAME", "ACCESS KEY", "STATUS", "ID");
	for (i = 0; i < ul->ul_count; i++) {
		u = &ul->ul_items[i];
		printf("%-20.*s %-24.*s %-8s %.*s\n", (int)u->u_name.ps_len,
		    u->u_name.ps_ptr, (int)u->u_access_key.ps_len,
		    u->u_access_key.ps_ptr, u->u_disabled ? "disabled" :
		    "enabled", (int)u->u_id.ps_len, u->u_id.ps_ptr);
	}
}

static int
user_list(const struct cairn_opts *opts, int argc, char **argv)
{
	struct msg_user_list ul;
	struct user_call uc;
	bool json = opts->co_json;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = true;
	else if (argc != 1)
		return cairn_usage(&cmd_user_entry);
	memset(&ul, 0, sizeof(ul));
	if ((rc = user_call_begin(opts, &uc, MSG_META_USER_LIST)) == 0) {
		proto_pack_nil(rpc_call_packer(&uc.uc_call));
		if ((rc = rpc_call_run(&uc.uc_call)) == 0)
			rc = msg_user_list_unpack(
			    uc.uc_call.rc_reply.pm_payload, &ul);
	}
	if (rc == 0 && json)
		list_json(&ul);
	else if (rc == 0)
		list_text(&ul);
	msg_user_list_free(&ul);
	user_call_done(&uc);
	return rc == 0 ? CAIRN_EXIT_OK : user_err("user list", rc);
}

/* user_change removes, disables or enables the user argv[1]. */
static int
user_change(const struct cairn_opts *opts, int argc, char **argv)
{
	struct msg_user_state us;
	struct msg_name n;
	struct user_call uc;
	bool del = strcmp(argv[0], "remove") == 0;
	int rc;

	if (argc != 2)
		return cairn_usage(&cmd_user_entry);
	n.n_name = us.us_name = proto_str_c(argv[1]);
	us.us_disabled = strcmp(argv[0], "disable") == 0;
	rc = user_call_begin(opts, &uc, del ? MSG_META_USER_REMOVE :
	    MSG_META_USER_STATE);
	if (rc == 0) {
		if (del)
			msg_name_pack(rpc_call_packer(&uc.uc_call), &n);
		else
			msg_user_state_pack(rpc_call_packer(&uc.uc_call), &us);
		rc = rpc_call_run(&uc.uc_call);
	}
	user_call_done(&uc);
	return rc == 0 ? CAIRN_EXIT_OK : user_err(argv[1], rc);
}

static int
cmd_user_exec(const struct cairn_opts *opts, int argc, char **argv)
{
	if (argc < 2)
		return cairn_usage(&cmd_user_entry);
	argc--;
	argv++;
	if (strcmp(argv[0], "add") == 0)
		return user_add(opts, argc, argv);
	if (strcmp(argv[0], "list") == 0)
		return user_list(opts, argc, argv);
	if (strcmp(argv[0], "remove") == 0 || strcmp(argv[0], "disable") == 0 ||
	    strcmp(argv[0], "enable") == 0)
		return user_change(opts, argc, argv);
	return cairn_usage(&cmd_user_entry);
}
