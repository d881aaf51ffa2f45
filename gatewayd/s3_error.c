/* s3_error.c - every S3 error gatewayd answers with, from one table */
#include "config.h"

#include "errors.h"
#include "gatewayd.h"

struct s3_error_row {
	const char	*er_code;
	int		 er_status;
	const char	*er_message;
};

static const struct s3_error_row s3_errors[S3E__COUNT] = {
	[S3E_NONE] = { "OK", 200, "OK" },
	[S3E_ACCESS_DENIED] = { "AccessDenied", 403, "Access Denied" },
	[S3E_AUTH_HEADER_MALFORMED] = { "AuthorizationHeaderMalformed", 400,
	    "The authorization header is malformed." },
	[S3E_BAD_DIGEST] = { "BadDigest", 400, "The Content-MD5 you "
	    "specified did not match what we received." },
	[S3E_BUCKET_EXISTS] = { "BucketAlreadyOwnedByYou", 409, "Your "
	    "previous request to create the named bucket succeeded and you "
	    "already own it." },
	[S3E_BUCKET_NOT_EMPTY] = { "BucketNotEmpty", 409, "The bucket you "
	    "tried to delete is not empty" },
	[S3E_CONTENT_SHA256_MISMATCH] = { "XAmzContentSHA256Mismatch", 400,
	    "The provided 'x-amz-content-sha256' header does not match what "
	    "was computed." },
	[S3E_ENTITY_TOO_LARGE] = { "EntityTooLarge", 400, "Your proposed "
	    "upload exceeds the maximum allowed object size." },
	[S3E_INCOMPLETE_BODY] = { "IncompleteBody", 400, "You did not "
	    "provide the number of bytes specified by the Content-Length "
	    "HTTP header." },
	[S3E_INTERNAL] = { "InternalError", 500, "We encountered an "
	    "internal error. Please try again." },
	[S3E_INVALID_ACCESS_KEY] = { "InvalidAccessKeyId", 403, "The AWS "
	    "access key ID you provided does not exist in our records." },
	[S3E_INVALID_ARGUMENT] = { "InvalidArgument", 400,
	    "Invalid Argument" },
	[S3E_INVALID_BUCKET_NAME] = { "InvalidBucketName", 400, "The "
	    "specified bucket is not valid." },
	[S3E_INVALID_DIGEST] = { "InvalidDigest", 400, "The Content-MD5 you "
	    "specified is not valid." },
	[S3E_INVALID_RANGE] = { "InvalidRange", 416, "The requested range "
	    "is not satisfiable" },
	[S3E_INVALID_REQUEST] = { "InvalidRequest", 400,
	    "Invalid Request" },
	[S3E_KEY_TOO_LONG] = { "KeyTooLongError", 400, "Your key is too "
	    "long" },
	[S3E_MALFORMED_XML] = { "MalformedXML", 400, "The XML you provided "
	    "was not well-formed or did not validate against our published "
	    "schema." },
	[S3E_METHOD_NOT_ALLOWED] = { "MethodNotAllowed", 405, "The "
	    "specified method is not allowed against this resource." },
	[S3E_MISSING_CONTENT_LENGTH] = { "MissingContentLength", 411, "You "
	    "must provide the Content-Length HTTP header." },
	[S3E_MISSING_SECURITY_HEADER] = { "MissingSecurityHeader", 400,
	    "Your request was missing a required header." },
	[S3E_NO_SUCH_BUCKET] = { "NoSuchBucket", 404, "The specified bucket "
	    "does not exist" },
	[S3E_NO_SUCH_KEY] = { "NoSuchKey", 404, "The specified key does not "
	    "exist." },
	[S3E_NOT_IMPLEMENTED] = { "NotImplemented", 501, "A header you "
	    "provided implies functionality that is not implemented" },
	[S3E_REQUEST_TIME_TOO_SKEWED] = { "RequestTimeTooSkewed", 403, "The "
	    "difference between the request time and the server's time is "
	    "too large." },
	[S3E_SERVICE_UNAVAILABLE] = { "ServiceUnavailable", 503, "Please "
	    "reduce your request rate." },
	[S3E_SIGNATURE_MISMATCH] = { "SignatureDoesNotMatch", 403, "The "
	    "request signature we calculated does not match the signature "
	    "you provided. Check your key and signing method." },
	[S3E_SLOW_DOWN] = { "SlowDown", 503, "Please reduce your request "
	    "rate." },
	[S3E_INVALID_URI] = { "InvalidURI", 400, "Couldn't parse the "
	    "specified URI." },
	[S3E_PRECONDITION_FAILED] = { "PreconditionFailed", 412, "At least "
	    "one of the pre-conditions you specified did not hold" },
	[S3E_COPY_TO_ITSELF] = { "InvalidRequest", 400, "This copy request "
	    "is illegal because it is trying to copy an object to itself "
	    "without changing the object's metadata, storage class, website "
	    "redirect location or encryption attributes." },
	[S3E_INVALID_TAG] = { "InvalidTag", 400, "The tag provided was not a "
	    "valid tag." },
	[S3E_BAD_REQUEST] = { "BadRequest", 400, "Bad Request" },
	[S3E_METADATA_TOO_LARGE] = { "MetadataTooLarge", 400, "Your metadata "
	    "headers exceed the maximum allowed metadata size." },
	[S3E_HEADERS_TOO_LARGE] = { "RequestHeaderSectionTooLarge", 400,
	    "Your request header section exceeds the maximum allowed size." },
	[S3E_AUTH_QUERY_PARAMS] = { "AuthorizationQueryParametersError",
	    400, "Query-string authentication version 4 requires the "
	    "X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, "
	    "X-Amz-SignedHeaders, and X-Amz-Expires parameters." },
	[S3E_REQUEST_EXPIRED] = { "AccessDenied", 403,
	    "Request has expired" },
	[S3E_INVALID_CHUNK_SIZE] = { "InvalidChunkSizeError", 403, "Only the "
	    "last chunk is allowed to have a size less than 8192 bytes" },
	[S3E_NO_SUCH_UPLOAD] = { "NoSuchUpload", 404, "The specified upload "
	    "does not exist. The upload ID may be invalid, or the upload may "
	    "have been aborted or completed." },
	[S3E_INVALID_PART] = { "InvalidPart", 400, "One or more of the "
	    "specified parts could not be found.  The part may not have been "
	    "uploaded, or the specified entity tag may not match the part's "
	    "entity tag." },
	[S3E_INVALID_PART_ORDER] = { "InvalidPartOrder", 400, "The list of "
	    "parts was not in ascending order. Parts must be ordered by part "
	    "number." },
	[S3E_ENTITY_TOO_SMALL] = { "EntityTooSmall", 400, "Your proposed "
	    "upload is smaller than the minimum allowed object size." },
	[S3E_INVALID_PART_NUMBER] = { "InvalidPartNumber", 416, "The "
	    "requested partnumber is not satisfiable" },
	[S3E_KEY_DISABLED] = { "InvalidAccessKeyId", 403, "The AWS Access "
	    "Key Id you provided is not active." },
	[S3E_BUCKET_TAKEN] = { "BucketAlreadyExists", 409, "The requested "
	    "bucket name is not available. The bucket namespace is shared by "
	    "all users of the system. Please select a different name and try "
	    "again." },
	[S3E_MALFORMED_POLICY] = { "MalformedPolicy", 400, "Policies must "
	    "be valid JSON and the first byte must be '{'" },
	[S3E_NO_SUCH_POLICY] = { "NoSuchBucketPolicy", 404, "The bucket "
	    "policy does not exist" },
	[S3E_MALFORMED_ACL] = { "MalformedACLError", 400, "The XML you "
	    "provided was not well-formed or did not validate against our "
	    "published schema" },
	[S3E_ACCESS_FORBIDDEN] = { "AccessForbidden", 403, "CORSResponse: "
	    "This CORS request is not allowed." },
	[S3E_NO_SUCH_TAG_SET] = { "NoSuchTagSet", 404, "The TagSet does not "
	    "exist" },
	[S3E_NO_SUCH_CORS] = { "NoSuchCORSConfiguration", 404, "The CORS "
	    "configuration does not exist" },
	[S3E_NO_SUCH_REPLICATION] = { "ReplicationConfigurationNotFoundError",
	    404, "The replication configuration was not found" },
	[S3E_NO_SUCH_VERSION] = { "NoSuchVersion", 404, "The specified "
	    "version does not exist." },
	[S3E_INVALID_VERSION] = { "InvalidArgument", 400, "Invalid version "
	    "id specified" },
	[S3E_INVALID_BUCKET_STATE] = { "InvalidBucketState", 409, "The "
	    "request is not valid with the current state of the bucket." },
	[S3E_NO_LOCK_CONFIG] = { "ObjectLockConfigurationNotFoundError", 404,
	    "Object Lock configuration does not exist for this bucket" },
	[S3E_NO_OBJECT_LOCK] = { "NoSuchObjectLockConfiguration", 404, "The "
	    "specified object does not have a ObjectLock configuration" },
	[S3E_LOCK_MISSING] = { "InvalidRequest", 400, "Bucket is missing "
	    "Object Lock Configuration" },
	[S3E_NO_SUCH_LIFECYCLE] = { "NoSuchLifecycleConfiguration", 404,
	    "The lifecycle configuration does not exist" },
};

