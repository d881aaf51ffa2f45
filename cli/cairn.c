/* cairn.c - the cairn command: global options, command lookup, JSON output */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cairn.h"
#include "conf.h"
#include "log.h"

/* Every command, in the order help lists them. */
static const struct cmd_entry *cairn_cmds[] = {
	&cmd_config_entry,
	&cmd_status_entry,
	&cmd_scrub_entry,
	&cmd_heal_entry,
	&cmd_user_entry,
	&cmd_lifecycle_entry,
};

#define CAIRN_NCMDS	(sizeof(cairn_cmds) / sizeof(cairn_cmds[0]))

static void
usage_all(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: cairn [-hj] [-f file] command [args]\n"
	    "commands:\n");
	for (i = 0; i < CAIRN_NCMDS; i++)
		fprintf(fp, "    %s%s%s\n", cairn_cmds[i]->name,
		    cairn_cmds[i]->usage[0] != '\0' ? " " : "",
		    cairn_cmds[i]->usage);
}

int
cairn_usage(const struct cmd_entry *entry)
{
	fprintf(stderr, "usage: cairn [-j] [-f file] %s%s%s\n", entry->name,
	    entry->usage[0] != '\0' ? " " : "", entry->usage);
	return CAIRN_EXIT_USAGE;
}

static const struct cmd_entry *
find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < CAIRN_NCMDS; i++)
		if (strcmp(cairn_cmds[i]->name, name) == 0)
			return cairn_cmds[i];
	return NULL;
}

/*
 * utf8_len returns the length of the well-formed UTF-8 sequence that starts
 * s (len bytes available), or 0 if there is none: a stray continuation
 * byte, an overlong form, a surrogate or a truncated sequence.
 */
static size_t
utf8_len(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void
json_ascii(FILE *fp, unsigned char c)
{
	switch (c) {
	case '"':
		fputs("\\\"", fp);
		break;
	case '\\':
		fputs("\\\\", fp);
		break;
	case '\n':
		fputs("\\n", fp);
		break;
	case '\t':
		fputs("\\t", fp);
		break;
	default:
		if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\u%04x", c);
		else
			putc(c, fp);
	}
}

void
cairn_json_str(FILE *fp, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	putc('"', fp);
	while (i < len) {
		n = utf8_len(p + i, len - i);
		if (n == 0) {
			fputs("\\ufffd", fp);
			n = 1;
		} else if (n == 1)
			json_ascii(fp, p[i]);
		else
			fwrite(p + i, 1, n, fp);
		i += n;
	}
	putc('"', fp);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json",	no_argument,	NULL,	'j' },
		{ "help",	no_argument,	NULL,	'h' },
		{ NULL,		0,		NULL,	0 }
	};
	struct cairn_opts opts = { NULL, false };
	const struct cmd_entry *entry;
	int ch;

	log_init("cairn", 0);
	/* "+": options end at the command name; the rest is the command's. */
	while ((ch = getopt_long(argc, argv, "+f:hj", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			opts.co_conffile = optarg;
			break;
		case 'h':
			usage_all(stdout);
			return CAIRN_EXIT_OK;
		case 'j':
			opts.co_json = true;
			break;
		default:
			usage_all(stderr);
			return CAIRN_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage_all(stderr);
		return CAIRN_EXIT_USAGE;
	}
	if ((entry = find_cmd(argv[0])) == NULL) {
		fprintf(stderr, "cairn: unknown command: %s\n", argv[0]);
		usage_all(stderr);
		return CAIRN_EXIT_USAGE;
	}
	if (opts.co_conffile == NULL)
		opts.co_conffile = conf_default_path();
	return entry->exec(&opts, argc, argv);
}
