/* floor.c - the CPU a large PUT cannot avoid, step by step, on this host */
/*
 * A 64 MiB PUT into a 2+2 layout must, for each MiB of the object:
 * carry the body over TCP from the client, take its SHA-256 (the signed
 * payload) and its MD5 (the ETag), compute parity and CRC-32C, hand two
 * MiB of shards to the chunkd processes, and write those two MiB to files
 * and sync them.  This program does each step alone, the least way it can
 * be done, and reports the CPU it took machine-wide (from /proc/stat, so
 * that the kernel's threads and interrupts count too).  The sum is a floor
 * for what cairn can spend per MiB; the host's cores divided by it is a
 * ceiling for the MiB/s any store built of these steps can reach on it.
 * The machine must be otherwise idle while it runs.
 *
 * usage: floor [-m MIB] DIR
 *   DIR is where the file step writes (a drive's file system); each step
 *   moves MIB MiB (default 2048) and then prints one line:
 *   step <TAB> ms of CPU per MiB <TAB> MiB of it per MiB of object
 */
#define _GNU_SOURCE 1		/* sync_file_range(2) */
#include <err.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "crc.h"
#include "ec.h"
#include "md5mb.h"

#define MIB		(1024 * 1024)
#define STRIPE		MIB		/* gatewayd's stripe */
#define K		2		/* the layout the 64 MiB figure uses */
#define M		2
#define SHARD		(STRIPE / K)
#define FILE_SHARDS	64		/* a 64 MiB object's shard: 32 MiB */
#define WRITERS		(K + M)		/* one per chunkd */
#define CRCSIZE		4

static unsigned char *floor_buf;	/* two stripes of test bytes */
static long floor_mib = 2048;
static long long floor_busy0;

/* floor_busy returns the jiffies every CPU has spent not idle. */
static long long
floor_busy(void)
{
	long long u, n, s, i, w, q, sq;
	FILE *f;

	if ((f = fopen("/proc/stat", "r")) == NULL)
		err(1, "/proc/stat");
	if (fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld", &u, &n, &s,
	    &i, &w, &q, &sq) != 7)
		errx(1, "/proc/stat: no cpu line");
	fclose(f);
	return u + n + s + q + sq;
}

static void
floor_start(void)
{
	floor_busy0 = floor_busy();
}

/* floor_report prints the CPU per MiB since floor_start. */
static void
floor_report(const char *step, long mib, double times)
{
	double ms = (double)(floor_busy() - floor_busy0) * 1000.0 /
	    (double)sysconf(_SC_CLK_TCK) / (double)mib;

	printf("%s\t%.3f\t%g\n", step, ms, times);
	fflush(stdout);
}

/* --- bytes through a socket: the client's body, the shards to chunkd -- */

struct floor_rx {
	int	fr_fd;
	long	fr_bytes;
};

/* floor_drain reads the other end's bytes into a buffer, as a server does. */
static void *
floor_drain(void *arg)
{
	struct floor_rx *rx = arg;
	unsigned char *b;
	long got = 0;
	ssize_t n;

	if ((b = malloc(MIB)) == NULL)
		err(1, "malloc");
	while (got < rx->fr_bytes) {
		if ((n = read(rx->fr_fd, b, MIB)) <= 0)
			err(1, "read");
		got += n;
	}
	free(b);
	return NULL;
}

/* floor_send moves floor_mib MiB from fd[0] to fd[1] in writes of chunk. */
static void
floor_send(int fd[2], const char *step, double times, size_t chunk)
{
	struct floor_rx rx = { fd[1], floor_mib * MIB };
	pthread_t t;
	long sent = 0;
	ssize_t n;

	floor_start();
	if (pthread_create(&t, NULL, floor_drain, &rx) != 0)
		errx(1, "pthread_create");
	while (sent < rx.fr_bytes) {
		if ((n = write(fd[0], floor_buf, chunk)) <= 0)
			err(1, "write");
		sent += n;
	}
	pthread_join(t, NULL);
	floor_report(step, floor_mib, times);
	close(fd[0]);
	close(fd[1]);
}

static void
floor_tcp(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int l, fd[2];

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(l, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(l, 1) == -1 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) == -1 ||
	    (fd[0] = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd[0], (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    (fd[1] = accept(l, NULL, NULL)) == -1)
		err(1, "loopback TCP");
	close(l);
	floor_send(fd, "body over loopback TCP", 1, STRIPE);
}

/* The shards go to chunkd over Unix sockets, a shard at a time. */
static void
floor_unix(void)
{
	int fd[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fd) == -1)
		err(1, "socketpair");
	floor_send(fd, "shards over a Unix socket", (double)(K + M) / K,
	    SHARD);
}

/* --- the hashes -------------------------------------------------------- */

