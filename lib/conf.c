/* conf.c - cairn.conf: one INI file, a section per daemon, CAIRN_* overrides */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "conf.h"
#include "errors.h"
#include "log.h"
#include "proto.h"
#include "rpc.h"
#include "sdnotify.h"

/* What a key's value is and where it lands in struct conf. */
enum conf_kind { K_STR, K_INT, K_SIZE };

struct conf_key {
	const char	*ck_section;
	const char	*ck_name;
	enum conf_kind	 ck_kind;
	size_t		 ck_off;
	size_t		 ck_len;	/* K_STR: buffer size */
	int64_t		 ck_min, ck_max;
};

#define STR(sec, name, field) \
	{ sec, name, K_STR, offsetof(struct conf, field), \
	  sizeof(((struct conf *)0)->field), 0, 0 }
#define INT(sec, name, field, lo, hi) \
	{ sec, name, K_INT, offsetof(struct conf, field), 0, lo, hi }
#define SIZE(sec, name, field, lo, hi) \
	{ sec, name, K_SIZE, offsetof(struct conf, field), 0, lo, hi }

static const struct conf_key conf_keys[] = {
	STR("cluster", "data_dir", c_data_dir),
	STR("cluster", "run_dir", c_run_dir),
	STR("cluster", "region", c_region),
	STR("cluster", "root_access_key", c_root_access_key),
	STR("cluster", "root_secret_key", c_root_secret_key),
	INT("cluster", "parity", c_parity, 0, CONF_DRIVEMAX / 2),
	SIZE("cluster", "inline_max", c_inline_max, 0, 256 * 1024),
	INT("cluster", "rpc_timeout_ms", c_rpc_timeout_ms, 100, 600000),
	STR("metad", "path", c_metad_path),
	STR("metad", "listen", c_metad_listen),
	INT("metad", "workers", c_metad_workers, 1, 256),
	INT("chunkd", "workers", c_chunkd_workers, 1, 256),
	SIZE("chunkd", "drop_behind", c_chunkd_drop_behind, 0,
	    (int64_t)1 << 40),
	INT("chunkd", "direct_write", c_chunkd_direct_write, 0, 1),
	STR("gatewayd", "listen", c_gw_listen),
	STR("gatewayd", "control", c_gw_control),
	STR("gatewayd", "domains", c_gw_domains),
	INT("gatewayd", "threads", c_gw_threads, 1, 64),
	INT("gatewayd", "workers", c_gw_workers, 1, 4096),
	INT("gatewayd", "rpc_batch", c_gw_rpc_batch, 1, PROTO_BATCHMAX),
	INT("gatewayd", "rpc_write_batch", c_gw_rpc_wbatch, 1, PROTO_BATCHMAX),
	INT("gatewayd", "rpc_batch_inflight", c_gw_rpc_inflight, 1,
	    RPC_INFLIGHTMAX),
	INT("gatewayd", "rpc_write_inflight", c_gw_rpc_winflight, 1,
	    RPC_INFLIGHTMAX),
	INT("gatewayd", "fast_path", c_gw_fast_path, 0, 1),
	STR("gatewayd", "tmp_dir", c_gw_tmp_dir),
	SIZE("gatewayd", "max_object_size", c_gw_max_object, 1,
	    (int64_t)5 << 40),
	SIZE("gatewayd", "max_memory", c_gw_max_memory, 0, (int64_t)1 << 40),
	INT("gatewayd", "max_memory_wait_ms", c_gw_max_memory_wait_ms, 0,
	    600000),
	SIZE("gatewayd", "shared_memory", c_gw_shared_memory, 0,
	    (int64_t)1 << 40),
	SIZE("gatewayd", "record_cache", c_gw_record_cache, 0,
	    (int64_t)1 << 34),
	INT("gatewayd", "delete_delay", c_gw_delete_delay_s, 0, 86400),
	STR("gatewayd", "tls_cert", c_gw_tls_cert),
	STR("gatewayd", "tls_key", c_gw_tls_key),
	INT("gatewayd", "tls_http2", c_gw_tls_http2, 0, 1),
	STR("scrubd", "listen", c_scrub_listen),
	INT("scrubd", "workers", c_scrub_workers, 1, 64),
	SIZE("scrubd", "bytes_per_sec", c_scrub_bytes_per_sec, 4096,
	    (int64_t)1 << 40),
	INT("scrubd", "objects_per_sec", c_scrub_objects_per_sec, 1, 1000000),
	INT("scrubd", "interval", c_scrub_interval_s, 1, 365 * 86400),
	INT("scrubd", "orphan_grace", c_scrub_orphan_grace_s, 1, 365 * 86400),
	INT("scrubd", "lifecycle_interval", c_lc_interval_s, 1, 86400),
	INT("scrubd", "lifecycle_day", c_lc_day_s, 1, 86400),
};

