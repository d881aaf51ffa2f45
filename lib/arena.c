/* arena.c - stripe buffers in shared memory, which chunkd reads in place */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "errors.h"
#include "log.h"
#include "util.h"

#define ARENA_PREFIX	"cairn-"
#define ARENA_SHMDIR	"/dev/shm"	/* where glibc's shm_open puts them */
#define ARENA_RETRY_MS	10000	/* after /dev/shm was full */

/*
 * name_pid parses an arena's name without its slash, "cairn-PID-HEX",
 * and returns PID, or -1 if the name is not an arena's.
 */
static long
name_pid(const char *s, size_t len)
{
	size_t i, p = sizeof(ARENA_PREFIX) - 1, dash = 0;
	long pid = 0;

	if (len <= p || len >= ARENA_NAMEMAX - 1 ||
	    memcmp(s, ARENA_PREFIX, p) != 0)
		return -1;
	for (i = p; i < len; i++) {
		if (s[i] == '-' && dash == 0 && i > p)
			dash = i;
		else if (dash == 0 && s[i] >= '0' && s[i] <= '9' &&
		    pid < 100000000)
			pid = pid * 10 + (s[i] - '0');
		else if (dash == 0 || !((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	}
	return dash == 0 || dash == len - 1 ? -1 : pid;
}

/* sweep removes the arenas whose gateway died without removing them. */
static void
sweep(void)
{
	char name[ARENA_NAMEMAX];
	struct dirent *de;
	size_t len;
	DIR *d;
	long pid;

	if ((d = opendir(ARENA_SHMDIR)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		pid = name_pid(de->d_name, len);
		if (pid <= 0 || pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		name[0] = '/';		/* name_pid bounds len */
		memcpy(name + 1, de->d_name, len + 1);
		if (shm_unlink(name) == 0)
			log_info("removed %s, left by a gateway that died",
			    name);
	}
	closedir(d);
}

static int
slots_alloc(struct arena *a)
{
	uint32_t i;

	a->ar_free = calloc(a->ar_nslots, sizeof(*a->ar_free));
	a->ar_backed = calloc(a->ar_nslots, sizeof(*a->ar_backed));
	if (a->ar_free == NULL || a->ar_backed == NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < a->ar_nslots; i++)
		a->ar_free[i] = a->ar_nslots - 1 - i;
	a->ar_nfree = a->ar_nslots;
	return 0;
}

int
arena_create(struct arena *a, size_t slot, uint32_t nslots)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), size;
	uint64_t r;
	int rc;

	memset(a, 0, sizeof(*a));
	a->ar_fd = -1;
	if (nslots == 0 || slot == 0)
		return CAIRN_EINVAL;
	if ((rc = -pthread_mutex_init(&a->ar_lock, NULL)) != 0)
		return rc;
	a->ar_slot = (slot + page - 1) / page * page;
	a->ar_nslots = nslots;		/* from now on, the lock is there */
	size = a->ar_slot * nslots;
	sweep();
	util_random(&r, sizeof(r));
	snprintf(a->ar_name, sizeof(a->ar_name), "/" ARENA_PREFIX "%ld-%016llx",
	    (long)getpid(), (unsigned long long)r);
	if ((a->ar_fd = shm_open(a->ar_name, O_RDWR | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600)) == -1) {
		rc = cairn_errno(errno);
		log_warn("shm_open %s", a->ar_name);
		arena_destroy(a);
		return rc;
	}
	if (ftruncate(a->ar_fd, (off_t)size) == -1 ||
	    (a->ar_base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
	    a->ar_fd, 0)) == MAP_FAILED) {
		rc = cairn_errno(errno);
		log_warn("%s: %zu bytes", a->ar_name, size);
		a->ar_base = NULL;
		arena_destroy(a);
		return rc;
	}
	if ((rc = slots_alloc(a)) != 0) {
		arena_destroy(a);
		return rc;
	}
	return 0;
}

void
arena_destroy(struct arena *a)
{
	if (a->ar_base != NULL)
		munmap(a->ar_base, a->ar_slot * a->ar_nslots);
	if (a->ar_nslots != 0)
		pthread_mutex_destroy(&a->ar_lock);
	if (a->ar_fd != -1) {
		close(a->ar_fd);
		shm_unlink(a->ar_name);
	}
	free(a->ar_free);
	free(a->ar_backed);
	memset(a, 0, sizeof(*a));
	a->ar_fd = -1;
}

void
arena_unlink(struct arena *a)
{
	if (a->ar_fd != -1)
		shm_unlink(a->ar_name);
}

/*
 * back gives slot i its memory; false if /dev/shm has no room for it.
 * After a failure it does not try again for ARENA_RETRY_MS, so that a
 * full /dev/shm costs uploads neither a system call nor a log line each.
 */
static bool
back(struct arena *a, uint32_t i)
{
	uint64_t now;
	int err;

	if (a->ar_backed[i])
		return true;
	if ((now = util_mono_ms()) < a->ar_retry_ms)
		return false;
	err = posix_fallocate(a->ar_fd, (off_t)(a->ar_slot * i),
	    (off_t)a->ar_slot);
	if (err != 0) {
		log_warnx("%s: no memory for a stripe buffer: %s; uploads "
		    "send copies for %d s", a->ar_name, strerror(err),
		    ARENA_RETRY_MS / 1000);
		a->ar_retry_ms = now + ARENA_RETRY_MS;
		return false;
	}
	a->ar_backed[i] = true;
	return true;
}

void *
arena_take(struct arena *a)
{
	uint32_t i;

	if (a->ar_base == NULL)
		return NULL;
	pthread_mutex_lock(&a->ar_lock);
	if (a->ar_nfree == 0 || !back(a, a->ar_free[a->ar_nfree - 1])) {
		pthread_mutex_unlock(&a->ar_lock);
		return NULL;
	}
	i = a->ar_free[--a->ar_nfree];
	pthread_mutex_unlock(&a->ar_lock);
	return a->ar_base + a->ar_slot * i;
}

void
arena_give(struct arena *a, void *p)
{
	pthread_mutex_lock(&a->ar_lock);
	a->ar_free[a->ar_nfree++] = (uint32_t)(arena_offset(a, p) /
	    a->ar_slot);
	pthread_mutex_unlock(&a->ar_lock);
}

bool
arena_holds(const struct arena *a, const void *p)
{
	const unsigned char *c = p;

	return a->ar_base != NULL && c >= a->ar_base &&
	    c < a->ar_base + a->ar_slot * a->ar_nslots;
}

uint64_t
arena_offset(const struct arena *a, const void *p)
{
	return (uint64_t)((const unsigned char *)p - a->ar_base);
}

/* --- chunkd's side -------------------------------------------------------------------- */

int
arena_maps_init(struct arena_maps *ams)
{
	memset(ams, 0, sizeof(*ams));
	return -pthread_mutex_init(&ams->ams_lock, NULL);
}

static void
unmap(struct arena_map *m)
{
	munmap((void *)m->am_base, m->am_size);
	memset(m, 0, sizeof(*m));
}

void
arena_maps_fini(struct arena_maps *ams)
{
	int i;

	for (i = 0; i < ARENA_MAPMAX; i++)
		if (ams->ams_map[i].am_name[0] != '\0')
			unmap(&ams->ams_map[i]);
	pthread_mutex_destroy(&ams->ams_lock);
}

/* map_open maps the arena name read-only into m.  Under ams_lock. */
static int
map_open(struct arena_map *m, const char *name)
{
	struct stat st;
	void *base;
	int fd;

	if ((fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0)) == -1) {
		log_warn("shared stripe buffers %s", name);
		return CAIRN_ENOARENA;
	}
	if (fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    (base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd,
	    0)) == MAP_FAILED) {
		log_warn("shared stripe buffers %s: map", name);
		close(fd);
		return CAIRN_ENOARENA;
	}
	close(fd);
	snprintf(m->am_name, sizeof(m->am_name), "%s", name);
	m->am_base = base;
	m->am_size = (size_t)st.st_size;
	return 0;
}

