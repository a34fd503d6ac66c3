/* graph/lint.h — architecture rules checked over the stored graph.
 *
 * What `parseltongue check` (and through it lint/parseltongue-lint)
 * reports: module dependency cycles under a policy, dependencies that a
 * rule forbids, and public items nothing in the workspace uses. The
 * front end reads the rules file; this module only walks the graph, once
 * over the entities and once over their outgoing edges, so a check costs
 * about what one read of the database costs.
 *
 * Every finding has a site (file and 0-based line/byte-column range) and
 * a key: a text that names what the finding is about by qualified paths
 * only (never by line), so that it stays the same across edits elsewhere
 * and a baseline can recognise it.
 */
#ifndef PT_GRAPH_LINT_H
#define PT_GRAPH_LINT_H

#include "query.h"

/* A dependency no edge may make: an entity whose qualified path matches
 * `from` must not name or call one whose path matches `to`. Patterns are
 * qualified paths matched by prefix at `::` boundaries; a segment may be
 * `*` (one segment), `**` (any number) or hold `*` wildcards (`core*`);
 * a leading `crate` matches any crate and, in `to`, the crate `from`
 * matched. Strings are borrowed for the duration of lint_run. */
typedef struct {
	const char *name; /* reported as the finding's rule name */
	const char *from, *to;
	const char *message; /* shown before the details; may be NULL */
} lint_forbid;

typedef struct {
	bool cycles;        /* report module dependency cycles */
	bool parent_child;  /* count a module's dependencies on its own
	                         ancestors and descendants (default: not: a
	                         cycle is then one among sibling subtrees) */
	bool ambiguous;     /* count edges kept as one of several candidates */
	bool tests;         /* count code the default build leaves out
	                         (`#[cfg(test)]` modules) */
	uint32_t max_sites; /* per dependency of a cycle, sites other than `use`
	                         declarations reported (0: every one) */
	const lint_forbid *forbid;
	size_t n_forbid;
	bool unused_pub; /* report public items nothing uses */
	bool api_public; /* every item reachable through `pub` modules of a
	                         library crate is used from outside (else only
	                         those defined in or imported by its root) */
} lint_opts;

enum {
	LINT_CYCLE = 1,
	LINT_FORBID,
	LINT_UNUSED
};

typedef struct {
	uint8_t rule;    /* LINT_* */
	uint32_t forbid; /* LINT_FORBID: index of the rule in lint_opts */
	uint32_t cycle;  /* LINT_CYCLE: 1-based number of the cycle */
	uint32_t file;   /* file id of the site */
	uint32_t line, col, end_line, end_col;
	uint64_t from, to; /* the modules (cycles), the entities (forbid), the
	                      item (unused: both) */
	uint32_t msg, key; /* offsets into lint_report.text */
} lint_finding;

typedef struct {
	PT_VEC(lint_finding) items; /* sorted by file, line, column */
	pt_strbuf text;             /* NUL-separated messages and keys */
	uint32_t cycles;            /* cycles found (each may have many sites) */
	uint32_t modules;           /* modules walked */
} lint_report;

void lint_opts_default(lint_opts *o);
/* Runs every rule o enables inside the caller's read transaction.
 * Returns PT_OK or the store's code. */
int lint_run(store_txn *txn, const lint_opts *o, lint_report *out);
void lint_report_free(lint_report *r); /* accepts a zeroed value */
static inline const char *lint_text(const lint_report *r, uint32_t off)
{
	return r->text.buf + off;
}

/* Whether qualified path `path` matches pattern `pat` (see lint_forbid);
 * a leading `crate` in pat must match the crate_len bytes at `crate`
 * (crate NULL: any crate). */
bool lint_path_match(const char *pat, const char *path, const char *crate, size_t crate_len);

#endif
