/* errors.c - text for the shared error enum */
#include "config.h"

#include <string.h>

#include "errors.h"

const char *
cairn_strerror(int err)
{
	switch (err) {
	case CAIRN_EOK:			return "success";
	case CAIRN_EPROTO:		return "malformed message";
	case CAIRN_EVERSION:		return "protocol version mismatch";
	case CAIRN_EMSGTYPE:		return "message type not handled";
	case CAIRN_EUNAVAIL:		return "peer daemon unavailable";
	case CAIRN_ECHECKSUM:		return "checksum mismatch";
	case CAIRN_ENOBUCKET:		return "no such bucket";
	case CAIRN_ENOKEY:		return "no such key";
	case CAIRN_EBUCKETEXISTS:	return "bucket already exists";
	case CAIRN_EBUCKETNOTEMPTY:	return "bucket not empty";
	case CAIRN_EQUORUM:		return "erasure quorum not reached";
	case CAIRN_ETOOBIG:		return "value too large";
	case CAIRN_EINTERNAL:		return "internal error";
	case CAIRN_ECONF:		return "invalid configuration";
	case CAIRN_EPRECONDITION:	return "precondition failed";
	case CAIRN_ENOCONF:		return "no such bucket configuration";
	case CAIRN_ENOWAIT:		return "a call would have to wait";
	case CAIRN_ENOARENA:		return "shared stripe buffers out of reach";
	case CAIRN_ENOUPLOAD:		return "no such upload";
	case CAIRN_EBADPART:		return "invalid part";
	case CAIRN_EPARTORDER:		return "parts not in ascending order";
	case CAIRN_EPARTSMALL:		return "part too small";
	case CAIRN_ENOUSER:		return "no such user";
	case CAIRN_EUSEREXISTS:		return "user or access key exists";
	case CAIRN_ENOVERSION:		return "no such version";
	case CAIRN_EMARKER:		return "the version is a delete marker";
	case CAIRN_ELOCKED:		return "the version is locked";
	case CAIRN_ENOLOCK:		return "the bucket has no object lock";
	}
	if (err < 0 && err > -1000)
		return strerror(-err);
	return "unknown error";
}

int
cairn_errno(int errnum)
{
	return errnum > 0 ? -errnum : CAIRN_EIO;
}
