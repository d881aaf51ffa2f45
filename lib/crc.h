/* crc.h - the block checksum of shard data (CRC32C, from isa-l) */
#ifndef CAIRN_CRC_H
#define CAIRN_CRC_H

#include <stddef.h>
#include <stdint.h>

/* crc_32c returns the standard CRC32C ("123456789" -> 0xe3069283). */
uint32_t crc_32c(const void *buf, size_t len);

#endif
