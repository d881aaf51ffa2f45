/* arena.h - stripe buffers in shared memory, which chunkd reads in place */
#ifndef CAIRN_ARENA_H
#define CAIRN_ARENA_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define ARENA_NAMEMAX	(PROTO_ARENAMAX + 1)	/* "/cairn-PID-RANDOM", NUL */

/*
 * gatewayd's side.  A large PUT takes its stripe buffers from here when
 * it can: a chunkd on the same host then reads its block straight from
 * the buffer (MSG_CHUNK_WRITE names the arena and the block's offset)
 * instead of from a copy sent through its socket.  The arena is a POSIX
 * shared memory object of ar_nslots slots of ar_slot bytes, mapped once
 * and readable by the same user only.  A slot gets its memory
 * (fallocate) when first taken, so that a full /dev/shm makes
 * arena_take fail instead of a later SIGBUS; it keeps it afterwards, so
 * the arena holds at most ar_nslots * ar_slot bytes.  Any thread may
 * take and give; ar_lock guards the free stack.
 */
struct arena {
	char		 ar_name[ARENA_NAMEMAX];
	int		 ar_fd;
	unsigned char	*ar_base;
	size_t		 ar_slot;
	uint32_t	 ar_nslots;
	pthread_mutex_t	 ar_lock;
	uint32_t	 ar_nfree;
	uint32_t	*ar_free;	/* a stack: the slot given last goes first */
	bool		*ar_backed;	/* the slot has its memory */
	uint64_t	 ar_retry_ms;	/* no fallocate before (monotonic) */
};

/*
 * arena_create makes an arena of nslots slots of at least slot bytes.
 * It first removes the arenas left by dead processes.  0 or an error.
 */
int arena_create(struct arena *a, size_t slot, uint32_t nslots);

/* arena_destroy unmaps the arena and removes its name. */
void arena_destroy(struct arena *a);

/*
 * arena_unlink only removes the name: for a process that exits with
 * threads still using the slots.  Those who have it mapped keep it.
 */
void arena_unlink(struct arena *a);

/* arena_take returns a free slot, or NULL if none is free or has memory. */
void *arena_take(struct arena *a);

/* arena_give returns a slot taken by arena_take. */
void arena_give(struct arena *a, void *p);

/* arena_holds tells whether p points into the arena. */
bool arena_holds(const struct arena *a, const void *p);

/* arena_offset is where p lies in the arena, in bytes. */
uint64_t arena_offset(const struct arena *a, const void *p);

/*
 * chunkd's side: the arenas of the gateways that sent writes, mapped
 * read-only on first use.  A mapping in use is held (am_refs); one that
 * is not and whose arena is gone is unmapped at the next miss, and when
 * the table is full the least recently used idle one makes room.
 */
#define ARENA_MAPMAX	8

struct arena_map {
	char			 am_name[ARENA_NAMEMAX];	/* "": free */
	const unsigned char	*am_base;
	size_t			 am_size;
	uint32_t		 am_refs;
	uint64_t		 am_used;	/* ams_clock at the last use */
};

struct arena_maps {
	pthread_mutex_t		 ams_lock;
	struct arena_map	 ams_map[ARENA_MAPMAX];
	uint64_t		 ams_clock;
};

int arena_maps_init(struct arena_maps *ams);
void arena_maps_fini(struct arena_maps *ams);

/*
 * arena_maps_get points *p at the len bytes at off in the arena called
 * name, mapping it at need, and holds the mapping until arena_maps_put.
 * CAIRN_ENOARENA when the arena cannot be mapped here (another host, or
 * another mount namespace), CAIRN_EPROTO for a bad name or range.
 */
int arena_maps_get(struct arena_maps *ams, struct proto_str name,
    uint64_t off, size_t len, const void **p, struct arena_map **mp);
void arena_maps_put(struct arena_maps *ams, struct arena_map *m);

#endif
