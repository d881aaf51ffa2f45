/* s3_bconf.c - stored bucket configurations: parse, store, answer, remove */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "errors.h"
#include "gatewayd.h"
#include "util.h"

#define BCONF_DEPTHMAX	16	/* deeper than any S3 configuration */

/*
 * The state of one parse: the tree built so far and the element being
 * filled.  Owned by s3_bconf_parse_text for the length of the call.
 */
struct bconf_parse {
	struct s3_bconf_node	*bp_root;
	struct s3_bconf_node	*bp_cur;
	int			 bp_depth;
	bool			 bp_bad;
};

void
s3_bconf_free(struct s3_bconf_node *n)
{
	struct s3_bconf_node *next;

	for (; n != NULL; n = next) {
		next = n->bn_next;
		s3_bconf_free(n->bn_child);
		free(n->bn_name);
		free(n->bn_text);
		free(n);
	}
}

/* node_new makes an element called name under parent (NULL: the root). */
static struct s3_bconf_node *
node_new(struct s3_bconf_node *parent, const char *name)
{
	struct s3_bconf_node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	if ((n->bn_name = strdup(name)) == NULL ||
	    (n->bn_text = strdup("")) == NULL) {
		free(n->bn_name);
		free(n);
		return NULL;
	}
	n->bn_parent = parent;
	if (parent == NULL)
		return n;
	if (parent->bn_last != NULL)
		parent->bn_last->bn_next = n;
	else
		parent->bn_child = n;
	parent->bn_last = n;
	return n;
}

struct s3_bconf_node *
s3_bconf_prepend(struct s3_bconf_node *parent, const char *name,
    const char *text)
{
	struct s3_bconf_node *n;
	char *t;

	if ((t = strdup(text)) == NULL)
		return NULL;
	if ((n = node_new(NULL, name)) == NULL) {
		free(t);
		return NULL;
	}
	free(n->bn_text);
	n->bn_text = t;
	n->bn_text_len = strlen(t);
	n->bn_parent = parent;
	n->bn_next = parent->bn_child;
	parent->bn_child = n;
	if (parent->bn_last == NULL)
		parent->bn_last = n;
	return n;
}

bool
s3_bconf_fill_id(struct s3_bconf_node *n, const char *name)
{
	unsigned char u[16];
	char text[37], id[49];

	if (s3_bconf_child(n, name) != NULL)
		return true;
	util_random(u, sizeof(u));
	u[6] = (u[6] & 0x0f) | 0x40;	/* a version 4 UUID */
	u[8] = (u[8] & 0x3f) | 0x80;
	snprintf(text, sizeof(text), "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4],
	    u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
	    u[15]);
	EVP_EncodeBlock((unsigned char *)id, (const unsigned char *)text, 36);
	return s3_bconf_prepend(n, name, id) != NULL;
}

static void
tree_start(void *arg, const char *name, const char **attrs)
{
	struct bconf_parse *bp = arg;
	struct s3_bconf_node *n;

	(void)attrs;
	if (bp->bp_bad || ++bp->bp_depth > BCONF_DEPTHMAX ||
	    (bp->bp_cur == NULL && bp->bp_root != NULL) ||
	    (n = node_new(bp->bp_cur, name)) == NULL) {
		bp->bp_bad = true;
		return;
	}
	if (bp->bp_root == NULL)
		bp->bp_root = n;
	bp->bp_cur = n;
}

static void
tree_end(void *arg, const char *name)
{
	struct bconf_parse *bp = arg;

	(void)name;
	bp->bp_depth--;
	if (!bp->bp_bad && bp->bp_cur != NULL)
		bp->bp_cur = bp->bp_cur->bn_parent;
}

static void
tree_text(void *arg, const char *s, int len)
{
	struct bconf_parse *bp = arg;
	struct s3_bconf_node *n = bp->bp_cur;
	char *p;

	if (bp->bp_bad || n == NULL)
		return;
	if ((p = realloc(n->bn_text, n->bn_text_len + (size_t)len + 1)) ==
	    NULL) {
		bp->bp_bad = true;
		return;
	}
	memcpy(p + n->bn_text_len, s, (size_t)len);
	n->bn_text_len += (size_t)len;
	p[n->bn_text_len] = '\0';
	n->bn_text = p;
}