static const struct s3_error_row *
row(enum s3_err e)
{
	if ((int)e < 0 || e >= S3E__COUNT || s3_errors[e].er_code == NULL)
		e = S3E_INTERNAL;
	return &s3_errors[e];
}

const char *
s3_error_code(enum s3_err e)
{
	return row(e)->er_code;
}

int
s3_error_status(enum s3_err e)
{
	return row(e)->er_status;
}

const char *
s3_error_message(enum s3_err e)
{
	return row(e)->er_message;
}

enum s3_err
s3_error_from(int rc)
{
	switch (rc) {
	case CAIRN_ENOBUCKET:		return S3E_NO_SUCH_BUCKET;
	case CAIRN_ENOKEY:		return S3E_NO_SUCH_KEY;
	case CAIRN_EBUCKETEXISTS:	return S3E_BUCKET_EXISTS;
	case CAIRN_EBUCKETNOTEMPTY:	return S3E_BUCKET_NOT_EMPTY;
	case CAIRN_ETOOBIG:		return S3E_ENTITY_TOO_LARGE;
	case CAIRN_EINVAL:		return S3E_INVALID_ARGUMENT;
	case CAIRN_EPRECONDITION:	return S3E_PRECONDITION_FAILED;
	case CAIRN_ENOUPLOAD:		return S3E_NO_SUCH_UPLOAD;
	case CAIRN_EBADPART:		return S3E_INVALID_PART;
	case CAIRN_EPARTORDER:		return S3E_INVALID_PART_ORDER;
	case CAIRN_EPARTSMALL:		return S3E_ENTITY_TOO_SMALL;
	case CAIRN_ENOUSER:		return S3E_INVALID_ACCESS_KEY;
	case CAIRN_EACCES:		return S3E_ACCESS_DENIED;
	case CAIRN_ENOVERSION:		return S3E_NO_SUCH_VERSION;
	case CAIRN_EMARKER:		return S3E_METHOD_NOT_ALLOWED;
	case CAIRN_ELOCKED:		return S3E_ACCESS_DENIED;
	case CAIRN_EQUORUM:
	case CAIRN_EUNAVAIL:
	case CAIRN_ETIMEDOUT:
	case CAIRN_ENOSPC:		return S3E_SERVICE_UNAVAILABLE;
	case CAIRN_ENOMEM:		return S3E_SLOW_DOWN;
	default:			return S3E_INTERNAL;
	}
}
