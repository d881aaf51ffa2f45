/* test_arena.c - shared stripe buffers: slots, names, mappings, sweeps */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "errors.h"
#include "tap.h"

#define NSLOTS	3

static bool
shm_exists(const char *name)
{
	int fd = shm_open(name, O_RDONLY, 0);

	if (fd == -1)
		return false;
	close(fd);
	return true;
}

static void
test_slots(struct arena *a)
{
	unsigned char *s[NSLOTS + 1], *again;
	struct stat st;
	char path[64];
	int i, distinct = 1, held = 1, aligned = 1;

	is_int(arena_create(a, 1000, NSLOTS), 0, "an arena of 3 slots");
	ok(a->ar_slot == (size_t)sysconf(_SC_PAGESIZE),
	    "a slot is rounded up to a page (%zu)", a->ar_slot);
	snprintf(path, sizeof(path), "/dev/shm%s", a->ar_name);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "%s exists, readable by its owner only", path);
	for (i = 0; i < NSLOTS; i++) {
		s[i] = arena_take(a);
		held &= s[i] != NULL && arena_holds(a, s[i]);
		aligned &= s[i] != NULL &&
		    arena_offset(a, s[i]) % a->ar_slot == 0;
		if (i > 0 && s[i] == s[i - 1])
			distinct = 0;
		if (s[i] != NULL)
			memset(s[i], 'a' + i, a->ar_slot);
	}
	ok(held && distinct && aligned, "three distinct slots, in the arena");
	s[NSLOTS] = arena_take(a);
	ok(s[NSLOTS] == NULL, "a fourth is refused");
	again = malloc(16);
	ok(!arena_holds(a, again) && !arena_holds(a, NULL),
	    "memory from elsewhere is not the arena's");
	free(again);
	arena_give(a, s[1]);
	again = arena_take(a);
	ok(again == s[1] && again[0] == 'b',
	    "the slot given back last is taken first, as it was");
	for (i = 0; i < NSLOTS; i++)
		arena_give(a, s[i]);
}

static void
test_maps(struct arena *a, struct arena_maps *ams)
{
	unsigned char *slot = arena_take(a);
	struct arena_map *m1, *m2;
	const void *p1, *p2;
	uint64_t off = arena_offset(a, slot);

	memcpy(slot + 100, "shared block", 12);
	is_int(arena_maps_get(ams, proto_str_c(a->ar_name), off + 100, 12,
	    &p1, &m1), 0, "chunkd's side maps the arena");
	ok(memcmp(p1, "shared block", 12) == 0,
	    "and reads what the gateway wrote, in place");
	memcpy(slot + 100, "changed", 7);
	is_int(arena_maps_get(ams, proto_str_c(a->ar_name), off, 200, &p2,
	    &m2), 0, "a second use of the same arena");
	ok(m2 == m1 && m1->am_refs == 2 &&
	    memcmp((const char *)p2 + 100, "changed", 7) == 0,
	    "shares the mapping, which sees the writes");
	arena_maps_put(ams, m1);
	arena_maps_put(ams, m2);
	is_int(arena_maps_get(ams, proto_str_c(a->ar_name),
	    a->ar_slot * NSLOTS - 1, 2, &p1, &m1), CAIRN_EPROTO,
	    "a range past the end is refused");
	is_int(arena_maps_get(ams, proto_str_c(a->ar_name), UINT64_MAX, 1,
	    &p1, &m1), CAIRN_EPROTO, "an offset past the end is refused");
	arena_give(a, slot);
}

static void
test_names(struct arena_maps *ams)
{
	static const char *const bad[] = {
		"/etc/passwd", "/cairn-", "/cairn-12", "/cairn-12-",
		"/cairn--ab", "/cairn-1x-ab", "/cairn-12-AB", "/cairn-12-ab/c",
		"cairn-12-ab", "/cairn-12-ab-cd", "/../cairn-12-ab",
	};
	const void *p;
	struct arena_map *m;
	size_t i;
	int refused = 1;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (arena_maps_get(ams, proto_str_c(bad[i]), 0, 1, &p, &m) !=
		    CAIRN_EPROTO) {
			diag("accepted: %s", bad[i]);
			refused = 0;
		}
	ok(refused, "names that are not an arena's are refused");
	is_int(arena_maps_get(ams, proto_str_c("/cairn-1-abcdef0123"), 0, 1,
	    &p, &m), CAIRN_ENOARENA, "an arena that does not exist: ENOARENA");
}

