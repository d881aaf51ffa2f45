/* scratch.c - scratch directories and damaged files for the unit tests */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1		/* nftw(3) */
#endif
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scratch.h"
#include "tap.h"

int
scratch_make(char *dir, size_t size, const char *name)
{
	if ((size_t)snprintf(dir, size, "/tmp/cairn-test-%s.XXXXXX", name) >=
	    size)
		errno = ENAMETOOLONG;
	else if (mkdtemp(dir) != NULL)
		return 0;
	diag("cannot make a scratch directory for %s: %s", name,
	    strerror(errno));
	return -1;
}

static int
scratch_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
scratch_remove(const char *dir)
{
	/* Depth first, so that each directory is empty when it goes. */
	if (nftw(dir, scratch_rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		diag("could not remove %s", dir);
		return -1;
	}
	return 0;
}

int
scratch_flip(const char *path, off_t off)
{
	unsigned char c;
	int fd, rc = -1;

	if ((fd = open(path, O_RDWR)) == -1)
		return -1;
	if (pread(fd, &c, 1, off) == 1) {
		c ^= 0xff;
		if (pwrite(fd, &c, 1, off) == 1)
			rc = 0;
	}
	close(fd);
	return rc;
}
