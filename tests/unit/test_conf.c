/* test_conf.c - cairn.conf: defaults, every key, bounds, drives, environment */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "errors.h"
#include "tap.h"

#define ONE_DRIVE	"[drive d1]\npath = /srv/d1\n"

extern char **environ;

static struct conf conf;		/* large: keep it off the stack */

/* load parses text followed by one drive section. */
static int
load(const char *text)
{
	char buf[8192];

	if (snprintf(buf, sizeof(buf), "%s\n" ONE_DRIVE, text) >=
	    (int)sizeof(buf))
		abort();
	return conf_load_string(&conf, buf);
}

/* load_kv parses "[section]\nkey = value" plus one drive. */
static int
load_kv(const char *section, const char *key, const char *value)
{
	char buf[8192];

	if (snprintf(buf, sizeof(buf), "[%s]\n%s = %s\n", section, key,
	    value) >= (int)sizeof(buf))
		abort();
	return load(buf);
}

static bool
streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* unset_cairn_env removes every CAIRN_* variable the caller may have set. */
static void
unset_cairn_env(void)
{
	char name[256];
	size_t n;
	int i;

	for (i = 0; environ[i] != NULL; ) {
		n = strcspn(environ[i], "=");
		if (strncmp(environ[i], "CAIRN_", 6) != 0 || n >= sizeof(name)) {
			i++;
			continue;
		}
		memcpy(name, environ[i], n);
		name[n] = '\0';
		unsetenv(name);		/* environ shifts down: same i again */
	}
}

/* --- defaults and derived paths ------------------------------------------ */

static void
check_defaults(void)
{
	is_int(conf_load_string(&conf, ONE_DRIVE), 0,
	    "a file with one drive and nothing else is valid");
	ok(streq(conf.c_data_dir, LOCALSTATEDIR "/lib/cairn") &&
	    streq(conf.c_run_dir, RUNSTATEDIR "/cairn"),
	    "data_dir and run_dir default under localstatedir and runstatedir");
	ok(streq(conf.c_region, "us-east-1") && conf.c_parity == -1 &&
	    conf.c_inline_max == 16384 && conf.c_rpc_timeout_ms == 10000,
	    "[cluster] defaults");
	ok(conf.c_root_access_key[0] == '\0' &&
	    conf.c_root_secret_key[0] == '\0', "no default credentials");
	ok(conf.c_metad_workers == 64 && conf.c_chunkd_workers == 8,
	    "[metad] and [chunkd] workers default to 64 and 8");
	ok(streq(conf.c_gw_listen, "127.0.0.1:9000") &&
	    conf.c_gw_threads == 2 && conf.c_gw_workers == 64 &&
	    conf.c_gw_max_object == 5ULL << 30, "[gatewayd] defaults");
	ok(streq(conf.c_metad_path, LOCALSTATEDIR "/lib/cairn/meta") &&
	    streq(conf.c_metad_listen,
	    "ipc://" RUNSTATEDIR "/cairn/metad.sock") &&
	    streq(conf.c_gw_control,
	    "ipc://" RUNSTATEDIR "/cairn/gatewayd.sock") &&
	    streq(conf.c_gw_tmp_dir, LOCALSTATEDIR "/lib/cairn/tmp"),
	    "daemon paths derive from the default data_dir and run_dir");
}