static void
floor_digest(const EVP_MD *md, const char *step)
{
	unsigned char out[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *c;
	long i;

	if ((c = EVP_MD_CTX_new()) == NULL)
		errx(1, "EVP_MD_CTX_new");
	floor_start();
	if (EVP_DigestInit_ex(c, md, NULL) != 1)
		errx(1, "%s: EVP_DigestInit_ex", step);
	for (i = 0; i < floor_mib; i++)
		EVP_DigestUpdate(c, floor_buf + (i & 1) * MIB, MIB);
	EVP_DigestFinal_ex(c, out, NULL);
	floor_report(step, floor_mib, 1);
	EVP_MD_CTX_free(c);
}

static struct md5mb floor_md5;

/* floor_md5_body hashes one body of arg MiB, a stripe at a time, as
 * gatewayd does: queue a stripe, wait for the one before. */
static void *
floor_md5_body(void *arg)
{
	long i, mib = (long)arg;
	struct md5mb_ctx c;
	unsigned char md[16];

	md5mb_begin(&floor_md5, &c);
	for (i = 0; i < mib; i++) {
		md5mb_update(&c, floor_buf + (i & 1) * MIB, MIB);
		md5mb_sync(&c, 1);
	}
	md5mb_final(&c, md);
	return NULL;
}

/* floor_md5_side hashes `bodies` bodies at once, as many uploads do. */
static void
floor_md5_side(int bodies)
{
	pthread_t t[MD5MB_LANES];
	char step[64];
	int i;

	floor_start();
	for (i = 0; i < bodies; i++)
		if (pthread_create(&t[i], NULL, floor_md5_body,
		    (void *)(floor_mib / bodies)) != 0)
			errx(1, "pthread_create");
	for (i = 0; i < bodies; i++)
		pthread_join(t[i], NULL);
	snprintf(step, sizeof(step), "MD5, %d bodies side by side", bodies);
	floor_report(step, floor_mib / bodies * bodies, 1);
}

/* --- parity and CRC ---------------------------------------------------- */

static void
floor_parity(void)
{
	unsigned char *data[K], *par[M];
	struct ec ec;
	long s;
	int i;

	if (ec_init(&ec, K, M) != 0)
		errx(1, "ec_init");
	for (i = 0; i < K; i++)
		data[i] = floor_buf + (size_t)i * SHARD;
	for (i = 0; i < M; i++)
		par[i] = floor_buf + MIB + (size_t)i * SHARD;
	floor_start();
	for (s = 0; s < floor_mib; s++) {
		ec_encode(&ec, SHARD, data, par);
		for (i = 0; i < K; i++)
			(void)crc_32c(data[i], SHARD);
		for (i = 0; i < M; i++)
			(void)crc_32c(par[i], SHARD);
	}
	floor_report("parity and CRC-32C", floor_mib, 1);
	ec_free(&ec);
}

/* --- the files --------------------------------------------------------- */

struct floor_wr {
	const char	*fw_dir;
	int		 fw_id;
	long		 fw_files;
};

/*
 * floor_write_file writes one shard file the way chunkd does: each block
 * and its CRC at its offset, writeback started at once, then fdatasync
 * and the pages dropped.
 */
static void
floor_write_file(int fd)
{
	off_t off;
	int b;

	for (b = 0; b < FILE_SHARDS; b++) {
		off = 4096 + (off_t)b * (SHARD + CRCSIZE);
		if (pwrite(fd, floor_buf, SHARD + CRCSIZE, off) !=
		    SHARD + CRCSIZE)
			err(1, "pwrite");
		if (b < FILE_SHARDS - 1)
			(void)sync_file_range(fd, off, SHARD + CRCSIZE,
			    SYNC_FILE_RANGE_WRITE);
	}
	if (fdatasync(fd) == -1)
		err(1, "fdatasync");
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

static void *
floor_writer(void *arg)
{
	struct floor_wr *w = arg;
	char path[4096];
	long f;
	int fd;

	for (f = 0; f < w->fw_files; f++) {
		snprintf(path, sizeof(path), "%s/floor.%d.%ld", w->fw_dir,
		    w->fw_id, f);
		if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600)) == -1)
			err(1, "%s", path);
		floor_write_file(fd);
		close(fd);
		unlink(path);
	}
	return NULL;
}

static void
floor_files(const char *dir)
{
	long files = floor_mib / WRITERS / (FILE_SHARDS / 2);
	struct floor_wr w[WRITERS];
	pthread_t t[WRITERS];
	int i;

	if (files < 1)
		files = 1;
	floor_start();
	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct floor_wr){ dir, i, files };
		if (pthread_create(&t[i], NULL, floor_writer, &w[i]) != 0)
			errx(1, "pthread_create");
	}
	for (i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
	floor_report("shards to files, synced",
	    files * WRITERS * (FILE_SHARDS / 2), (double)(K + M) / K);
}

static void
floor_usage(void)
{
	fprintf(stderr, "usage: floor [-m MIB] DIR\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	size_t i;
	int ch;

	while ((ch = getopt(argc, argv, "m:")) != -1) {
		if (ch != 'm' || (floor_mib = atol(optarg)) < 8)
			floor_usage();
	}
	if (optind != argc - 1)
		floor_usage();
	floor_mib &= ~7L;	/* whole MiB for each of up to 8 bodies */
	if ((floor_buf = aligned_alloc(4096, 2 * MIB)) == NULL)
		err(1, "aligned_alloc");
	for (i = 0; i < 2 * MIB; i++)
		floor_buf[i] = (unsigned char)((i * 2654435761u) >> 13);
	if (md5mb_init(&floor_md5) != 0)
		errx(1, "md5mb_init");
	floor_tcp();
	floor_digest(EVP_sha256(), "SHA-256");
	floor_digest(EVP_md5(), "MD5, one body alone");
	floor_md5_side(4);
	floor_md5_side(8);
	floor_parity();
	floor_unix();
	floor_files(argv[optind]);
	md5mb_fini(&floor_md5);
	free(floor_buf);
	return 0;
}
