/* meta_user.c - users and their access keys, secrets sealed at rest */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "errors.h"
#include "log.h"
#include "metad.h"
#include "util.h"

/*
 * A secret is stored as nonce || AES-256-GCM ciphertext || tag, with the
 * access key as additional data, so that a sealed secret moved to another
 * user's record no longer opens.
 */
#define SEAL_NONCE	12
#define SEAL_TAG	16
#define SEAL_OVERHEAD	(SEAL_NONCE + SEAL_TAG)
#define USER_SECRETMAX	(PROTO_SECRETMAX - SEAL_OVERHEAD)
#define USER_KEYFILE	"users.key"

/* Longest user key: a tag letter, then a name or an access key. */
#define USER_KEYLEN	(1 + PROTO_SECRETMAX)

/* Adds and removes touch two keys each; one at a time keeps them paired. */
static pthread_mutex_t user_lock = PTHREAD_MUTEX_INITIALIZER;

/* keyfile_create writes a new random key, readable by metad's user only. */
static int
keyfile_create(const char *path, unsigned char *key)
{
	int fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		return cairn_errno(errno);
	util_random(key, META_USERKEY_LEN);
	if (write(fd, key, META_USERKEY_LEN) != META_USERKEY_LEN ||
	    fsync(fd) != 0)
		rc = CAIRN_EIO;
	close(fd);
	if (rc != 0)
		unlink(path);
	else
		log_info("%s: new key for user secrets", path);
	return rc;
}

/* keyfile_read reads the key; refuses a file others may read. */
static int
keyfile_read(const char *path, int fd, unsigned char *key)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return cairn_errno(errno);
	if ((st.st_mode & 077) != 0) {
		log_warnx("%s: readable by others; refusing it (chmod 600)",
		    path);
		return CAIRN_EACCES;
	}
	if (read(fd, key, META_USERKEY_LEN) != META_USERKEY_LEN) {
		log_warnx("%s: not a %d-byte key", path, META_USERKEY_LEN);
		return CAIRN_EIO;
	}
	return 0;
}

int
meta_user_key_load(const char *dir, unsigned char *key)
{
	char path[PATH_MAX];
	int fd, rc;

	if (snprintf(path, sizeof(path), "%s/%s", dir, USER_KEYFILE) >=
	    (int)sizeof(path))
		return CAIRN_ETOOBIG;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			return cairn_errno(errno);
		return keyfile_create(path, key);
	}
	rc = keyfile_read(path, fd, key);
	close(fd);
	return rc;
}

/* seal encrypts secret into out (len + SEAL_OVERHEAD bytes). */
static int
seal(const unsigned char *key, struct proto_str ak, struct proto_str secret,
    unsigned char *out)
{
	EVP_CIPHER_CTX *ctx;
	int n, ok;

	util_random(out, SEAL_NONCE);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return CAIRN_ENOMEM;
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, out) == 1 &&
	    EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)ak.ps_ptr,
	    (int)ak.ps_len) == 1 &&
	    EVP_EncryptUpdate(ctx, out + SEAL_NONCE, &n,
	    (const unsigned char *)secret.ps_ptr, (int)secret.ps_len) == 1 &&
	    EVP_EncryptFinal_ex(ctx, out + SEAL_NONCE + n, &n) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG,
	    out + SEAL_NONCE + secret.ps_len) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : CAIRN_EINTERNAL;
}

/* unseal decrypts and authenticates a sealed secret into out. */
static int
unseal(const unsigned char *key, struct proto_str ak, struct proto_str sealed,
    char *out, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)sealed.ps_ptr;
	unsigned char tag[SEAL_TAG];
	EVP_CIPHER_CTX *ctx;
	int n, ok;

	if (sealed.ps_len < SEAL_OVERHEAD)
		return CAIRN_EINTERNAL;
	*outlen = sealed.ps_len - SEAL_OVERHEAD;
	memcpy(tag, s + SEAL_NONCE + *outlen, SEAL_TAG);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return CAIRN_ENOMEM;
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, s) == 1 &&
	    EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)ak.ps_ptr,
	    (int)ak.ps_len) == 1 &&
	    EVP_DecryptUpdate(ctx, (unsigned char *)out, &n, s + SEAL_NONCE,
	    (int)*outlen) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG, tag) == 1 &&
	    EVP_DecryptFinal_ex(ctx, (unsigned char *)out + n, &n) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		log_warnx("a user secret does not decrypt: wrong %s?",
		    USER_KEYFILE);
	return ok ? 0 : CAIRN_EINTERNAL;
}

/* user_key writes tag followed by s into buf; returns the length. */
static size_t
user_key(char *buf, char tag, struct proto_str s)
{
	buf[0] = tag;
	memcpy(buf + 1, s.ps_ptr, s.ps_len);
	return 1 + s.ps_len;
}