static void
check_derived(void)
{
	is_int(conf_load_string(&conf, "[cluster]\ndata_dir = /data\n"
	    "run_dir = /r\n[drive d1]\n[drive disk-2]\nlisten = tcp://h:1\n"
	    "[drive d3]\npath = /mnt/d3\n"), 0, "data_dir and run_dir are set");
	ok(streq(conf.c_metad_path, "/data/meta") &&
	    streq(conf.c_metad_listen, "ipc:///r/metad.sock") &&
	    streq(conf.c_gw_control, "ipc:///r/gatewayd.sock") &&
	    streq(conf.c_gw_tmp_dir, "/data/tmp"),
	    "metad path, listen URLs and tmp_dir follow them");
	ok(conf.c_ndrives == 3 && streq(conf.c_drives[0].cd_name, "d1") &&
	    streq(conf.c_drives[0].cd_path, "/data/drives/d1") &&
	    streq(conf.c_drives[0].cd_listen, "ipc:///r/chunkd-d1.sock"),
	    "a [drive] section without keys is a drive with default paths");
	ok(streq(conf.c_drives[1].cd_name, "disk-2") &&
	    streq(conf.c_drives[1].cd_path, "/data/drives/disk-2") &&
	    streq(conf.c_drives[1].cd_listen, "tcp://h:1"),
	    "a drive's path defaults to data_dir/drives/NAME");
	ok(streq(conf.c_drives[2].cd_name, "d3") &&
	    streq(conf.c_drives[2].cd_path, "/mnt/d3") &&
	    streq(conf.c_drives[2].cd_listen, "ipc:///r/chunkd-d3.sock"),
	    "a drive's listen defaults to ipc://run_dir/chunkd-NAME.sock");
}

/* --- every key ----------------------------------------------------------- */

static const char full_conf[] =
	"# every key, none at its default\n"
	"[cluster]\n"
	"data_dir = /var/db/cairn\n"
	"run_dir = /var/run/cairn-test\n"
	"region = eu-west-3 ; an inline comment\n"
	"root_access_key = AKIAROOT\n"
	"root_secret_key = s3cr3t/with+odd=chars\n"
	"parity = 1\n"
	"inline_max = 64K\n"
	"rpc_timeout_ms = 2500\n"
	"\n"
	"[metad]\n"
	"path = /fast/meta\n"
	"listen = tcp://127.0.0.1:7001\n"
	"workers = 3\n"
	"\n"
	"[chunkd]\n"
	"workers = 5\n"
	"\n"
	"[gatewayd]\n"
	"listen = [::1]:9100\n"
	"control = ipc:///tmp/gw.sock\n"
	"threads = 7\n"
	"workers = 99\n"
	"tmp_dir = /big/tmp\n"
	"max_object_size = 1T\n"
	"\n"
	"[drive a]\n"
	"path = /srv/a\n"
	"listen = ipc:///tmp/a.sock\n"
	"[drive b]\n"
	"path = /srv/b\n";

static void
check_cluster_keys(void)
{
	ok(streq(conf.c_data_dir, "/var/db/cairn") &&
	    streq(conf.c_run_dir, "/var/run/cairn-test"),
	    "[cluster] data_dir and run_dir");
	ok(streq(conf.c_region, "eu-west-3"),
	    "[cluster] region, without its inline comment");
	ok(streq(conf.c_root_access_key, "AKIAROOT") &&
	    streq(conf.c_root_secret_key, "s3cr3t/with+odd=chars"),
	    "[cluster] root_access_key and root_secret_key");
	ok(conf.c_parity == 1 && conf.c_inline_max == 65536 &&
	    conf.c_rpc_timeout_ms == 2500,
	    "[cluster] parity, inline_max and rpc_timeout_ms");
}

static void
check_daemon_keys(void)
{
	ok(streq(conf.c_metad_path, "/fast/meta") &&
	    streq(conf.c_metad_listen, "tcp://127.0.0.1:7001") &&
	    conf.c_metad_workers == 3, "[metad] path, listen and workers");
	is_int(conf.c_chunkd_workers, 5, "[chunkd] workers");
	ok(streq(conf.c_gw_listen, "[::1]:9100") &&
	    streq(conf.c_gw_control, "ipc:///tmp/gw.sock") &&
	    conf.c_gw_threads == 7 && conf.c_gw_workers == 99,
	    "[gatewayd] listen, control, threads and workers");
	ok(streq(conf.c_gw_tmp_dir, "/big/tmp") &&
	    conf.c_gw_max_object == 1ULL << 40,
	    "[gatewayd] tmp_dir and max_object_size");
	ok(conf.c_ndrives == 2 && streq(conf.c_drives[0].cd_name, "a") &&
	    streq(conf.c_drives[0].cd_path, "/srv/a") &&
	    streq(conf.c_drives[0].cd_listen, "ipc:///tmp/a.sock") &&
	    streq(conf.c_drives[1].cd_name, "b") &&
	    streq(conf.c_drives[1].cd_path, "/srv/b") &&
	    streq(conf.c_drives[1].cd_listen,
	    "ipc:///var/run/cairn-test/chunkd-b.sock"),
	    "[drive NAME] path and listen");
}