static const struct xml_sax tree_sax = {
	tree_start, tree_end, tree_text
};

enum s3_err
s3_bconf_parse_text(const char *s, size_t len, struct s3_bconf_node **root)
{
	struct bconf_parse bp;
	enum s3_err e;

	memset(&bp, 0, sizeof(bp));
	*root = NULL;
	e = s3_xml_parse(s, len, &tree_sax, &bp);
	if (e == S3E_NONE && (bp.bp_bad || bp.bp_root == NULL))
		e = S3E_MALFORMED_XML;
	if (e != S3E_NONE) {
		s3_bconf_free(bp.bp_root);
		return e;
	}
	*root = bp.bp_root;
	return S3E_NONE;
}

enum s3_err
s3_bconf_parse(struct s3_req *r, size_t max, struct s3_bconf_node **root)
{
	enum s3_err e;
	char *body;
	size_t len;

	*root = NULL;
	if ((e = s3_body_whole(r, max, S3E_MALFORMED_XML, &body, &len)) ==
	    S3E_NONE)
		e = s3_bconf_parse_text(body, len, root);
	free(body);
	return e;
}

/* --- walking a tree ------------------------------------------------------------- */

bool
s3_bconf_is(const struct s3_bconf_node *n, const char *name)
{
	return n != NULL && strcmp(n->bn_name, name) == 0;
}

struct s3_bconf_node *
s3_bconf_child(const struct s3_bconf_node *n, const char *name)
{
	struct s3_bconf_node *c;

	for (c = n->bn_child; c != NULL; c = c->bn_next)
		if (strcmp(c->bn_name, name) == 0)
			return c;
	return NULL;
}

int
s3_bconf_count(const struct s3_bconf_node *n, const char *name)
{
	struct s3_bconf_node *c;
	int count = 0;

	for (c = n->bn_child; c != NULL; c = c->bn_next)
		count += strcmp(c->bn_name, name) == 0;
	return count;
}

bool
s3_bconf_only(const struct s3_bconf_node *n, const char *const *names)
{
	struct s3_bconf_node *c;
	size_t i;

	for (c = n->bn_child; c != NULL; c = c->bn_next) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(c->bn_name, names[i]) == 0)
				break;
		if (names[i] == NULL)
			return false;
	}
	return true;
}

bool
s3_bconf_word_in(const char *s, const char *const *words)
{
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(s, words[i]) == 0)
			return true;
	return false;
}

bool
s3_bconf_at_most_one(const struct s3_bconf_node *n, const char *const *names)
{
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (s3_bconf_count(n, names[i]) > 1)
			return false;
	return true;
}

/* --- storing and answering ------------------------------------------------------ */

/* write_node writes n canonically: elements, and the text of leaves. */
static void
write_node(struct s3_xml *x, const struct s3_bconf_node *n, bool root)
{
	const struct s3_bconf_node *c;

	if (root)
		s3_xml_open_ns(x, n->bn_name);
	else
		s3_xml_open(x, n->bn_name);
	if (n->bn_child == NULL)
		s3_xml_escape(x, n->bn_text, n->bn_text_len);
	for (c = n->bn_child; c != NULL; c = c->bn_next)
		write_node(x, c, false);
	s3_xml_close(x, n->bn_name);
}

void
s3_bconf_write(struct s3_req *r, const char *kind, const char *doc,
    size_t len, int status)
{
	struct msg_bconf bc;
	struct rpc_call c;
	int rc;

	memset(&bc, 0, sizeof(bc));
	bc.bc_bucket = r->sr_bucket;
	bc.bc_kind = proto_str_c(kind);
	bc.bc_value.ps_ptr = doc;
	bc.bc_value.ps_len = len;
	rc = backend_bconf(&r->sr_env->gw_backend, &c, doc != NULL ?
	    MSG_META_BCONF_PUT : MSG_META_BCONF_DELETE, &bc);
	rpc_call_fini(&c);
	s3_respond_rc(r, rc, status);
}