/* test_table fills the table of mappings and checks what makes room. */
static void
test_table(struct arena_maps *ams)
{
	struct arena a[ARENA_MAPMAX + 1];
	struct arena_map *m[ARENA_MAPMAX + 1];
	char name[ARENA_NAMEMAX];
	const void *p;
	int i, got = 0;

	for (i = 0; i <= ARENA_MAPMAX; i++)
		if (arena_create(&a[i], 4096, 1) != 0)
			abort();
	for (i = 0; i < ARENA_MAPMAX; i++)
		got += arena_maps_get(ams, proto_str_c(a[i].ar_name), 0, 1, &p,
		    &m[i]) == 0;
	is_int(got, ARENA_MAPMAX, "%d arenas mapped at once", ARENA_MAPMAX);
	is_int(arena_maps_get(ams, proto_str_c(a[ARENA_MAPMAX].ar_name), 0,
	    1, &p, &m[ARENA_MAPMAX]), CAIRN_ENOARENA,
	    "one more, while every mapping is in use: ENOARENA");
	arena_maps_put(ams, m[3]);
	is_int(arena_maps_get(ams, proto_str_c(a[ARENA_MAPMAX].ar_name), 0,
	    1, &p, &m[ARENA_MAPMAX]), 0, "once one is idle, it makes room");
	ok(m[ARENA_MAPMAX] == m[3], "in the idle one's place");
	for (i = 0; i <= ARENA_MAPMAX; i++)
		if (i != 3)
			arena_maps_put(ams, m[i]);
	memcpy(name, a[5].ar_name, sizeof(name));
	arena_destroy(&a[5]);
	ok(shm_exists(a[4].ar_name) && !shm_exists(name),
	    "arena_destroy removes the name");
	(void)arena_maps_get(ams, proto_str_c("/cairn-1-abcdef0123"), 0, 1,
	    &p, &m[0]);
	got = 0;
	for (i = 0; i < ARENA_MAPMAX; i++)
		got += ams->ams_map[i].am_name[0] != '\0';
	is_int(got, ARENA_MAPMAX - 1,
	    "a miss unmaps the idle arena that is gone, and only it");
	for (i = 0; i <= ARENA_MAPMAX; i++)
		if (i != 5)
			arena_destroy(&a[i]);
}

/* test_sweep: a new arena removes those of dead processes only. */
static void
test_sweep(void)
{
	char dead[ARENA_NAMEMAX], live[ARENA_NAMEMAX];
	struct arena a;
	pid_t pid;
	int fd;

	if ((pid = fork()) == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	snprintf(dead, sizeof(dead), "/cairn-%ld-0123", (long)pid);
	snprintf(live, sizeof(live), "/cairn-%ld-4567", (long)getppid());
	if ((fd = shm_open(dead, O_RDWR | O_CREAT, 0600)) != -1)
		close(fd);
	if ((fd = shm_open(live, O_RDWR | O_CREAT, 0600)) != -1)
		close(fd);
	is_int(arena_create(&a, 4096, 1), 0, "another arena");
	ok(!shm_exists(dead), "it removed the arena of a dead process");
	ok(shm_exists(live), "and kept that of a live one");
	shm_unlink(live);
	arena_destroy(&a);
}

int
main(void)
{
	struct arena a;
	struct arena_maps ams;
	char name[ARENA_NAMEMAX];

	plan(25);
	test_slots(&a);
	if (arena_maps_init(&ams) != 0)
		abort();
	test_maps(&a, &ams);
	test_names(&ams);
	test_table(&ams);
	arena_maps_fini(&ams);
	memcpy(name, a.ar_name, sizeof(name));
	arena_destroy(&a);
	ok(name[0] == '/' && !shm_exists(name), "the first arena is gone too");
	test_sweep();
	return tap_done();
}