#define CONF_FILEMAX	(1024 * 1024)

struct conf_parse {
	struct conf	*cp_conf;
	const char	*cp_file;
	int		 cp_errors;
	int		 cp_drive;	/* current [drive NAME] or -1 */
};

const char *
conf_default_path(void)
{
	const char *p = getenv("CAIRN_CONF");

	return (p != NULL && *p != '\0') ? p : SYSCONFDIR "/cairn/cairn.conf";
}

static void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->c_data_dir, sizeof(c->c_data_dir), "%s/lib/cairn",
	    LOCALSTATEDIR);
	snprintf(c->c_run_dir, sizeof(c->c_run_dir), "%s/cairn", RUNSTATEDIR);
	strcpy(c->c_region, "us-east-1");
	c->c_parity = -1;
	c->c_inline_max = 16 * 1024;
	c->c_rpc_timeout_ms = 10000;
	c->c_metad_workers = 64;
	c->c_chunkd_workers = 8;
	c->c_chunkd_drop_behind = 4 * 1024 * 1024;
	c->c_chunkd_direct_write = 1;
	strcpy(c->c_gw_listen, "127.0.0.1:9000");
	c->c_gw_threads = 2;
	c->c_gw_workers = 64;
	c->c_gw_rpc_batch = 32;
	c->c_gw_rpc_wbatch = 32;
	c->c_gw_rpc_inflight = 1;
	c->c_gw_rpc_winflight = 2;
	c->c_gw_fast_path = 1;
	c->c_gw_max_object = (uint64_t)5 << 30;
	c->c_gw_max_memory = (uint64_t)512 << 20;
	c->c_gw_max_memory_wait_ms = 2000;
	c->c_gw_shared_memory = (uint64_t)64 << 20;
	c->c_gw_record_cache = (uint64_t)64 << 20;
	c->c_gw_delete_delay_s = 60;
	c->c_scrub_workers = 4;
	c->c_scrub_bytes_per_sec = 32u << 20;
	c->c_scrub_objects_per_sec = 200;
	c->c_scrub_interval_s = 86400;
	c->c_scrub_orphan_grace_s = 86400;
	c->c_lc_interval_s = 3600;
	c->c_lc_day_s = 86400;
}

/* parse_size reads "123", "4K", "16KiB", "5G"...; binary multiples. */
static int
parse_size(const char *s, int64_t *out)
{
	char *end;
	long long v;
	int shift = 0;

	v = strtoll(s, &end, 10);
	if (end == s || v < 0)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case '\0':	break;
	case 'K':	shift = 10; end++; break;
	case 'M':	shift = 20; end++; break;
	case 'G':	shift = 30; end++; break;
	case 'T':	shift = 40; end++; break;
	default:	return -1;
	}
	if (shift != 0 && strcasecmp(end, "") != 0 &&
	    strcasecmp(end, "iB") != 0 && strcasecmp(end, "B") != 0)
		return -1;
	if (v > (INT64_MAX >> shift))
		return -1;
	*out = (int64_t)v << shift;
	return 0;
}

