/* crc.c - the block checksum of shard data (CRC32C, from isa-l) */
#include "config.h"

#include <limits.h>

#include <isa-l.h>

#include "crc.h"

/*
 * isa-l's crc32_iscsi takes an int length and returns the register without
 * the final inversion, so chain calls in pieces below INT_MAX and invert
 * once at the end.
 */
uint32_t
crc_32c(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t crc = 0xffffffffu;
	size_t n;

	while (len > 0) {
		n = len > (size_t)INT_MAX ? (size_t)1 << 30 : len;
		crc = crc32_iscsi((unsigned char *)p, (int)n, crc);
		p += n;
		len -= n;
	}
	return ~crc;
}