/* chars_ok tells whether s is min..max bytes, each in the set allowed. */
static bool
chars_ok(struct proto_str s, size_t min, size_t max, const char *extra)
{
	size_t i;

	if (s.ps_len < min || s.ps_len > max)
		return false;
	for (i = 0; i < s.ps_len; i++)
		if (!isalnum((unsigned char)s.ps_ptr[i]) &&
		    strchr(extra, s.ps_ptr[i]) == NULL)
			return false;
	return true;
}

/* user_check applies the rules of user names, access keys and secrets. */
static int
user_check(const struct msg_user *u)
{
	if (!chars_ok(u->u_name, 1, PROTO_USERMAX, "+=,.@_-") ||
	    !chars_ok(u->u_access_key, 3, PROTO_SECRETMAX, "") ||
	    !chars_ok(u->u_secret, 8, USER_SECRETMAX, "+/=_-"))
		return CAIRN_EINVAL;
	return 0;
}

/* user_read reads and unpacks the record of a user name into u (pointing
 * into u8 and *val, which the caller frees). */
static int
user_read(struct meta_db *db, struct proto_str name, msgpack_unpacked *u8,
    char **val, struct msg_user *u)
{
	char key[USER_KEYLEN];
	size_t vlen;
	int rc;

	*val = NULL;
	if (meta_db_check_name(name, PROTO_USERMAX) != 0)
		return CAIRN_EINVAL;
	rc = meta_db_get(db, key, user_key(key, META_K_USER, name), val,
	    &vlen);
	if (rc == CAIRN_ENOENT)
		return CAIRN_ENOUSER;
	if (rc != 0)
		return rc;
	if (msgpack_unpack_next(u8, *val, vlen, NULL) !=
	    MSGPACK_UNPACK_SUCCESS || msg_user_unpack(&u8->data, u) != 0)
		return CAIRN_EINTERNAL;
	return 0;
}

