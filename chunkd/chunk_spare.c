/* chunk_spare.c - emptied shard files kept for new shards */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1		/* renameat2(2) */
#endif
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chunkd.h"
#include "errors.h"
#include "log.h"

/*
 * A deleted shard's file is emptied and kept in spare/ instead of being
 * unlinked, and a new shard's temporary file is a spare renamed, when
 * there is one.  Creating a file allocates an inode; on ext4 without a
 * journal the allocator passes over every inode freed in the last minute
 * or more, reading each one's inode table entry, so after a delete of
 * many thousand files each file created cost about 0.6 ms of CPU: 64 KiB
 * PUTs spent over half of all CPU there.  A spare keeps its inode and
 * holds no data blocks, so space is freed as before.  See
 * docs/shard-format.md.
 */

#define SPARE_DIR	"spare"

/* spare_name writes the relative path of spare n. */
static void
spare_name(char out[CHUNK_SPARENAME], uint64_t n)
{
	snprintf(out, CHUNK_SPARENAME, SPARE_DIR "/%" PRIu64, n);
}

/* spare_push files spare n; the caller holds the lock. */
static void
spare_push(struct chunk_store *cs, uint64_t n)
{
	cs->cs_spare[cs->cs_nspare++] = n;
}

/*
 * spare_reserve claims room for one more spare and a name for it, or
 * returns false when the spares and those being made fill the pool.
 */
static bool
spare_reserve(struct chunk_store *cs, uint64_t *n)
{
	bool ok;

	pthread_mutex_lock(&cs->cs_spare_mu);
	ok = cs->cs_nspare + cs->cs_spare_busy < cs->cs_spare_max;
	if (ok) {
		cs->cs_spare_busy++;
		*n = cs->cs_spare_next++;
	}
	pthread_mutex_unlock(&cs->cs_spare_mu);
	return ok;
}

/* spare_done ends a reservation, filing spare n if made. */
static void
spare_done(struct chunk_store *cs, uint64_t n, bool made)
{
	pthread_mutex_lock(&cs->cs_spare_mu);
	cs->cs_spare_busy--;
	if (made)
		spare_push(cs, n);
	pthread_mutex_unlock(&cs->cs_spare_mu);
}

/*
 * only_link opens rel for writing if it is its file's only name, else
 * returns -1.  A file with another name is never emptied: after a crash
 * on a file system without a journal, a shard's file can keep the name
 * it had in tmp/ (or spare/) besides its name in shards/, if the
 * directory it was renamed from was not written back.
 */
static int
only_link(struct chunk_store *cs, const char *rel)
{
	struct stat st;
	int fd;

	if ((fd = openat(cs->cs_dirfd, rel, O_RDWR | O_CLOEXEC)) == -1) {
		log_warn("%s/%s: open", cs->cs_path, rel);
		return -1;
	}
	if (fstat(fd, &st) == -1)
		log_warn("%s/%s: fstat", cs->cs_path, rel);
	else if (st.st_nlink == 1)
		return fd;
	else
		log_warnx("%s/%s: has %ju names; not reused", cs->cs_path,
		    rel, (uintmax_t)st.st_nlink);
	close(fd);
	return -1;
}

int
chunk_spare_remove(struct chunk_store *cs, const char *rel)
{
	char spare[CHUNK_SPARENAME];
	uint64_t n;
	int fd, e;

	if (!spare_reserve(cs, &n))
		return unlinkat(cs->cs_dirfd, rel, 0);
	spare_name(spare, n);
	/* Renamed first: a reader never finds the shard emptied. */
	if (renameat(cs->cs_dirfd, rel, cs->cs_dirfd, spare) == -1) {
		e = errno;
		spare_done(cs, n, false);
		errno = e;
		return -1;
	}
	fd = only_link(cs, spare);
	if (fd != -1 && ftruncate(fd, 0) == -1) {
		log_warn("%s/%s: truncate", cs->cs_path, spare);
		close(fd);
		fd = -1;
	}
	/* Not kept as a spare: the shard is still removed. */
	if (fd == -1)
		(void)unlinkat(cs->cs_dirfd, spare, 0);
	spare_done(cs, n, fd != -1);
	if (fd != -1)
		close(fd);
	return 0;
}

