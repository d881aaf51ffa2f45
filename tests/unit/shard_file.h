/* shard_file.h - a shard's file name, for the unit tests that include
 * chunkd/chunk_store.c (include it after that file) */
#ifndef CAIRN_TEST_SHARD_FILE_H
#define CAIRN_TEST_SHARD_FILE_H

/* file_path names a shard's committed (or, with tmp, temporary) file. */
static void
file_path(char *out, size_t size, struct chunk_store *cs, const uint8_t *id,
    int tmp)
{
	struct shard_paths sp;

	shard_paths(&sp, id);
	snprintf(out, size, "%s/%s", cs->cs_path, tmp ? sp.sp_tmp :
	    sp.sp_final);
}

#endif