/* user_batch adds the user's record and, with ak, its access key entry. */
static void
user_batch(leveldb_writebatch_t *b, const struct msg_user *u, bool ak)
{
	char key[USER_KEYLEN];
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msg_user_pack(&pk, u);
	leveldb_writebatch_put(b, key, user_key(key, META_K_USER, u->u_name),
	    sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	if (ak)
		leveldb_writebatch_put(b, key, user_key(key, META_K_ACCESS,
		    u->u_access_key), u->u_name.ps_ptr, u->u_name.ps_len);
}

/* batch_write writes b, synced, and destroys it. */
static int
batch_write(struct meta_db *db, leveldb_writebatch_t *b)
{
	char *err = NULL;

	meta_db_lwrite(db, b, &err);
	leveldb_writebatch_destroy(b);
	return err != NULL ? meta_db_fail(db, "users", err) : 0;
}

/* user_absent returns 0 if neither the name nor the access key is used. */
static int
user_absent(struct meta_db *db, const struct msg_user *u)
{
	char key[USER_KEYLEN], *val;
	size_t vlen;
	int rc;

	rc = meta_db_get(db, key, user_key(key, META_K_USER, u->u_name), &val,
	    &vlen);
	if (rc == CAIRN_ENOENT)
		rc = meta_db_get(db, key, user_key(key, META_K_ACCESS,
		    u->u_access_key), &val, &vlen);
	if (rc == 0) {
		leveldb_free(val);
		return CAIRN_EUSEREXISTS;
	}
	return rc == CAIRN_ENOENT ? 0 : rc;
}

/* user_add stores a new user with its secret sealed and a fresh id. */
static int
user_add(struct meta_db *db, const unsigned char *key, struct msg_user *u)
{
	unsigned char sealed[PROTO_SECRETMAX], id[PROTO_OWNERMAX / 2];
	char idhex[PROTO_OWNERMAX + 1];
	int rc;

	if ((rc = user_check(u)) != 0)
		return rc;
	util_random(id, sizeof(id));
	util_hex(idhex, id, sizeof(id));
	u->u_id = proto_str_c(idhex);
	if ((rc = seal(key, u->u_access_key, u->u_secret, sealed)) != 0)
		return rc;
	u->u_secret.ps_ptr = (const char *)sealed;
	u->u_secret.ps_len += SEAL_OVERHEAD;
	u->u_disabled = false;
	if (u->u_created_ns == 0)
		u->u_created_ns = util_now_ns();
	pthread_mutex_lock(&user_lock);
	if ((rc = user_absent(db, u)) == 0) {
		leveldb_writebatch_t *b = leveldb_writebatch_create();

		user_batch(b, u, true);
		rc = batch_write(db, b);
	}
	pthread_mutex_unlock(&user_lock);
	explicit_bzero(sealed, sizeof(sealed));
	return rc;
}

/* user_get packs the user of an access key with its secret in clear. */
static int
user_get(struct meta_db *db, const unsigned char *key, struct proto_str ak,
    msgpack_packer *reply)
{
	char k[USER_KEYLEN], *name, *val = NULL, secret[PROTO_SECRETMAX];
	struct proto_str n;
	struct msg_user u;
	msgpack_unpacked u8;
	size_t nlen, slen;
	int rc;

	if (meta_db_check_name(ak, PROTO_SECRETMAX) != 0)
		return CAIRN_EINVAL;
	rc = meta_db_get(db, k, user_key(k, META_K_ACCESS, ak), &name, &nlen);
	if (rc != 0)
		return rc == CAIRN_ENOENT ? CAIRN_ENOUSER : rc;
	n.ps_ptr = name;
	n.ps_len = nlen;
	msgpack_unpacked_init(&u8);
	if ((rc = user_read(db, n, &u8, &val, &u)) == 0 &&
	    (rc = unseal(key, u.u_access_key, u.u_secret, secret, &slen)) ==
	    0) {
		u.u_secret.ps_ptr = secret;
		u.u_secret.ps_len = slen;
		msg_user_pack(reply, &u);
	}
	explicit_bzero(secret, sizeof(secret));
	msgpack_unpacked_destroy(&u8);
	if (val != NULL)
		leveldb_free(val);
	leveldb_free(name);
	return rc;
}

/* user_iter_count counts the user records from it's position on. */
static uint32_t
user_iter_count(leveldb_iterator_t *it)
{
	const char *k;
	uint32_t n = 0;
	size_t klen;

	for (; leveldb_iter_valid(it); leveldb_iter_next(it)) {
		k = leveldb_iter_key(it, &klen);
		if (klen == 0 || k[0] != META_K_USER)
			break;
		n++;
	}
	return n;
}

/* user_list packs every user, without secrets, in name order. */
static int
user_list(struct meta_db *db, msgpack_packer *reply)
{
	const char pfx = META_K_USER, *val;
	leveldb_iterator_t *it;
	struct msg_user u;
	msgpack_unpacked u8;
	uint32_t i, n;
	size_t vlen;

	pthread_mutex_lock(&user_lock);
	it = leveldb_create_iterator(db->md_db, db->md_read);
	leveldb_iter_seek(it, &pfx, 1);
	n = user_iter_count(it);
	msgpack_pack_array(reply, 1);
	msgpack_pack_array(reply, n);
	msgpack_unpacked_init(&u8);
	for (i = 0, leveldb_iter_seek(it, &pfx, 1); i < n;
	    i++, leveldb_iter_next(it)) {
		val = leveldb_iter_value(it, &vlen);
		if (msgpack_unpack_next(&u8, val, vlen, NULL) !=
		    MSGPACK_UNPACK_SUCCESS || msg_user_unpack(&u8.data, &u) != 0)
			memset(&u, 0, sizeof(u));	/* never: we wrote it */
		u.u_secret.ps_len = 0;
		msg_user_pack(reply, &u);
	}
	msgpack_unpacked_destroy(&u8);
	leveldb_iter_destroy(it);
	pthread_mutex_unlock(&user_lock);
	return 0;
}

/* user_change removes the user (del) or sets its disabled flag. */
static int
user_change(struct meta_db *db, struct proto_str name, bool del,
    bool disabled)
{
	leveldb_writebatch_t *b;
	char key[USER_KEYLEN], *val;
	struct msg_user u;
	msgpack_unpacked u8;
	int rc;

	msgpack_unpacked_init(&u8);
	pthread_mutex_lock(&user_lock);
	if ((rc = user_read(db, name, &u8, &val, &u)) == 0) {
		b = leveldb_writebatch_create();
		u.u_disabled = disabled;
		if (del) {
			leveldb_writebatch_delete(b, key,
			    user_key(key, META_K_USER, u.u_name));
			leveldb_writebatch_delete(b, key,
			    user_key(key, META_K_ACCESS, u.u_access_key));
		} else
			user_batch(b, &u, false);
		rc = batch_write(db, b);
	}
	pthread_mutex_unlock(&user_lock);
	msgpack_unpacked_destroy(&u8);
	if (val != NULL)
		leveldb_free(val);
	return rc;
}

int
meta_user_dispatch(struct meta_db *db, const unsigned char *key,
    const struct proto_msg *req, msgpack_packer *reply)
{
	struct msg_user_state us;
	struct msg_user u;
	struct msg_name n;
	int rc;

	switch (req->pm_type) {
	case MSG_META_USER_ADD:
		if (msg_user_unpack(req->pm_payload, &u) != 0)
			return CAIRN_EPROTO;
		rc = user_add(db, key, &u);
		break;
	case MSG_META_USER_GET:
		if (msg_name_unpack(req->pm_payload, &n) != 0)
			return CAIRN_EPROTO;
		return user_get(db, key, n.n_name, reply);
	case MSG_META_USER_LIST:
		return user_list(db, reply);
	case MSG_META_USER_REMOVE:
		if (msg_name_unpack(req->pm_payload, &n) != 0)
			return CAIRN_EPROTO;
		rc = user_change(db, n.n_name, true, false);
		break;
	default:
		if (msg_user_state_unpack(req->pm_payload, &us) != 0)
			return CAIRN_EPROTO;
		rc = user_change(db, us.us_name, false, us.us_disabled);
		break;
	}
	if (rc == 0)
		proto_pack_nil(reply);
	return rc;
}