/* spare_pop takes the newest spare's name, if any. */
static bool
spare_pop(struct chunk_store *cs, uint64_t *n)
{
	bool ok;

	pthread_mutex_lock(&cs->cs_spare_mu);
	ok = cs->cs_nspare > 0;
	if (ok)
		*n = cs->cs_spare[--cs->cs_nspare];
	pthread_mutex_unlock(&cs->cs_spare_mu);
	return ok;
}

/* spare_return files spare n again, or unlinks it if the pool filled. */
static void
spare_return(struct chunk_store *cs, uint64_t n, const char *spare)
{
	bool ok;

	pthread_mutex_lock(&cs->cs_spare_mu);
	ok = cs->cs_nspare + cs->cs_spare_busy < cs->cs_spare_max;
	if (ok)
		spare_push(cs, n);
	pthread_mutex_unlock(&cs->cs_spare_mu);
	if (!ok)
		(void)unlinkat(cs->cs_dirfd, spare, 0);
}

int
chunk_spare_take(struct chunk_store *cs, const char *rel)
{
	char spare[CHUNK_SPARENAME];
	uint64_t n;
	int fd;

	if (!spare_pop(cs, &n))
		return -1;
	spare_name(spare, n);
	/* Never over a temporary file that a resent write just made. */
	if (renameat2(cs->cs_dirfd, spare, cs->cs_dirfd, rel,
	    RENAME_NOREPLACE) == -1) {
		if (errno == EEXIST)
			spare_return(cs, n, spare);
		else {
			/* Out of the pool now: not left until the next start. */
			log_warn("%s/%s: rename to %s", cs->cs_path, spare,
			    rel);
			(void)unlinkat(cs->cs_dirfd, spare, 0);
		}
		return -1;
	}
	if ((fd = only_link(cs, rel)) == -1)
		(void)unlinkat(cs->cs_dirfd, rel, 0);
	return fd;
}

/* spare_number parses a spare's file name; false if it is not one. */
static bool
spare_number(const char *name, uint64_t *n)
{
	char *end;

	if (name[0] < '0' || name[0] > '9')
		return false;
	errno = 0;
	*n = strtoull(name, &end, 10);
	return errno == 0 && *end == '\0';
}

/*
 * spare_scan unlinks the spares a previous run left: after a crash one
 * may still name a shard's file (see only_link), and unlinking only
 * drops that name.  New names start above the highest seen.
 */
static void
spare_scan(struct chunk_store *cs, DIR *d)
{
	char spare[CHUNK_SPARENAME];
	struct dirent *de;
	uint64_t n;

	while ((de = readdir(d)) != NULL) {
		if (!spare_number(de->d_name, &n))
			continue;
		if (n >= cs->cs_spare_next)
			cs->cs_spare_next = n + 1;
		spare_name(spare, n);
		(void)unlinkat(cs->cs_dirfd, spare, 0);
	}
}

int
chunk_spare_open(struct chunk_store *cs)
{
	DIR *d;
	int fd;

	if (mkdirat(cs->cs_dirfd, SPARE_DIR, 0750) == -1 && errno != EEXIST) {
		log_warn("%s/" SPARE_DIR ": mkdir", cs->cs_path);
		return cairn_errno(errno);
	}
	cs->cs_spare = calloc(CHUNK_SPAREMAX, sizeof(*cs->cs_spare));
	if (cs->cs_spare == NULL)
		return CAIRN_ENOMEM;
	cs->cs_spare_max = CHUNK_SPAREMAX;
	if (pthread_mutex_init(&cs->cs_spare_mu, NULL) != 0) {
		free(cs->cs_spare);
		cs->cs_spare = NULL;
		return CAIRN_ENOMEM;
	}
	fd = openat(cs->cs_dirfd, SPARE_DIR, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		log_warn("%s/" SPARE_DIR ": open", cs->cs_path);
		if (fd != -1)
			close(fd);
		return 0;
	}
	spare_scan(cs, d);
	closedir(d);
	return 0;
}

void
chunk_spare_close(struct chunk_store *cs)
{
	if (cs->cs_spare == NULL)
		return;
	pthread_mutex_destroy(&cs->cs_spare_mu);
	free(cs->cs_spare);
	cs->cs_spare = NULL;
}

size_t
chunk_spare_count(struct chunk_store *cs)
{
	size_t n;

	pthread_mutex_lock(&cs->cs_spare_mu);
	n = cs->cs_nspare;
	pthread_mutex_unlock(&cs->cs_spare_mu);
	return n;
}