static int
set_key(struct conf_parse *cp, const struct conf_key *k, const char *value,
    const char *origin)
{
	char *field = (char *)cp->cp_conf + k->ck_off;
	int64_t v;
	char *end;

	if (k->ck_kind == K_STR) {
		if (strlen(value) >= k->ck_len) {
			log_warnx("%s: [%s] %s: value too long", origin,
			    k->ck_section, k->ck_name);
			return -1;
		}
		strcpy(field, value);
		return 0;
	}
	if (k->ck_kind == K_SIZE) {
		if (parse_size(value, &v) == -1)
			goto bad;
	} else {
		v = strtoll(value, &end, 10);
		if (end == value || *end != '\0')
			goto bad;
	}
	if (v < k->ck_min || v > k->ck_max) {
		log_warnx("%s: [%s] %s: %s is out of range %lld..%lld", origin,
		    k->ck_section, k->ck_name, value, (long long)k->ck_min,
		    (long long)k->ck_max);
		return -1;
	}
	if (k->ck_kind == K_SIZE)
		*(uint64_t *)field = (uint64_t)v;
	else
		*(int *)field = (int)v;
	return 0;
bad:
	log_warnx("%s: [%s] %s: '%s' is not a number", origin, k->ck_section,
	    k->ck_name, value);
	return -1;
}

static const struct conf_key *
find_key(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++)
		if (strcmp(conf_keys[i].ck_section, section) == 0 &&
		    strcmp(conf_keys[i].ck_name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

static int
valid_drive_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= CONF_NAMEMAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' &&
		    name[i] != '_')
			return 0;
	return 1;
}

/* drive_section handles the keys of a [drive NAME] section. */
static int
drive_key(struct conf_parse *cp, const char *section, const char *name,
    const char *value)
{
	struct conf *c = cp->cp_conf;
	const char *dname = section + strlen("drive ");
	struct conf_drive *d;
	int i = conf_drive_find(c, dname);

	if (i == -1) {
		if (!valid_drive_name(dname) || c->c_ndrives == CONF_DRIVEMAX) {
			log_warnx("%s: [%s]: bad drive name or more than %d "
			    "drives", cp->cp_file, section, CONF_DRIVEMAX);
			return -1;
		}
		i = c->c_ndrives++;
		strcpy(c->c_drives[i].cd_name, dname);
	}
	d = &c->c_drives[i];
	if (name == NULL)
		return 0;
	if (strcmp(name, "path") == 0 && strlen(value) < sizeof(d->cd_path)) {
		strcpy(d->cd_path, value);
		return 0;
	}
	if (strcmp(name, "listen") == 0 &&
	    strlen(value) < sizeof(d->cd_listen)) {
		strcpy(d->cd_listen, value);
		return 0;
	}
	log_warnx("%s: [%s] %s: unknown key or value too long", cp->cp_file,
	    section, name);
	return -1;
}

/* on_ini is inih's callback: one call per key, and one per new section. */
static int
on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct conf_parse *cp = user;
	const struct conf_key *k;

	if (strncmp(section, "drive ", 6) == 0) {
		if (drive_key(cp, section, name, value) == -1)
			cp->cp_errors++;
		return 1;
	}
	if (name == NULL)
		return 1;
	if ((k = find_key(section, name)) == NULL) {
		log_warnx("%s: [%s] %s: unknown key", cp->cp_file, section,
		    name);
		cp->cp_errors++;
		return 1;
	}
	if (set_key(cp, k, value, cp->cp_file) == -1)
		cp->cp_errors++;
	return 1;
}

/*
 * env_overrides applies CAIRN_<KEY> for [cluster] keys and
 * CAIRN_<SECTION>_<KEY> for the others, e.g. CAIRN_ROOT_SECRET_KEY or
 * CAIRN_GATEWAYD_LISTEN.
 */
static void
env_overrides(struct conf_parse *cp)
{
	char var[128];
	const char *v;
	size_t i, j;

	for (i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++) {
		const struct conf_key *k = &conf_keys[i];

		if (strcmp(k->ck_section, "cluster") == 0)
			snprintf(var, sizeof(var), "CAIRN_%s", k->ck_name);
		else
			snprintf(var, sizeof(var), "CAIRN_%s_%s",
			    k->ck_section, k->ck_name);
		for (j = 0; var[j] != '\0'; j++)
			var[j] = (char)toupper((unsigned char)var[j]);
		if ((v = getenv(var)) == NULL || *v == '\0')
			continue;
		if (set_key(cp, k, v, var) == -1)
			cp->cp_errors++;
	}
}

