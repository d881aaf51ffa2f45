/* stamp.h - metad's record stamps: a counter for each hash of an object's
 * name, in shared memory, that tells gateways on the same host whether
 * a record they kept may have changed */
#ifndef CAIRN_STAMP_H
#define CAIRN_STAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STAMP_SLOTS	(1u << 18)	/* counters; a power of two */
#define STAMP_NAMEMAX	32		/* "/cairn-stamps-HASH", NUL */

/*
 * The table is a POSIX shared memory object named for metad's listen
 * URL: a header, then STAMP_SLOTS counters of 64 bits.  metad adds one
 * to the counter of an object's name (bucket, NUL, key) after each
 * write of its latest record ("O" key, docs/meta-format.md) has
 * returned and before the write is answered.  A gateway that reads the
 * counter before it asks metad for a record, and finds it unchanged
 * later, knows that no write of that object was answered in between;
 * two names that share a counter only make each other's records look
 * changed.  The epoch changes each time metad opens the table, so that
 * what a gateway kept from before a restart is never taken as current;
 * it is odd once metad has closed the table for good.
 */
struct stamp_tab;

/* A stamp: the epoch and one counter, read before a record was read. */
struct stamp {
	uint64_t	s_epoch;
	uint64_t	s_count;
	uint32_t	s_slot;
};

/* stamp_name writes the table's name for metad's URL into buf. */
void stamp_name(char buf[STAMP_NAMEMAX], const char *url);

/*
 * metad's side.  stamp_create opens or creates the table for url and
 * starts a new epoch; 0 or an error.  stamp_close ends the epoch, unmaps
 * and removes the table.
 */
int stamp_create(struct stamp_tab **tp, const char *url);
void stamp_close(struct stamp_tab *t);

/* stamp_bump adds one to the counter of name, len bytes: bucket, NUL,
 * key.  Any thread. */
void stamp_bump(struct stamp_tab *t, const void *name, size_t len);

/*
 * The gateways' side.  stamp_open maps the table for url read-only;
 * 0, CAIRN_ENOENT while metad has none there, or another error (such
 * as CAIRN_EACCES).  stamp_unmap unmaps
 * it.
 */
int stamp_open(struct stamp_tab **tp, const char *url);
void stamp_unmap(struct stamp_tab *t);

/* stamp_slot is the counter of a name whose util_hash is h: the one
 * stamp_bump counts the writes of that name in. */
uint32_t stamp_slot(uint32_t h);

/* stamp_read reads slot's stamp into s; false once metad closed t. */
bool stamp_read(const struct stamp_tab *t, uint32_t slot, struct stamp *s);

/* stamp_same tells whether s is still current in an open t. */
bool stamp_same(const struct stamp_tab *t, const struct stamp *s);

#endif
