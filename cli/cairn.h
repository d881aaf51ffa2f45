/* cairn.h - the cairn command: global options and the command table */
#ifndef CAIRN_CLI_H
#define CAIRN_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"
#include "rpc.h"

/* Exit statuses of every command. */
#define CAIRN_EXIT_OK		0	/* done; every daemon answered */
#define CAIRN_EXIT_FAIL		1	/* something did not work */
#define CAIRN_EXIT_USAGE	2	/* bad command line */

/*
 * The global options, filled by main() from the command line before any
 * command runs and read-only afterwards.  The CLI is single-threaded.
 */
struct cairn_opts {
	const char	*co_conffile;	/* -f, else conf_default_path() */
	bool		 co_json;	/* -j, --json: one JSON document */
};

/*
 * One command, as in tmux: name is the first word after the options, usage
 * the rest of its synopsis (for messages and help), and exec runs it with
 * argv[0] set to the name.  exec returns the process exit status, one of
 * the CAIRN_EXIT_* values.  Each cmd_*.c file exports one of these.
 */
struct cmd_entry {
	const char	*name;
	const char	*usage;
	int		(*exec)(const struct cairn_opts *, int, char **);
};

extern const struct cmd_entry cmd_config_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_scrub_entry;
extern const struct cmd_entry cmd_heal_entry;
extern const struct cmd_entry cmd_user_entry;
extern const struct cmd_entry cmd_lifecycle_entry;

/* cairn.c */

/* cairn_usage prints entry's synopsis to stderr; returns CAIRN_EXIT_USAGE. */
int cairn_usage(const struct cmd_entry *entry);

/*
 * cairn_json_str writes s (len bytes, not necessarily NUL-terminated) to fp
 * as a JSON string with its quotes.  Bytes that are not valid UTF-8 become
 * U+FFFD, so the output is always valid JSON.
 */
void cairn_json_str(FILE *fp, const char *s, size_t len);

/* cmd_scrub.c */

/*
 * One request to cairn-scrubd and its report, which points into the call's
 * reply: finish with cmd_scrub_done after the last use of sc_report.
 */
struct cmd_scrub_call {
	struct rpc_client	*sc_client;
	struct rpc_call		 sc_call;
	bool			 sc_called;
	struct msg_scrub_report	 sc_report;
};

/*
 * cmd_scrub_call sends type (with scope, or nil) to the scrubd of the
 * configuration and unpacks the msg_scrub_report answer.  Returns 0 or an
 * error, which it has reported on stderr.
 */
int cmd_scrub_call(const struct cairn_opts *opts, struct cmd_scrub_call *sc,
    uint32_t type, const struct msg_scrub_scope *scope, int timeout_ms);

/* cmd_scrub_done frees what cmd_scrub_call holds. */
void cmd_scrub_done(struct cmd_scrub_call *sc);

/* cmd_scrub_stat returns the counter called name of rp, 0 if absent. */
uint64_t cmd_scrub_stat(const struct msg_scrub_report *rp, const char *name);

/* cmd_scrub_json prints rp as one JSON document. */
void cmd_scrub_json(const struct msg_scrub_report *rp);

/*
 * cmd_scrub_verb runs a command of the form "NAME VERB [--json]": false if
 * the arguments are not that (print the usage).  Else it sends type to
 * scrubd, prints the report as JSON or with human, and leaves the call's
 * result in *rc; finish with cmd_scrub_done.
 */
bool cmd_scrub_verb(const struct cairn_opts *opts, int argc, char **argv,
    const char *verb, uint32_t type, int timeout_ms,
    void (*human)(const struct msg_scrub_report *),
    struct cmd_scrub_call *sc, int *rc);

#endif