/* derive fills an empty setting from a format; a too long result is an error. */
static int
derive(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (dst[0] != '\0')
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(dst, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		dst[0] = '\0';
		log_warnx("derived path too long (from '%s')", fmt);
		return -1;
	}
	return 0;
}

static int
fill_derived(struct conf *c)
{
	int i, bad = 0;

	bad |= derive(c->c_metad_path, sizeof(c->c_metad_path), "%s/meta",
	    c->c_data_dir);
	bad |= derive(c->c_metad_listen, sizeof(c->c_metad_listen),
	    "ipc://%s/metad.sock", c->c_run_dir);
	bad |= derive(c->c_gw_control, sizeof(c->c_gw_control),
	    "ipc://%s/gatewayd.sock", c->c_run_dir);
	bad |= derive(c->c_gw_tmp_dir, sizeof(c->c_gw_tmp_dir), "%s/tmp",
	    c->c_data_dir);
	bad |= derive(c->c_scrub_listen, sizeof(c->c_scrub_listen),
	    "ipc://%s/scrubd.sock", c->c_run_dir);
	for (i = 0; i < c->c_ndrives; i++) {
		struct conf_drive *d = &c->c_drives[i];

		bad |= derive(d->cd_path, sizeof(d->cd_path), "%s/drives/%s",
		    c->c_data_dir, d->cd_name);
		bad |= derive(d->cd_listen, sizeof(d->cd_listen),
		    "ipc://%s/chunkd-%s.sock", c->c_run_dir, d->cd_name);
	}
	return bad ? -1 : 0;
}

static int
absolute(const char *path, const char *what, const char *origin)
{
	if (path[0] == '/')
		return 0;
	log_warnx("%s: %s: '%s' is not an absolute path", origin, what, path);
	return -1;
}

static int
validate_paths(const struct conf *c, const char *origin)
{
	int i, bad = 0;

	bad |= absolute(c->c_data_dir, "[cluster] data_dir", origin);
	bad |= absolute(c->c_run_dir, "[cluster] run_dir", origin);
	bad |= absolute(c->c_metad_path, "[metad] path", origin);
	bad |= absolute(c->c_gw_tmp_dir, "[gatewayd] tmp_dir", origin);
	for (i = 0; i < c->c_ndrives; i++)
		bad |= absolute(c->c_drives[i].cd_path, "[drive] path", origin);
	return bad ? -1 : 0;
}

static int
validate(const struct conf *c, const char *origin)
{
	int m;

	if (validate_paths(c, origin) == -1)
		return -1;

	if (c->c_ndrives == 0) {
		log_warnx("%s: no [drive NAME] section", origin);
		return -1;
	}
	m = conf_parity(c);
	if (m >= c->c_ndrives || m > c->c_ndrives - m) {
		log_warnx("%s: parity %d needs at least %d drives, %d given",
		    origin, m, 2 * m, c->c_ndrives);
		return -1;
	}
	if (strchr(c->c_gw_listen, ':') == NULL) {
		log_warnx("%s: [gatewayd] listen: want host:port", origin);
		return -1;
	}
	if ((c->c_gw_tls_cert[0] == '\0') != (c->c_gw_tls_key[0] == '\0')) {
		log_warnx("%s: [gatewayd] tls_cert and tls_key go together",
		    origin);
		return -1;
	}
	return 0;
}

static int
conf_finish(struct conf_parse *cp)
{
	env_overrides(cp);
	if (cp->cp_errors > 0)
		return CAIRN_ECONF;
	if (fill_derived(cp->cp_conf) == -1)
		return CAIRN_ECONF;
	if (validate(cp->cp_conf, cp->cp_file) == -1)
		return CAIRN_ECONF;
	return 0;
}