/*
 * map_room finds a free entry, first unmapping the idle arenas that are
 * gone (their gateway stopped), then the least recently used idle one.
 * Under ams_lock; NULL if every entry is in use.
 */
static struct arena_map *
map_room(struct arena_maps *ams)
{
	struct arena_map *m, *free = NULL, *lru = NULL;
	int i, fd;

	for (i = 0; i < ARENA_MAPMAX; i++) {
		m = &ams->ams_map[i];
		if (m->am_name[0] != '\0' && m->am_refs == 0) {
			if ((fd = shm_open(m->am_name, O_RDONLY | O_CLOEXEC,
			    0)) != -1)
				close(fd);
			else if (errno == ENOENT)
				unmap(m);
		}
		if (m->am_name[0] == '\0') {
			if (free == NULL)
				free = m;
		} else if (m->am_refs == 0 &&
		    (lru == NULL || m->am_used < lru->am_used))
			lru = m;
	}
	if (free == NULL && lru != NULL) {
		unmap(lru);
		free = lru;
	}
	return free;
}

/* map_find returns the entry of name, mapping it at need.  Under ams_lock. */
static int
map_find(struct arena_maps *ams, const char *name, struct arena_map **mp)
{
	struct arena_map *m;
	int i, rc;

	for (i = 0; i < ARENA_MAPMAX; i++)
		if (strcmp(ams->ams_map[i].am_name, name) == 0) {
			*mp = &ams->ams_map[i];
			return 0;
		}
	if ((m = map_room(ams)) == NULL) {
		log_warnx("shared stripe buffers %s: %d others in use", name,
		    ARENA_MAPMAX);
		return CAIRN_ENOARENA;
	}
	if ((rc = map_open(m, name)) != 0)
		return rc;
	*mp = m;
	return 0;
}

int
arena_maps_get(struct arena_maps *ams, struct proto_str name, uint64_t off,
    size_t len, const void **p, struct arena_map **mp)
{
	char n[ARENA_NAMEMAX];
	struct arena_map *m;
	int rc;

	if (name.ps_len < 2 || name.ps_len >= sizeof(n) ||
	    name.ps_ptr[0] != '/' || name_pid(name.ps_ptr + 1,
	    name.ps_len - 1) <= 0)
		return CAIRN_EPROTO;
	memcpy(n, name.ps_ptr, name.ps_len);
	n[name.ps_len] = '\0';
	pthread_mutex_lock(&ams->ams_lock);
	if ((rc = map_find(ams, n, &m)) == 0 &&
	    (off > m->am_size || len > m->am_size - off))
		rc = CAIRN_EPROTO;
	if (rc == 0) {
		m->am_refs++;
		m->am_used = ++ams->ams_clock;
		*p = m->am_base + off;
		*mp = m;
	}
	pthread_mutex_unlock(&ams->ams_lock);
	return rc;
}

void
arena_maps_put(struct arena_maps *ams, struct arena_map *m)
{
	pthread_mutex_lock(&ams->ams_lock);
	m->am_refs--;
	pthread_mutex_unlock(&ams->ams_lock);
}
