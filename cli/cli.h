/* cli/cli.h — shared pieces of the command-line front end. */
#ifndef PT_CLI_H
#define PT_CLI_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "../graph/query.h"
#include "../graph/workspace.h"
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
	const char *output; /* export -o: a file, or the directory neo4j writes into */
	const char *rules;  /* check --rules: the rules as JSON */
	bool json, quiet, query_mode, full;
	bool no_index; /* check, diff: use the index as it is */
	bool markdown; /* diff --markdown */
	size_t limit, n;
	size_t warnings; /* onboard: warnings shown (--warnings N|all; SIZE_MAX: all) */
	uint32_t depth, tokens;
	int jobs;
	/* onboard: the build to describe (--target, --cfg, --features,
	 * --all-features, --no-default-features); build_set when any was given */
	pt_build build;
	bool build_set;
	int links; /* onboard: INDEX_LINKS_* (--follow-symlinks, --no-follow-symlinks) */
	const char *args[8];
	int nargs;
} cli_opts;

void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Open the database for the options (see db_dir in main.c); prints the
 * reason on failure. */
int cli_open_db(const cli_opts *o, const char *root, bool write, store **st);
/* The database directory for the options: --db, PARSELTONGUE_DB, else
 * <root>/.cache/parseltongue (root NULL: the nearest such folder from the
 * current one up). Caller frees. */
char *cli_db_dir(const cli_opts *o, const char *root);

int cmd_query(const cli_opts *o);
int cmd_query_bench(const cli_opts *o);
int cmd_storage(const cli_opts *o);
int cmd_export(const cli_opts *o);
/* `parseltongue check` (cli/check.c): architecture rules over the graph. */
int cmd_check(const cli_opts *o);
/* `parseltongue diff BASE [HEAD]` (cli/diff.c): what a change does to the graph. */
int cmd_diff(const cli_opts *o);
/* Index the folder args[0] (default .) as `onboard` does; an EXIT_* code. */
int cli_onboard(const cli_opts *o);
/* `parseltongue facts FILE` (cli/facts.c): what the extractor sees in one file. */
int cmd_facts(const cli_opts *o);
/* The query kinds, in the order of their names (cli/query.c). */
typedef enum {
	Q_IMPL,
	Q_CALLERS,
	Q_CALLEES,
	Q_REFS,
	Q_BLAST,
	Q_CYCLES,
	Q_CONTEXT,
	Q_WHERE,
	Q_SEARCH,
	Q_FILE
} qkind;
/* The kind named s ("what-implements", "callers", ...), -1 if none. */
int cli_qkind_of(const char *s);
/* The entities target names for a query of kind k: sorted by id; a
 * search runs the search (query_search's order, --limit or 50 of them); a
 * file lists its entities in source order (--limit of them). */
int cli_targets_for(store_txn *txn, qkind k, const char *target, const cli_opts *o, query_ids *ids);
/* The same; *truncated says whether --limit (or the search's 50) left some
 * out. */
int cli_targets_cut(store_txn *txn, qkind k, const char *target, const cli_opts *o, query_ids *ids,
		    bool *truncated);
/* Run query k for entity id, appending to r (--limit, --depth of o). */
int cli_run_query(store_txn *txn, qkind k, uint64_t id, const cli_opts *o, query_results *r);
/* An entity as JSON (the README's result object); for_id names the
 * target it answers for (0: none). NULL if id is unknown. */
json_t *cli_entity_json(store_txn *txn, uint64_t id, uint64_t for_id);
/* The self type an impl's name writes ("impl Named for Vec<Point>" →
 * "Vec<Point>", "impl Foo<T>" → "Foo<T>"): what an impl of a type outside
 * the workspace is for. Points into name. */
const char *cli_impl_self_text(const char *name);

/* Output of names a repository chose (cli/query.c): cli_term gives s
 * with what a terminal acts on spelled out (core/escape.h), in one of four
 * buffers used in turn (valid until the fourth call after); cli_json_print
 * writes a value to stdout, indented, keeping bytes that are not UTF-8
 * (pt_json_bytes strings), then a newline. */
const char *cli_term(const char *s);
int cli_json_print(const json_t *j);

/* The database directory a command is about to read, for the fault
 * handler (copied; a path too long to copy is reported, never removed). */
void cli_reading_db(const char *dir);

#endif