/* write_temp writes text to a new temp file and returns its path. */
static char *
write_temp(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/cairn-test-conf.XXXXXX");
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		abort();
	fputs(text, f);
	fclose(f);
	return path;
}

/* check_big_file loads 2 MiB of comments before a valid configuration. */
static void
check_big_file(void)
{
	char path[] = "/tmp/cairn-test-conf.XXXXXX";
	FILE *f;
	int fd, i;

	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		abort();
	for (i = 0; i < 32768; i++)
		fprintf(f, "# %061d\n", i);
	fputs(ONE_DRIVE, f);
	fclose(f);
	is_int(conf_load(&conf, path), CAIRN_ECONF,
	    "a file of 2 MiB is rejected");
	unlink(path);
}

static void
check_every_key(void)
{
	char *path = write_temp(full_conf);

	is_int(conf_load(&conf, path), 0, "a file setting every key loads");
	check_cluster_keys();
	check_daemon_keys();
	unlink(path);
	is_int(conf_load(&conf, path), CAIRN_ECONF, "a missing file is an error");
	check_big_file();
	is_int(conf_load_string(&conf, full_conf), 0,
	    "conf_load_string reads the same text");
	ok(conf.c_gw_max_object == 1ULL << 40 && conf.c_ndrives == 2,
	    "and gets the same result");
}

/* --- sizes and numbers --------------------------------------------------- */

/* size_of loads max_object_size = value; returns it, or 0 when refused. */
static uint64_t
size_of(const char *value)
{
	if (load_kv("gatewayd", "max_object_size", value) != 0)
		return 0;
	return conf.c_gw_max_object;
}

static void
check_size_suffixes(void)
{
	is_int((long long)size_of("16384"), 16384, "a plain byte count");
	is_int((long long)size_of("16K"), 16384, "16K is 16384");
	is_int((long long)size_of("16KiB"), 16384, "16KiB is 16384");
	is_int((long long)size_of("16kib"), 16384, "suffixes ignore case");
	is_int((long long)size_of("16KB"), 16384,
	    "16KB is 16384 too (cairn.conf(5): K may be followed by B)");
	is_int((long long)size_of("1M"), 1 << 20, "1M is 2^20");
	is_int((long long)size_of("5G"), 5LL << 30, "5G is 5 * 2^30");
	is_int((long long)size_of("5T"), 5LL << 40, "5T, the maximum, is valid");
}

static void
check_size_rejects(void)
{
	static const char *const bad[] = {
		"16X", "-1", "", "K", "16 K", "16Ki", "16KiBs", "16B", "0x10",
		"1.5G", "5497558138881", "99999999999999999999",
		"9223372036854775807K", "0",
	};
	size_t i, accepted = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (size_of(bad[i]) != 0) {
			diag("max_object_size = '%s' accepted", bad[i]);
			accepted++;
		}
	ok(accepted == 0, "%zu bad sizes are rejected (16X, -1, 16B, 0, "
	    "over 5T, overflow...)", i);
	is_int(load_kv("cluster", "inline_max", "256K"), 0,
	    "inline_max = 256K is the maximum");
	is_int(load_kv("cluster", "inline_max", "262145"), CAIRN_ECONF,
	    "inline_max = 256K + 1 is rejected");
	is_int(load_kv("cluster", "inline_max", "0"), 0,
	    "inline_max = 0 turns inline objects off");
}

