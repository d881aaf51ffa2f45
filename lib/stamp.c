/* stamp.c - metad's record stamps: a counter for each hash of an object's
 * name, in shared memory */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"
#include "stamp.h"
#include "util.h"

#define STAMP_MAGIC	0x636169726e535431ull	/* "cairnST1" */

/* The header fills a cache line of its own: the counters change often. */
struct stamp_hdr {
	uint64_t		h_magic;
	uint32_t		h_slots;
	uint32_t		h_pad;
	_Atomic uint64_t	h_epoch;	/* odd: closed */
	char			h_rest[40];
};

struct stamp_tab {
	struct stamp_hdr	*t_hdr;
	_Atomic uint64_t	*t_slot;
	size_t			 t_len;
	char			 t_name[STAMP_NAMEMAX];
};

#define STAMP_LEN	(sizeof(struct stamp_hdr) + \
			 (size_t)STAMP_SLOTS * sizeof(uint64_t))

void
stamp_name(char buf[STAMP_NAMEMAX], const char *url)
{
	snprintf(buf, STAMP_NAMEMAX, "/cairn-stamps-%08x",
	    (unsigned)util_hash(url, strlen(url)));
}

static struct stamp_tab *
tab_map(int fd, const char *name, int prot)
{
	struct stamp_tab *t;
	void *p;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((p = mmap(NULL, STAMP_LEN, prot, MAP_SHARED, fd, 0)) ==
	    MAP_FAILED) {
		log_warn("mmap %s", name);
		free(t);
		return NULL;
	}
	t->t_hdr = p;
	t->t_slot = (_Atomic uint64_t *)(t->t_hdr + 1);
	t->t_len = STAMP_LEN;
	snprintf(t->t_name, sizeof(t->t_name), "%s", name);
	return t;
}

/*
 * table_size gives the object of fd the table's size, with its memory
 * allocated now: metad writes any counter, and a page that /dev/shm had
 * no room for would kill it with SIGBUS.  A table of another size is
 * cleared first.
 */
static int
table_size(int fd, const char *name)
{
	struct stat st;
	int rv;

	if (fstat(fd, &st) != 0)
		return CAIRN_EIO;
	if ((size_t)st.st_size != STAMP_LEN && st.st_size != 0 &&
	    ftruncate(fd, 0) != 0)
		return CAIRN_EIO;
	if ((rv = posix_fallocate(fd, 0, (off_t)STAMP_LEN)) != 0) {
		log_warnx("%s: no room for the record stamps: %s", name,
		    strerror(rv));
		return CAIRN_ENOSPC;
	}
	return 0;
}

int
stamp_create(struct stamp_tab **tp, const char *url)
{
	char name[STAMP_NAMEMAX];
	struct stamp_tab *t = NULL;
	uint64_t e;
	int fd, rc;

	*tp = NULL;
	stamp_name(name, url);
	if ((fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("shm_open %s", name);
		return CAIRN_EIO;
	}
	if ((rc = table_size(fd, name)) == 0 &&
	    (t = tab_map(fd, name, PROT_READ | PROT_WRITE)) == NULL)
		rc = CAIRN_ENOMEM;
	close(fd);
	if (rc != 0)
		return rc;
	if (t->t_hdr->h_magic != STAMP_MAGIC ||
	    t->t_hdr->h_slots != STAMP_SLOTS) {
		memset(t->t_hdr, 0, STAMP_LEN);
		t->t_hdr->h_slots = STAMP_SLOTS;
		atomic_store(&t->t_hdr->h_epoch, 2);
		t->t_hdr->h_magic = STAMP_MAGIC;
	} else {
		/* A table left by a metad that died: a new epoch. */
		e = atomic_load(&t->t_hdr->h_epoch);
		atomic_store(&t->t_hdr->h_epoch, (e | 1) + 1);
	}
	*tp = t;
	return 0;
}

void
stamp_close(struct stamp_tab *t)
{
	if (t == NULL)
		return;
	atomic_fetch_or(&t->t_hdr->h_epoch, 1);
	if (shm_unlink(t->t_name) != 0)
		log_warn("shm_unlink %s", t->t_name);
	stamp_unmap(t);
}

void
stamp_bump(struct stamp_tab *t, const void *name, size_t len)
{
	atomic_fetch_add(&t->t_slot[stamp_slot(util_hash(name, len))], 1);
}

int
stamp_open(struct stamp_tab **tp, const char *url)
{
	char name[STAMP_NAMEMAX];
	struct stamp_tab *t;
	struct stat st;
	int fd;

	*tp = NULL;
	stamp_name(name, url);
	if ((fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0)) == -1)
		return errno == ENOENT ? CAIRN_ENOENT :
		    errno == EACCES ? CAIRN_EACCES : CAIRN_EIO;
	/* Smaller while metad sizes it: a read past its end is SIGBUS. */
	if (fstat(fd, &st) != 0 || (size_t)st.st_size != STAMP_LEN) {
		close(fd);
		return CAIRN_ENOENT;
	}
	t = tab_map(fd, name, PROT_READ);
	close(fd);
	if (t == NULL)
		return CAIRN_ENOMEM;
	if (t->t_hdr->h_magic != STAMP_MAGIC ||
	    t->t_hdr->h_slots != STAMP_SLOTS) {
		stamp_unmap(t);
		return CAIRN_ENOENT;
	}
	*tp = t;
	return 0;
}

void
stamp_unmap(struct stamp_tab *t)
{
	if (t == NULL)
		return;
	munmap(t->t_hdr, t->t_len);
	free(t);
}

uint32_t
stamp_slot(uint32_t h)
{
	return h & (STAMP_SLOTS - 1);
}

bool
stamp_read(const struct stamp_tab *t, uint32_t slot, struct stamp *s)
{
	s->s_epoch = atomic_load(&t->t_hdr->h_epoch);
	s->s_count = atomic_load(&t->t_slot[slot]);
	s->s_slot = slot;
	return (s->s_epoch & 1) == 0;
}

bool
stamp_same(const struct stamp_tab *t, const struct stamp *s)
{
	return atomic_load(&t->t_slot[s->s_slot]) == s->s_count &&
	    atomic_load(&t->t_hdr->h_epoch) == s->s_epoch;
}
