/* errors.h - the one error enum shared by every cairn daemon and the CLI */
#ifndef CAIRN_ERRORS_H
#define CAIRN_ERRORS_H

#include <errno.h>

/*
 * Functions return 0 or a negative enum cairn_err.  The first block mirrors
 * errno so that a failed system call converts with cairn_errno(); codes of
 * cairn's own start at -1000.  The same numbers travel in MSG_ERROR replies,
 * so never renumber an existing code: append.
 */
enum cairn_err {
	CAIRN_EOK = 0,
	CAIRN_ENOMEM = -ENOMEM,
	CAIRN_EINVAL = -EINVAL,
	CAIRN_ENOENT = -ENOENT,
	CAIRN_EEXIST = -EEXIST,
	CAIRN_EIO = -EIO,
	CAIRN_ENOSPC = -ENOSPC,
	CAIRN_EACCES = -EACCES,
	CAIRN_ETIMEDOUT = -ETIMEDOUT,
	CAIRN_ENOTEMPTY = -ENOTEMPTY,
	CAIRN_ECANCELED = -ECANCELED,

	CAIRN_EPROTO = -1000,		/* malformed message */
	CAIRN_EVERSION = -1001,		/* peer speaks another PROTO_VERSION */
	CAIRN_EMSGTYPE = -1002,		/* message type not handled here */
	CAIRN_EUNAVAIL = -1003,		/* peer daemon not reachable */
	CAIRN_ECHECKSUM = -1004,	/* stored data failed its checksum */
	CAIRN_ENOBUCKET = -1005,	/* no such bucket */
	CAIRN_ENOKEY = -1006,		/* no such key */
	CAIRN_EBUCKETEXISTS = -1007,	/* bucket already exists */
	CAIRN_EBUCKETNOTEMPTY = -1008,	/* bucket still holds objects */
	CAIRN_EQUORUM = -1009,		/* too few shards written or readable */
	CAIRN_ETOOBIG = -1010,		/* value over a configured bound */
	CAIRN_EINTERNAL = -1011,	/* broken invariant; see the log */
	CAIRN_ECONF = -1012,		/* configuration is invalid */
	CAIRN_EPRECONDITION = -1013,	/* a conditional write's condition failed */
	CAIRN_ENOCONF = -1014,		/* no such bucket configuration */
	CAIRN_ENOWAIT = -1015,		/* a call would wait, and may not */
	CAIRN_ENOARENA = -1016,		/* the sender's shared memory is out of reach */

	/* -1100..-1119: multipart uploads */
	CAIRN_ENOUPLOAD = -1100,	/* no such multipart upload */
	CAIRN_EBADPART = -1101,		/* a listed part is missing or differs */
	CAIRN_EPARTORDER = -1102,	/* parts not in ascending order */
	CAIRN_EPARTSMALL = -1103,	/* a part but the last under 5 MiB */

	/* -1140..-1159: users */
	CAIRN_ENOUSER = -1140,		/* no such user or access key */
	CAIRN_EUSEREXISTS = -1141,	/* user name or access key taken */
	/* -1120..-1139: versioning and object lock */
	CAIRN_ENOVERSION = -1120,	/* no such version of the key */
	CAIRN_EMARKER = -1121,		/* the version is a delete marker */
	CAIRN_ELOCKED = -1122,		/* object lock keeps the version */
	CAIRN_ENOLOCK = -1123,		/* the bucket has no object lock */
};

/* cairn_strerror returns a static English text for err (0 or negative). */
const char *cairn_strerror(int err);

/* cairn_errno converts a positive errno value to a negative enum cairn_err. */
int cairn_errno(int errnum);

#endif