static void
check_int_ranges(void)
{
	is_int(load_kv("metad", "workers", "0"), CAIRN_ECONF,
	    "[metad] workers = 0 is rejected");
	is_int(load_kv("chunkd", "workers", "257"), CAIRN_ECONF,
	    "[chunkd] workers = 257 is rejected");
	is_int(load_kv("chunkd", "workers", "256"), 0,
	    "[chunkd] workers = 256 is the maximum");
	is_int((long long)conf.c_chunkd_drop_behind, 4LL << 20,
	    "[chunkd] drop_behind defaults to 4M");
	is_int(load_kv("chunkd", "drop_behind", "0"), 0,
	    "[chunkd] drop_behind = 0 (never) is valid");
	is_int(load_kv("chunkd", "drop_behind", "64K"), 0,
	    "[chunkd] drop_behind = 64K is valid");
	is_int((long long)conf.c_chunkd_drop_behind, 64LL << 10,
	    "[chunkd] drop_behind = 64K is 65536 bytes");
	is_int(load_kv("chunkd", "drop_behind", "2T"), CAIRN_ECONF,
	    "[chunkd] drop_behind = 2T is rejected (over 1T)");
	is_int(conf.c_chunkd_direct_write, 1,
	    "[chunkd] direct_write defaults to 1");
	ok(load_kv("chunkd", "direct_write", "0") == 0 &&
	    conf.c_chunkd_direct_write == 0, "[chunkd] direct_write = 0 is valid");
	is_int(load_kv("chunkd", "direct_write", "2"), CAIRN_ECONF,
	    "[chunkd] direct_write = 2 is rejected");
	is_int(conf.c_gw_fast_path, 1, "[gatewayd] fast_path defaults to 1");
	ok(conf.c_gw_rpc_batch == 32 && conf.c_gw_rpc_wbatch == 32 &&
	    conf.c_gw_rpc_inflight == 1 && conf.c_gw_rpc_winflight == 2,
	    "[gatewayd] rpc_batch and rpc_write_batch default to 32, "
	    "rpc_batch_inflight to 1, rpc_write_inflight to 2");
	is_int(load_kv("gatewayd", "rpc_write_batch", "33"), CAIRN_ECONF,
	    "[gatewayd] rpc_write_batch = 33 is rejected");
	is_int(load_kv("gatewayd", "fast_path", "2"), CAIRN_ECONF,
	    "[gatewayd] fast_path = 2 is rejected");
	is_int(load_kv("gatewayd", "workers", "0"), CAIRN_ECONF,
	    "[gatewayd] workers = 0 is rejected");
	is_int(load_kv("gatewayd", "threads", "65"), CAIRN_ECONF,
	    "[gatewayd] threads = 65 is rejected");
	is_int(load_kv("cluster", "rpc_timeout_ms", "99"), CAIRN_ECONF,
	    "rpc_timeout_ms = 99 is rejected");
	is_int(load_kv("metad", "workers", "8x"), CAIRN_ECONF,
	    "a number with trailing junk is rejected");
	is_int(load_kv("metad", "workers", ""), CAIRN_ECONF,
	    "an empty number is rejected");
	is_int(load_kv("metad", "workers", "99999999999999999999"),
	    CAIRN_ECONF, "a number past 64 bits is rejected");
	is_int(load_kv("cluster", "parity", "-1"), CAIRN_ECONF,
	    "parity = -1 is rejected (leave it out for the default)");
	is_int(load_kv("cluster", "parity", "9"), CAIRN_ECONF,
	    "parity = 9 is rejected");
}

