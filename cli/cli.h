/* cli/cli.h — shared pieces of the command-line front end. */
#ifndef PT_CLI_H
#define PT_CLI_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>

#include "../store/store.h"

/* Exit codes of every command (README: "Exit codes"). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NOTARGET = 3,
	EXIT_DB = 4
};

typedef struct {
	const char *db, *format, *level;
	bool json, quiet, query_mode, full;
	size_t limit, n;
	uint32_t depth, tokens;
	int jobs;
	const char *args[8];
	int nargs;
} cli_opts;

void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Open the database for the options (see db_dir in main.c); prints the
 * reason on failure. */
int cli_open_db(const cli_opts *o, const char *root, bool write, store **st);

int cmd_query(const cli_opts *o);
int cmd_query_bench(const cli_opts *o);
int cmd_storage(const cli_opts *o);
int cmd_export(const cli_opts *o);
/* `parseltongue facts FILE` (cli/facts.c): what the extractor sees in one file. */
int cmd_facts(const cli_opts *o);
/* The database directory a command is about to read, for the fault
 * handler (copied; a path too long to copy is reported, never removed). */
void cli_reading_db(const char *dir);

#endif
