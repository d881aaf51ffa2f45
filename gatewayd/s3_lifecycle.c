/* s3_lifecycle.c - Put/Get/DeleteBucketLifecycleConfiguration (?lifecycle) */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "gatewayd.h"
#include "lifecycle.h"

/* lc_error maps a refusal of lib/lifecycle.c to its S3 error. */
static enum s3_err
lc_error(enum lifecycle_err e)
{
	switch (e) {
	case LIFECYCLE_OK:		return S3E_NONE;
	case LIFECYCLE_MALFORMED:	return S3E_MALFORMED_XML;
	case LIFECYCLE_INVALID_ARGUMENT: return S3E_INVALID_ARGUMENT;
	case LIFECYCLE_INVALID_REQUEST:	return S3E_INVALID_REQUEST;
	case LIFECYCLE_NOT_IMPLEMENTED:	return S3E_NOT_IMPLEMENTED;
	default:			return S3E_SLOW_DOWN;
	}
}

/*
 * integrity checks what S3 requires of this request: a Content-MD5 (which
 * s3_body_whole checked) or an additional checksum, and that the body
 * matches it.  *msg gets S3's message for a refusal that has its own.
 */
static enum s3_err
integrity(struct s3_req *r, const char *body, size_t len, const char **msg)
{
	struct s3_checksum ck;
	enum s3_err e;

	*msg = NULL;
	if (http_header(r->sr_http, "content-md5", NULL) != NULL)
		return S3E_NONE;
	if ((e = s3_checksum_init(&ck, r->sr_http, false)) != S3E_NONE)
		*msg = ck.ck_msg;
	else if (ck.ck_alg == NULL || !ck.ck_have_want) {
		e = S3E_INVALID_REQUEST;
		*msg = "Missing required header for this request: Content-MD5";
	} else {
		s3_checksum_update(&ck, body, len);
		e = s3_checksum_final(&ck, NULL, 0);
	}
	s3_checksum_free(&ck);
	return e;
}

void
s3_lifecycle_put(struct s3_req *r)
{
	char *body, msg[LIFECYCLE_MSGMAX];
	const char *why = NULL;
	struct lifecycle lc;
	enum lifecycle_err le;
	size_t len;
	enum s3_err e;

	if ((e = s3_body_whole(r, LIFECYCLE_BODYMAX, S3E_MALFORMED_XML, &body,
	    &len)) == S3E_NONE &&
	    (e = integrity(r, body, len, &why)) == S3E_NONE) {
		le = lifecycle_parse(body, len, &lc, msg, sizeof(msg));
		e = lc_error(le);
		why = msg[0] != '\0' ? msg : NULL;
		if (le == LIFECYCLE_OK)
			lifecycle_free(&lc);
	}
	if (e != S3E_NONE)
		s3_fail(r, e, why);
	else
		s3_bconf_write(r, BCONF_LIFECYCLE, body, len, 200);
	free(body);
}

void
s3_lifecycle_get(struct s3_req *r)
{
	s3_bconf_answer(r, BCONF_LIFECYCLE, S3E_NO_SUCH_LIFECYCLE);
}

void
s3_lifecycle_delete(struct s3_req *r)
{
	s3_bconf_remove(r, BCONF_LIFECYCLE, 204);
}