/* [gatewayd] max_memory and max_memory_wait_ms, the memory cap */
static void
check_max_memory(void)
{
	is_int(load(""), 0, "a file with one drive loads");
	ok(conf.c_gw_max_memory == 512ULL << 20 &&
	    conf.c_gw_max_memory_wait_ms == 2000,
	    "max_memory defaults to 512M, max_memory_wait_ms to 2000");
	is_int(load_kv("gatewayd", "max_memory", "64M"), 0,
	    "max_memory = 64M is valid");
	is_int((long long)conf.c_gw_max_memory, 64LL << 20,
	    "max_memory = 64M is 64 MiB");
	is_int(load_kv("gatewayd", "max_memory", "0"), 0,
	    "max_memory = 0 (no cap) is valid");
	is_int(load_kv("gatewayd", "max_memory", "2T"), CAIRN_ECONF,
	    "max_memory = 2T is rejected (over 1T)");
	is_int(load_kv("gatewayd", "max_memory_wait_ms", "0"), 0,
	    "max_memory_wait_ms = 0 (refuse at once) is valid");
	is_int(load_kv("gatewayd", "max_memory_wait_ms", "600001"),
	    CAIRN_ECONF, "max_memory_wait_ms = 600001 is rejected");
	is_int(load(""), 0, "the defaults load again");
	is_int(conf.c_gw_delete_delay_s, 60, "delete_delay defaults to 60");
	is_int(load_kv("gatewayd", "delete_delay", "86401"), CAIRN_ECONF,
	    "delete_delay = 86401 is rejected");
}

/* --- parity against the drives ------------------------------------------- */

/* load_drives loads n drives named d1..dn after text. */
static int
load_drives(int n, const char *text)
{
	char buf[8192];
	size_t off;
	int i;

	off = (size_t)snprintf(buf, sizeof(buf), "%s\n", text);
	for (i = 1; i <= n && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "[drive d%d]\npath = /srv/d%d\n", i, i);
	return conf_load_string(&conf, buf);
}

static void
check_parity(void)
{
	static const int minio[17] = {
		-1, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	};
	int n, wrong = 0;

	for (n = 1; n <= CONF_DRIVEMAX; n++)
		if (load_drives(n, "") != 0 || conf_parity(&conf) != minio[n]) {
			diag("%d drives: parity %d", n, conf_parity(&conf));
			wrong++;
		}
	ok(wrong == 0, "conf_parity follows MinIO's table for 1..16 drives");
	is_int(load_drives(1, "[cluster]\nparity = 1"), CAIRN_ECONF,
	    "parity 1 with 1 drive is rejected");
	is_int(load_drives(3, "[cluster]\nparity = 2"), CAIRN_ECONF,
	    "parity 2 with 3 drives is rejected (fewer data than parity)");
	is_int(load_drives(4, "[cluster]\nparity = 2"), 0,
	    "parity 2 with 4 drives is valid");
	is_int(conf_parity(&conf), 2, "conf_parity returns the set parity");
	is_int(load_drives(16, "[cluster]\nparity = 8"), 0,
	    "parity 8 with 16 drives is valid");
	is_int(load_drives(5, "[cluster]\nparity = 0"), 0,
	    "parity 0 is valid");
	is_int(conf_parity(&conf), 0, "and conf_parity says 0");
}

/* --- errors in the file -------------------------------------------------- */

/* Files that must not load, each with one drive after it. */
static const struct {
	const char	*bf_text;
	const char	*bf_what;
} bad_files[] = {
	{ "[cluster]\nregoin = x", "an unknown key is an error" },
	{ "[clustre]\nregion = x", "an unknown section is an error" },
	{ "region = x", "a key before any section is an error" },
	{ "[cluster]\nregion", "a line without '=' is an error" },
	{ "[cluster\nregion = x", "an unclosed section is an error" },
	{ "[gatewayd]\nlisten = 9000",
	    "[gatewayd] listen without host:port is an error" },
	{ "[gatewayd]\ntls_cert = /c.pem",
	    "[gatewayd] tls_cert without tls_key is an error" },
	{ "[gatewayd]\ntls_key = /k.pem",
	    "[gatewayd] tls_key without tls_cert is an error" },
};

static void
check_file_errors(void)
{
	char line[300];
	size_t i;

	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++)
		is_int(load(bad_files[i].bf_text), CAIRN_ECONF, "%s",
		    bad_files[i].bf_what);
	is_int(conf_load_string(&conf, "[cluster]\nregion = x\n"), CAIRN_ECONF,
	    "a file without drives is an error");
	is_int(load("[drive d1]\nsize = 1"), CAIRN_ECONF,
	    "an unknown key in a [drive] section is an error");
	memset(line, 'x', sizeof(line));
	memcpy(line, "[cluster]\ndata_dir = /", 22);
	line[sizeof(line) - 1] = '\0';
	is_int(load(line), CAIRN_ECONF,
	    "a line over 199 bytes is an error, not cut short");
}