void
s3_bconf_store(struct s3_req *r, const char *kind,
    const struct s3_bconf_node *root, int status)
{
	struct s3_xml x;

	s3_xml_init(&x);
	write_node(&x, root, true);
	if (x.x_err || x.x_len > PROTO_BCONFMAX)
		s3_fail(r, x.x_err ? S3E_SLOW_DOWN : S3E_MALFORMED_XML, NULL);
	else
		s3_bconf_write(r, kind, x.x_buf, x.x_len, status);
	s3_xml_free(&x);
}

int
s3_bconf_fetch(struct s3_req *r, struct rpc_call *c, const char *kind,
    struct proto_str *doc)
{
	struct msg_bconf bc;
	int rc;

	memset(&bc, 0, sizeof(bc));
	bc.bc_bucket = r->sr_bucket;
	bc.bc_kind = proto_str_c(kind);
	rc = backend_bconf(&r->sr_env->gw_backend, c, MSG_META_BCONF_GET, &bc);
	*doc = bc.bc_value;
	return rc;
}

void
s3_bconf_answer(struct s3_req *r, const char *kind, enum s3_err missing)
{
	struct proto_str doc;
	struct rpc_call c;
	int rc;

	rc = s3_bconf_fetch(r, &c, kind, &doc);
	if (rc == CAIRN_ENOCONF)
		s3_fail(r, missing, NULL);
	else if (rc != 0)
		s3_fail_rc(r, rc);
	else
		s3_respond_xml(r, doc.ps_ptr, doc.ps_len);
	rpc_call_fini(&c);
}

int
s3_bconf_load(struct s3_req *r, const char *kind, struct s3_bconf_node **root)
{
	struct proto_str doc;
	struct rpc_call c;
	int rc;

	*root = NULL;
	rc = s3_bconf_fetch(r, &c, kind, &doc);
	if (rc == 0 && s3_bconf_parse_text(doc.ps_ptr, doc.ps_len, root) !=
	    S3E_NONE)
		rc = CAIRN_EINVAL;	/* it was checked when stored */
	rpc_call_fini(&c);
	return rc;
}

void
s3_bconf_remove(struct s3_req *r, const char *kind, int status)
{
	s3_bconf_write(r, kind, NULL, 0, status);
}

/* bconf_put parses, checks and stores (or removes) a document. */
static void
bconf_put(struct s3_req *r, const struct s3_bconf_ops *ops)
{
	struct s3_bconf_node *root;
	char msg[512] = "";
	enum s3_err e;

	if ((e = s3_bconf_parse(r, ops->bo_max, &root)) == S3E_NONE)
		e = ops->bo_check(r, root, msg, sizeof(msg));
	if (e == S3E_NONE && ops->bo_fill != NULL && !ops->bo_fill(root))
		e = S3E_SLOW_DOWN;
	if (e != S3E_NONE)
		s3_fail(r, e, e != S3E_MALFORMED_XML && msg[0] != '\0' ? msg :
		    NULL);
	else if (ops->bo_empty != NULL && ops->bo_empty(root))
		s3_bconf_remove(r, ops->bo_kind, ops->bo_put_status);
	else
		s3_bconf_store(r, ops->bo_kind, root, ops->bo_put_status);
	s3_bconf_free(root);
}

void
s3_bconf_serve(struct s3_req *r, const struct s3_bconf_ops *ops)
{
	if (s3_method_is(r, "GET") && ops->bo_get != NULL)
		ops->bo_get(r);
	else if (s3_method_is(r, "GET"))
		s3_bconf_answer(r, ops->bo_kind, ops->bo_missing);
	else if (s3_method_is(r, "PUT"))
		bconf_put(r, ops);
	else if (s3_method_is(r, "DELETE") && ops->bo_delete)
		s3_bconf_remove(r, ops->bo_kind, 204);
	else
		s3_fail(r, S3E_METHOD_NOT_ALLOWED, NULL);
}
