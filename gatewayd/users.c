/* users.c - who signed a request: root or a user of metad, with a short cache */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "errors.h"
#include "gatewayd.h"
#include "log.h"
#include "util.h"

int
users_init(struct gatewayd *env)
{
	if ((env->gw_users = calloc(1, sizeof(*env->gw_users))) == NULL)
		return CAIRN_ENOMEM;
	pthread_mutex_init(&env->gw_users->us_lock, NULL);
	return 0;
}

/* slot_of hashes an access key to its cache slot. */
static struct users_entry *
slot_of(struct users *us, const char *ak)
{
	return &us->us_slot[util_hash(ak, strlen(ak)) % USERS_SLOTS];
}

/* fetch asks metad for the user of ak and fills e (found or not). */
static int
fetch(struct gatewayd *env, const char *ak, struct users_entry *e)
{
	struct msg_name n = { proto_str_c(ak) };
	struct rpc_call c;
	struct msg_user u;
	int rc;

	memset(e, 0, sizeof(*e));
	snprintf(e->ue_ak, sizeof(e->ue_ak), "%s", ak);
	if ((rc = rpc_call_init(&c, env->gw_backend.be_metad,
	    MSG_META_USER_GET)) == 0) {
		msg_name_pack(rpc_call_packer(&c), &n);
		if ((rc = rpc_call_run(&c)) == 0)
			rc = msg_user_unpack(c.rc_reply.pm_payload, &u);
	}
	if (rc == 0) {
		e->ue_found = true;
		e->ue_disabled = u.u_disabled;
		snprintf(e->ue_name, sizeof(e->ue_name), "%.*s",
		    (int)u.u_name.ps_len, u.u_name.ps_ptr);
		snprintf(e->ue_id, sizeof(e->ue_id), "%.*s",
		    (int)u.u_id.ps_len, u.u_id.ps_ptr);
		snprintf(e->ue_secret, sizeof(e->ue_secret), "%.*s",
		    (int)u.u_secret.ps_len, u.u_secret.ps_ptr);
	}
	rpc_call_fini(&c);
	e->ue_expires_ms = util_mono_ms() + USERS_TTL_MS;
	return rc == CAIRN_ENOUSER ? 0 : rc;
}

/* lookup fills e with the user of ak, from the cache or metad. */
static int
lookup(struct gatewayd *env, const char *ak, struct users_entry *e)
{
	struct users *us = env->gw_users;
	struct users_entry *slot;
	int rc;

	pthread_mutex_lock(&us->us_lock);
	slot = slot_of(us, ak);
	if (strcmp(slot->ue_ak, ak) == 0 &&
	    slot->ue_expires_ms > util_mono_ms()) {
		*e = *slot;
		pthread_mutex_unlock(&us->us_lock);
		return 0;
	}
	pthread_mutex_unlock(&us->us_lock);
	if ((rc = fetch(env, ak, e)) != 0)
		return rc;
	pthread_mutex_lock(&us->us_lock);
	*slot_of(us, ak) = *e;
	pthread_mutex_unlock(&us->us_lock);
	return 0;
}

void
users_root_id(const struct gatewayd *env, char *out)
{
	const char *ak = env->gw_conf.c_root_access_key;
	unsigned char md[32];
	unsigned int len = sizeof(md);

	EVP_Digest(ak, strlen(ak), md, &len, hash_sha256(), NULL);
	util_hex(out, md, sizeof(md));
}

enum s3_err
users_secret(struct gatewayd *env, const char *ak, struct s3_who *who,
    char *secret, size_t len)
{
	const struct conf *conf = &env->gw_conf;
	struct users_entry e;
	enum s3_err res = S3E_NONE;
	int rc;

	if (conf->c_root_access_key[0] != '\0' &&
	    strcmp(ak, conf->c_root_access_key) == 0) {
		who->w_kind = S3_WHO_ROOT;
		snprintf(who->w_name, sizeof(who->w_name), "root");
		users_root_id(env, who->w_id);
		snprintf(secret, len, "%s", conf->c_root_secret_key);
		return S3E_NONE;
	}
	if ((rc = lookup(env, ak, &e)) != 0) {
		if (rc != CAIRN_ENOWAIT)	/* the loop asks a worker */
			log_warnx("access key lookup: %s", cairn_strerror(rc));
		return s3_error_from(rc);
	}
	if (!e.ue_found)
		res = S3E_INVALID_ACCESS_KEY;
	else if (e.ue_disabled)
		res = S3E_KEY_DISABLED;
	else {
		who->w_kind = S3_WHO_USER;
		snprintf(who->w_name, sizeof(who->w_name), "%s", e.ue_name);
		snprintf(who->w_id, sizeof(who->w_id), "%s", e.ue_id);
		snprintf(secret, len, "%s", e.ue_secret);
	}
	explicit_bzero(&e, sizeof(e));
	return res;
}