/* load_len loads [cluster] key set to len bytes of c. */
static int
load_len(const char *key, char c, size_t len)
{
	char v[200];

	memset(v, c, len);
	v[len] = '\0';
	return load_kv("cluster", key, v);
}

static void
check_string_lengths(void)
{
	size_t region = sizeof(conf.c_region);

	is_int(load_len("region", 'r', region - 1), 0,
	    "a region of 63 bytes fits");
	is_int(load_len("region", 'r', region), CAIRN_ECONF,
	    "a region of 64 bytes is too long");
	is_int(load_len("root_secret_key", 's', CONF_KEYMAX - 1), 0,
	    "a secret key of 127 bytes fits");
	is_int(load_len("root_secret_key", 's', CONF_KEYMAX), CAIRN_ECONF,
	    "a secret key of 128 bytes is too long");
}

/* --- drives -------------------------------------------------------------- */

static int
load_drive_named(const char *name)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "[drive %s]\npath = /x\n", name);
	return conf_load_string(&conf, buf);
}

static void
check_drive_names(void)
{
	char name[CONF_NAMEMAX + 1];

	is_int(load_drive_named("bad name"), CAIRN_ECONF,
	    "a drive name with a space is rejected");
	is_int(load_drive_named("a/b"), CAIRN_ECONF,
	    "a drive name with a slash is rejected");
	is_int(load_drive_named(".."), CAIRN_ECONF,
	    "a drive named .. is rejected");
	is_int(load_drive_named(""), CAIRN_ECONF,
	    "an empty drive name is rejected");
	memset(name, 'n', sizeof(name));
	name[CONF_NAMEMAX - 1] = '\0';
	is_int(load_drive_named(name), 0, "a drive name of 31 bytes is valid");
	name[CONF_NAMEMAX - 1] = 'n';
	name[CONF_NAMEMAX] = '\0';
	is_int(load_drive_named(name), CAIRN_ECONF,
	    "a drive name of 32 bytes is rejected");
}

static void
check_drive_order(void)
{
	is_int(conf_load_string(&conf, "[drive zeta]\npath = /z\n"
	    "[cluster]\nregion = x\n[drive alpha]\npath = /a\n"
	    "[drive m_9]\npath = /m\n"), 0, "three drives load");
	ok(conf.c_ndrives == 3 && streq(conf.c_drives[0].cd_name, "zeta") &&
	    streq(conf.c_drives[1].cd_name, "alpha") &&
	    streq(conf.c_drives[2].cd_name, "m_9"),
	    "drives keep the order of their sections");
	ok(conf_drive_find(&conf, "alpha") == 1 &&
	    conf_drive_find(&conf, "m_9") == 2 &&
	    conf_drive_find(&conf, "zeta") == 0 &&
	    conf_drive_find(&conf, "beta") == -1,
	    "conf_drive_find returns the index, or -1");
	is_int(conf_load_string(&conf, "[drive d1] ; the first disk\r\n"
	    "path = /a\r\n[drive d2]\r\n"), 0,
	    "CRLF lines and a comment after a section load");
	ok(conf.c_ndrives == 2 && streq(conf.c_drives[0].cd_path, "/a") &&
	    streq(conf.c_drives[1].cd_name, "d2"),
	    "and give the same drives");
	is_int(load_drives(CONF_DRIVEMAX, ""), 0, "16 drives are valid");
	is_int(load_drives(CONF_DRIVEMAX + 1, ""), CAIRN_ECONF,
	    "17 drives are rejected");
}

/* --- environment --------------------------------------------------------- */

static const char env_conf[] =
	"[cluster]\n"
	"root_secret_key = from-the-file\n"
	"inline_max = 16K\n"
	"[gatewayd]\n"
	"listen = 127.0.0.1:9000\n"
	ONE_DRIVE;

