/* scratch.h - scratch directories and damaged files for the unit tests */
#ifndef CAIRN_TEST_SCRATCH_H
#define CAIRN_TEST_SCRATCH_H

#include <sys/types.h>

#include <stddef.h>

/* SCRATCH_DIRMAX holds a scratch directory's path, with room to spare. */
#define SCRATCH_DIRMAX	128

/*
 * scratch_make creates a new directory /tmp/cairn-test-<name>.XXXXXX and
 * writes its path to dir; 0, or -1 after a diag line.
 */
int scratch_make(char *dir, size_t size, const char *name);

/* scratch_remove removes dir and all below it; 0, or -1 after a diag line. */
int scratch_remove(const char *dir);

/* scratch_flip inverts the byte at off of the file at path; 0 or -1. */
int scratch_flip(const char *path, off_t off);

#endif