/*
 * Debian's libinih does not call the handler for a section without keys,
 * and a bare "[drive d1]" is a complete drive: find those sections first.
 */
static void
scan_drive_sections(struct conf_parse *cp, const char *text)
{
	const char *line = text, *end;
	char name[CONF_NAMEMAX + 8];
	size_t n;

	for (; line != NULL && *line != '\0'; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if ((*line == ' ' || *line == '\t') &&
		    line[strspn(line, " \t")] == '[') {
			/* inih reads it as the previous value's continuation. */
			log_warnx("%s: indented section header", cp->cp_file);
			cp->cp_errors++;
			continue;
		}
		if (strncmp(line, "[drive ", 7) != 0)
			continue;
		n = strcspn(line + 7, "]\n");
		if (line[7 + n] != ']' || n >= CONF_NAMEMAX) {
			log_warnx("%s: [drive %.*s: bad section", cp->cp_file,
			    (int)n, line + 7);
			cp->cp_errors++;
			continue;
		}
		snprintf(name, sizeof(name), "drive %.*s", (int)n, line + 7);
		if (conf_drive_find(cp->cp_conf, name + 6) != -1) {
			log_warnx("%s: [%s] appears twice", cp->cp_file, name);
			cp->cp_errors++;
			continue;
		}
		if (drive_key(cp, name, NULL, NULL) == -1)
			cp->cp_errors++;
	}
}

static int
conf_parse_text(struct conf *conf, const char *text, const char *origin)
{
	struct conf_parse cp = { conf, origin, 0, -1 };
	int rc;

	conf_defaults(conf);
	scan_drive_sections(&cp, text);
	rc = ini_parse_string(text, on_ini, &cp);
	if (rc != 0) {
		log_warnx("%s:%d: syntax error", origin, rc);
		return CAIRN_ECONF;
	}
	return conf_finish(&cp);
}

int
conf_load(struct conf *conf, const char *path)
{
	char *text;
	FILE *f;
	size_t n;
	int rc;

	if ((f = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return CAIRN_ECONF;
	}
	text = calloc(1, CONF_FILEMAX + 1);
	n = text ? fread(text, 1, CONF_FILEMAX + 1, f) : 0;
	fclose(f);
	if (text == NULL || n > CONF_FILEMAX) {
		log_warnx("%s: larger than %d bytes", path, CONF_FILEMAX);
		free(text);
		return CAIRN_ECONF;
	}
	rc = conf_parse_text(conf, text, path);
	explicit_bzero(text, n);
	free(text);
	return rc;
}

int
conf_load_string(struct conf *conf, const char *text)
{
	return conf_parse_text(conf, text, "(string)");
}

int
conf_drive_find(const struct conf *conf, const char *name)
{
	int i;

	for (i = 0; i < conf->c_ndrives; i++)
		if (strcmp(conf->c_drives[i].cd_name, name) == 0)
			return i;
	return -1;
}

int
conf_parity(const struct conf *c)
{
	int n = c->c_ndrives;

	if (c->c_parity >= 0)
		return c->c_parity;
	if (n <= 1)
		return 0;
	if (n <= 3)
		return 1;
	if (n <= 5)
		return 2;
	if (n <= 7)
		return 3;
	return 4;
}

void
conf_wipe(struct conf *conf)
{
	explicit_bzero(conf->c_root_secret_key,
	    sizeof(conf->c_root_secret_key));
}

void
conf_reload(const char *path, const char *status,
    void (*apply)(void *arg, const struct conf *new), void *arg)
{
	struct conf *nc;

	sdnotify_reloading();
	if ((nc = malloc(sizeof(*nc))) == NULL)
		log_warn("%s: reload", path);
	else if (conf_load(nc, path) != 0)
		log_warnx("%s: invalid; keeping the running configuration",
		    path);
	else {
		apply(arg, nc);
		log_info("configuration reloaded");
	}
	if (nc != NULL) {
		conf_wipe(nc);
		free(nc);
	}
	sdnotify_ready(status);
}