static void
check_env_overrides(void)
{
	char *path = write_temp(env_conf);

	setenv("CAIRN_ROOT_SECRET_KEY", "from-the-environment", 1);
	setenv("CAIRN_GATEWAYD_LISTEN", "0.0.0.0:9100", 1);
	setenv("CAIRN_INLINE_MAX", "32K", 1);
	setenv("CAIRN_DATA_DIR", "/env/data", 1);
	setenv("CAIRN_METAD_WORKERS", "", 1);
	is_int(conf_load(&conf, path), 0, "a file loads with CAIRN_* set");
	ok(streq(conf.c_root_secret_key, "from-the-environment"),
	    "CAIRN_ROOT_SECRET_KEY wins over the file");
	ok(streq(conf.c_gw_listen, "0.0.0.0:9100"),
	    "CAIRN_GATEWAYD_LISTEN wins over the file");
	is_int((long long)conf.c_inline_max, 32768,
	    "CAIRN_INLINE_MAX wins over the file");
	ok(streq(conf.c_metad_path, "/env/data/meta") &&
	    streq(conf.c_drives[0].cd_path, "/srv/d1"),
	    "CAIRN_DATA_DIR moves the derived paths, not the explicit ones");
	is_int(conf.c_metad_workers, 64, "an empty variable is ignored");
	setenv("CAIRN_METAD_WORKERS", "0", 1);
	is_int(conf_load(&conf, path), CAIRN_ECONF,
	    "a variable with a bad value is an error");
	unset_cairn_env();
	is_int(conf_load(&conf, path), 0, "without the variables");
	ok(streq(conf.c_root_secret_key, "from-the-file") &&
	    streq(conf.c_gw_listen, "127.0.0.1:9000") &&
	    conf.c_inline_max == 16384, "the file's values are back");
	unlink(path);
}

static void
check_env_path_too_long(void)
{
	char dir[PATH_MAX];

	memset(dir, 'd', sizeof(dir));
	dir[0] = '/';
	dir[PATH_MAX - 4] = '\0';
	setenv("CAIRN_DATA_DIR", dir, 1);
	is_int(conf_load_string(&conf, ONE_DRIVE), CAIRN_ECONF,
	    "a derived path that would not fit is an error");
	unset_cairn_env();
}

static void
check_default_path(void)
{
	ok(streq(conf_default_path(), SYSCONFDIR "/cairn/cairn.conf"),
	    "the default file is SYSCONFDIR/cairn/cairn.conf");
	setenv("CAIRN_CONF", "/elsewhere/c.conf", 1);
	ok(streq(conf_default_path(), "/elsewhere/c.conf"),
	    "CAIRN_CONF names another file");
	setenv("CAIRN_CONF", "", 1);
	ok(streq(conf_default_path(), SYSCONFDIR "/cairn/cairn.conf"),
	    "an empty CAIRN_CONF is ignored");
	unset_cairn_env();
}

/* --- secrets ------------------------------------------------------------- */

static void
check_wipe(void)
{
	size_t i, left = 0;

	is_int(conf_load_string(&conf, full_conf), 0, "load a secret");
	conf_wipe(&conf);
	for (i = 0; i < sizeof(conf.c_root_secret_key); i++)
		if (conf.c_root_secret_key[i] != '\0')
			left++;
	is_int((long long)left, 0, "conf_wipe clears every byte of the secret");
	ok(streq(conf.c_root_access_key, "AKIAROOT"),
	    "and keeps the access key");
}

int
main(void)
{
	unset_cairn_env();
	plan(7 + 5 + 14 + 8 + 4 + 23 + 8 + 11 + 4 + 6 + 7 + 9 + 1 + 3 + 3 + 8 + 3);
	check_defaults();
	check_derived();
	check_every_key();
	check_size_suffixes();
	check_size_rejects();
	check_int_ranges();
	check_parity();
	check_file_errors();
	check_string_lengths();
	check_drive_names();
	check_drive_order();
	check_env_overrides();
	check_env_path_too_long();
	check_default_path();
	check_wipe();
	check_max_memory();
	return tap_done();
}
