/* meta_upload_ck.c - the checksums of parts, kept through complete */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include <msgpack.h>

#include "errors.h"
#include "metad.h"
#include "proto.h"

#define CKSUM_PREFIX	"x-amz-checksum-"
#define CKSUM_PREFIXLEN	(sizeof(CKSUM_PREFIX) - 1)

bool
meta_upload_part_cksum(const struct msg_objrec *r, struct proto_str *name,
    struct proto_str *value)
{
	uint32_t i;

	for (i = 0; i < r->or_nhdrs; i++) {
		if (r->or_hdr_name[i].ps_len <= CKSUM_PREFIXLEN ||
		    memcmp(r->or_hdr_name[i].ps_ptr, CKSUM_PREFIX,
		    CKSUM_PREFIXLEN) != 0 ||
		    r->or_hdr_value[i].ps_len > PROTO_CKSUMLEN)
			continue;
		if (name != NULL)
			*name = r->or_hdr_name[i];
		*value = r->or_hdr_value[i];
		return true;
	}
	return false;
}

/* hdr_drop removes header i of r, keeping the order of the others. */
static void
hdr_drop(struct msg_objrec *r, uint32_t i)
{
	for (; i + 1 < r->or_nhdrs; i++) {
		r->or_hdr_name[i] = r->or_hdr_name[i + 1];
		r->or_hdr_value[i] = r->or_hdr_value[i + 1];
	}
	r->or_nhdrs--;
}

/* hdr_edit replaces, adds or (empty value) drops one header of r. */
static int
hdr_edit(struct msg_objrec *r, struct proto_str name, struct proto_str value)
{
	uint32_t i;

	for (i = 0; i < r->or_nhdrs; i++)
		if (r->or_hdr_name[i].ps_len == name.ps_len &&
		    memcmp(r->or_hdr_name[i].ps_ptr, name.ps_ptr,
		    name.ps_len) == 0)
			break;
	if (value.ps_len == 0) {
		if (i < r->or_nhdrs)
			hdr_drop(r, i);
		return 0;
	}
	if (i == r->or_nhdrs) {
		if (r->or_nhdrs == PROTO_HDRMAX)
			return CAIRN_ETOOBIG;
		r->or_hdr_name[r->or_nhdrs++] = name;
	}
	r->or_hdr_value[i] = value;
	return 0;
}

int
meta_upload_hdr_edits(struct msg_objrec *r,
    const struct msg_upload_complete *cc)
{
	uint32_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < cc->cc_nhdrs; i++)
		rc = hdr_edit(r, cc->cc_hdr_name[i], cc->cc_hdr_value[i]);
	return rc;
}
