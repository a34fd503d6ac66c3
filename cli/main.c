/* cli/main.c — the `parseltongue` command: onboard, query, storage, export.
 *
 * A thin front end: it finds the database, opens it, calls graph/ and
 * store/, and prints. Exit codes: 0 success (also an empty answer),
 * 1 other failure, 2 usage, 3 target matches nothing, 4 database problem.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/escape.h"
#include "../graph/check.h"
#include "../graph/index.h"
#include "../graph/query.h"
#include "../lsp/lsp.h"
#include "cli.h"
#include "mcp.h"

static const char *prog = "parseltongue";

void cli_err(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: parseltongue <command> [options]\n"
		"\n"
		"commands:\n"
		"  onboard [DIR]                 index DIR (default .); later runs re-index "
		"only what changed\n"
		"  query KIND [TARGET]           ask the graph; KIND is one of:\n"
		"        what-implements TRAIT   impls and derives of a trait (or the traits a "
		"type implements)\n"
		"        callers FN | callees FN call sites in and out\n"
		"        references ITEM         every call and use of an item\n"
		"        blast-radius ITEM       what is affected if ITEM changes (--depth N, "
		"default 3)\n"
		"        find-cycles             dependency cycles (--level module|function)\n"
		"        generate-context ITEM   compact text for an LLM (--tokens N, default "
		"2000)\n"
		"        where-defined ITEM | search QUERY | entities-in-file FILE\n"
		"  check [DIR] [--rules FILE]    architecture rules: module cycles, forbidden\n"
		"                                dependencies, unused public items (--json)\n"
		"  diff BASE [HEAD]              what a change does: entities added, removed,\n"
		"                                changed; impact; tests (git revisions or "
		"folders;\n"
		"                                --json, --markdown)\n"
		"  storage status|verify|compact|clean|snapshot FILE|restore FILE\n"
		"  export --format FORMAT [-o OUT] [--query KIND TARGET | --query find-cycles "
		"| --level module|crate]\n"
		"        FORMAT: json, dot, mermaid, scip, graphml, html, svg (or from OUT's "
		"extension);\n"
		"        neo4j writes CSV files into the directory OUT; html and svg draw the "
		"graph\n"
		"        (up to 1000 entities and 1500 edges unless --full)\n"
		"  --stdio                       run the language server on stdin/stdout\n"
		"  mcp [DIR]                     run the MCP server for AI agents on "
		"stdin/stdout (also --mcp)\n"
		"\n"
		"TARGET: a name (parse_group), a path suffix (ParserI::parse_group) or "
		"FILE:LINE[:COL]\n"
		"options: --db DIR (or PARSELTONGUE_DB), --json, --limit N, --jobs N, --quiet\n"
		"onboard: --full (parse everything again), --follow-symlinks (also index\n"
		"  files that symlinks lead to outside DIR; remembered, --no-follow-symlinks "
		"undoes),\n"
		"  --warnings N|all (how many warnings to show, default 20)\n"
		"build (onboard; kept for later runs until given again): --target TRIPLE,\n"
		"  --cfg NAME[=\"VALUE\"], --features F[,F..] (F or PACKAGE/F), --all-features,\n"
		"  --no-default-features, --host (the host's target, default features again)\n"
		"database: <workspace>/.cache/parseltongue/ unless --db or PARSELTONGUE_DB says "
		"otherwise\n");
}

/* ---- options ------------------------------------------------------------ */

/* A whole number for option `name`, or -1 after saying what is wrong. */
static long number(const char *name, const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 100000000) {
		cli_err("--%s takes a whole number, not '%s'", name, s);
		return -1;
	}
	return v;
}

static int parse_opts(int argc, char **argv, cli_opts *o)
{
	static const struct option longs[] = {
		{"db", required_argument, 0, 'd'},
		{"json", no_argument, 0, 'j'},
		{"limit", required_argument, 0, 'l'},
		{"depth", required_argument, 0, 'D'},
		{"tokens", required_argument, 0, 't'},
		{"jobs", required_argument, 0, 'J'},
		{"quiet", no_argument, 0, 'q'},
		{"format", required_argument, 0, 'f'},
		{"query", no_argument, 0, 'Q'},
		{"level", required_argument, 0, 'L'},
		{"full", no_argument, 0, 'F'},
		{"n", required_argument, 0, 'n'},
		{"help", no_argument, 0, 'h'},
		{"output", required_argument, 0, 'o'},
		{"target", required_argument, 0, 'T'},
		{"cfg", required_argument, 0, 'C'},
		{"features", required_argument, 0, 'E'},
		{"all-features", no_argument, 0, 'A'},
		{"no-default-features", no_argument, 0, 'U'},
		{"host", no_argument, 0, 'H'},
		{"follow-symlinks", no_argument, 0, 'S'},
		{"no-follow-symlinks", no_argument, 0, 's'},
		{"rules", required_argument, 0, 'r'},
		{"no-index", no_argument, 0, 'N'},
		{"markdown", no_argument, 0, 'M'},
		{"warnings", required_argument, 0, 'W'},
		{0, 0, 0, 0},
	};
	o->depth = 3;
	o->tokens = 2000;
	o->limit = 0;
	o->n = 1000;
	o->warnings = 20;
	int c;
	long v = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hjqo:", longs, NULL)) != -1) {
		switch (c) {
		case 'd': o->db = optarg; break;
		case 'j': o->json = true; break;
		case 'l':
			if ((v = number("limit", optarg)) < 0)
				return -1;
			o->limit = (size_t)v;
			break;
		case 'D':
			if ((v = number("depth", optarg)) < 0)
				return -1;
			o->depth = (uint32_t)v;
			break;
		case 't':
			if ((v = number("tokens", optarg)) < 0)
				return -1;
			o->tokens = (uint32_t)v;
			break;
		case 'J':
			if ((v = number("jobs", optarg)) < 0)
				return -1;
			o->jobs = (int)v;
			break;
		case 'q': o->quiet = true; break;
		case 'f': o->format = optarg; break;
		case 'o': o->output = optarg; break;
		case 'Q': o->query_mode = true; break;
		case 'L': o->level = optarg; break;
		case 'F': o->full = true; break;
		case 'r': o->rules = optarg; break;
		case 'N': o->no_index = true; break;
		case 'M': o->markdown = true; break;
		case 'n':
			if ((v = number("n", optarg)) < 1)
				return -1;
			o->n = (size_t)v;
			break;
		case 'T':
			free(o->build.target);
			o->build.target = pt_xstrdup(optarg);
			o->build_set = true;
			break;
		case 'C':
			if (pt_build_add_cfg(&o->build, optarg) != PT_OK) {
				cli_err("--cfg takes NAME or NAME=\"VALUE\", not '%s'", optarg);
				return -1;
			}
			o->build_set = true;
			break;
		case 'E':
			pt_build_add_features(&o->build, optarg);
			o->build_set = true;
			break;
		case 'A': o->build.all_features = o->build_set = true; break;
		case 'U': o->build.no_default_features = o->build_set = true; break;
		case 'H': o->build_set = true; break;
		case 'W':
			if (strcmp(optarg, "all") == 0) {
				o->warnings = SIZE_MAX;
			} else {
				if ((v = number("warnings", optarg)) < 0)
					return -1;
				o->warnings = (size_t)v;
			}
			break;
		case 'S': o->links = INDEX_LINKS_FOLLOW; break;
		case 's': o->links = INDEX_LINKS_NOFOLLOW; break;
		case 'h': usage(stdout); exit(EXIT_OK);
		default: return -1;
		}
	}
	for (int i = optind; i < argc && o->nargs < 8; i++)
		o->args[o->nargs++] = argv[i];
	return 0;
}

/* ---- database location ---------------------------------------------------- */

/* --db, then PARSELTONGUE_DB, then <root>/.cache/parseltongue. With no
 * root, walk up from the current folder to the first that has one. */
static char *db_dir(const cli_opts *o, const char *root)
{
	if (o->db)
		return pt_xstrdup(o->db);
	const char *env = getenv("PARSELTONGUE_DB");
	if (env && *env)
		return pt_xstrdup(env);
	pt_strbuf b = {0};
	if (root) {
		pt_strbuf_printf(&b, "%s/.cache/parseltongue", root);
		return b.buf;
	}
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return pt_xstrdup(".cache/parseltongue");
	for (;;) {
		struct stat st;
		b.len = 0;
		pt_strbuf_printf(&b, "%s/.cache/parseltongue", cwd);
		if (stat(b.buf, &st) == 0 && S_ISDIR(st.st_mode))
			return b.buf;
		char *s = strrchr(cwd, '/');
		if (!s || s == cwd)
			break;
		*s = 0;
	}
	pt_strbuf_free(&b);
	return pt_xstrdup(".cache/parseltongue");
}

char *cli_db_dir(const cli_opts *o, const char *root)
{
	return db_dir(o, root);
}

int cli_open_db(const cli_opts *o, const char *root, bool write, store **st)
{
	char *dir = db_dir(o, root);
	cli_reading_db(dir);
	int rc = store_open(dir, write ? STORE_CREATE : STORE_RDONLY, st);
	if (rc == PT_ESCHEMA && !write) {
		cli_err("database %s was written by another version (schema %u, this build uses "
			"%u); "
			"run `parseltongue onboard` to rebuild it",
			dir, store_schema_found(*st), STORE_SCHEMA_VERSION);
		store_close(*st);
		*st = NULL;
	} else if (rc == PT_ENOENT) {
		cli_err("no database at %s: run `parseltongue onboard DIR` first (or pass --db)",
			dir);
	} else if (rc == PT_ECORRUPT) {
		cli_err("database %s is corrupted: remove it with `parseltongue storage clean --db "
			"%s` "
			"and run `parseltongue onboard` again",
			dir, dir);
	} else if (rc && rc != PT_ESCHEMA) {
		cli_err("cannot open database %s: %s", dir, pt_strerror(rc));
	}
	free(dir);
	return rc;
}

/* ---- onboard -------------------------------------------------------------- */

typedef struct {
	bool tty, quiet;
	uint64_t t0;
	size_t warnings, shown_max;
} progress_state;

static void on_progress(void *ctx, size_t done, size_t total)
{
	progress_state *p = ctx;
	if (!p->tty || p->quiet || !total)
		return;
	double s = (double)(pt_now_ns() - p->t0) / 1e9;
	int width = 30, fill = (int)((double)done / (double)total * width);
	fprintf(stderr, "\r  parsing [%.*s%*s] %zu/%zu files  %.0f files/s ", fill,
		"##############################", width - fill, "", done, total,
		s > 0 ? (double)done / s : 0.0);
	if (done == total)
		fputc('\n', stderr);
}

static void on_warn(void *ctx, const char *path, const char *what)
{
	progress_state *p = ctx;
	p->warnings++;
	if (!p->quiet && p->warnings <= p->shown_max) {
		pt_strbuf shown = {0};
		pt_esc_term(&shown, path); /* a repository names its files */
		if (p->tty)
			fputc('\r', stderr);
		fprintf(stderr, "warning: %s: %s\n", shown.buf, what);
		pt_strbuf_free(&shown);
	}
}

/* The warnings the cap held back: how many, and how to see them. */
static void warnings_left(const progress_state *p)
{
	if (p->quiet || p->warnings <= p->shown_max)
		return;
	size_t more = p->warnings - p->shown_max;
	fprintf(stderr,
		"warning: %zu more warning%s not shown (`--warnings all` shows every one; "
		"`--warnings N` the first N)\n",
		more, more == 1 ? "" : "s");
}

int cli_onboard(const cli_opts *o)
{
	const char *root = o->nargs > 0 ? o->args[0] : ".";
	struct stat st;
	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		cli_err("%s: %s", root, stat(root, &st) != 0 ? strerror(errno) : "not a directory");
		return EXIT_FAIL;
	}
	char *dir = db_dir(o, root);
	store *s = NULL;
	cli_reading_db(dir);
	int rc = store_open(dir, STORE_CREATE, &s);
	if (rc == PT_ESCHEMA) {
		fprintf(stderr,
			"%s: database %s has schema %u, this build uses %u: rebuilding it\n", prog,
			dir, store_schema_found(s), STORE_SCHEMA_VERSION);
		store_close(s);
		s = NULL;
		store_remove(dir);
		rc = store_open(dir, STORE_CREATE, &s);
	} else if (rc == PT_ECORRUPT) {
		fprintf(stderr, "%s: database %s is corrupted: rebuilding it\n", prog, dir);
		store_remove(dir);
		rc = store_open(dir, STORE_CREATE, &s);
	}
	if (rc) {
		cli_err("cannot open database %s: %s", dir, pt_strerror(rc));
		free(dir);
		return EXIT_DB;
	}
	progress_state ps = {isatty(2), o->quiet, pt_now_ns(), 0, o->warnings};
	index_opts io = {.root = root,
			 .links = o->links,
			 .jobs = o->jobs,
			 .force = o->full,
			 .build = o->build_set ? &o->build : NULL,
			 .progress = on_progress,
			 .warn = on_warn,
			 .ctx = &ps};
	index_report rep;
	rc = index_run(s, &io, &rep);
	if (rc == PT_OK)
		store_stamp_settled(s); /* the next command need not check what we wrote */
	store_close(s);
	warnings_left(&ps);
	if (rc == PT_ECORRUPT) {
		/* the records cannot be trusted: the index is rebuilt, once */
		fprintf(stderr, "%s: database %s is damaged: rebuilding it\n", prog, dir);
		store_remove(dir);
		s = NULL;
		rc = store_open(dir, STORE_CREATE, &s);
		if (!rc) {
			rc = index_run(s, &io, &rep);
			store_close(s);
		}
	}
	if (rc == PT_ENOROOT) {
		cli_err("cannot read %s: %s", root, strerror(rep.root_errno));
		free(dir);
		return EXIT_FAIL;
	}
	if (rc) {
		cli_err("indexing failed: %s (database %s is unchanged)", pt_strerror(rc), dir);
		free(dir);
		return EXIT_DB;
	}
	if (!o->quiet) {
		if (rep.up_to_date)
			fprintf(stderr,
				"indexed %u files (0 changed, 0 added, 0 deleted), %" PRIu64
				" entities, %" PRIu64 " edges in %.3f s: up to date\n",
				rep.files, rep.entities, rep.edges, rep.seconds);
		else
			fprintf(stderr,
				"indexed %u files (%u changed, %u added, %u deleted, %u skipped, "
				"%u with syntax errors), "
				"%" PRIu64 " entities, %" PRIu64
				" edges in %.2f s (parse %.2f s, resolve %.2f s, write %.2f s; "
				"%u Cargo.toml)\n",
				rep.files, rep.changed, rep.added, rep.deleted, rep.skipped,
				rep.syntax_error_files, rep.entities, rep.edges, rep.seconds,
				rep.parse_seconds, rep.resolve_seconds, rep.write_seconds,
				rep.manifests);
		if (rep.build_changed)
			fprintf(stderr, "(the graph was resolved again for the build asked: "
					"target, cfg or features changed; later runs keep it)\n");
		else if (rep.reresolved)
			fprintf(stderr, "(the graph was resolved again: the index was made by "
					"another version's rules)\n");
		fprintf(stderr, "database: %s\n", dir);
	}
	free(dir);
	return EXIT_OK;
}

/* ---- a damaged database ------------------------------------------------ */

/* LMDB trusts its file: a scribbled data.mdb can make it read through a
 * wild pointer. Checking every page first (store_check) costs a read of
 * the whole file, too much for every query; so a crash while reading the
 * database is caught instead: a query says so and exits 4, an onboard
 * starts again once with the database removed.
 *
 * The handler makes only async-signal-safe calls (write, unlink, execve,
 * _exit): everything it needs, the environment of the re-run included, is
 * prepared before it is installed or when a command names its database. */
static struct {
	char *const *argv;
	char **envp;                 /* environ plus PARSELTONGUE_REBUILT=1 */
	bool may_rebuild;            /* onboard, and not already a re-run */
	char data[4096], lock[4096]; /* the files to remove; "" if none */
} fault;

static void on_fault(int sig)
{
	(void)sig;
	static const char msg[] = "parseltongue: the database is damaged (reading it crashed); ";
	static const char q[] = "remove it with `parseltongue storage clean` and run `parseltongue "
				"onboard` again\n";
	static const char ob[] = "removing it and indexing again\n";
	/* nothing to do if stderr is gone: the exit code still says it */
	ssize_t w = write(2, msg, sizeof msg - 1);
	(void)w;
	if (fault.may_rebuild && fault.data[0]) {
		w = write(2, ob, sizeof ob - 1);
		unlink(fault.data);
		unlink(fault.lock);
		execve("/proc/self/exe", fault.argv, fault.envp);
	} else {
		w = write(2, q, sizeof q - 1);
	}
	(void)w;
	_exit(EXIT_DB);
}

/* The environment of an onboard re-run: this one plus the mark that stops
 * a second re-run (once: not a loop). Never freed: the process image ends
 * with it. */
static char **rerun_environment(void)
{
	extern char **environ;
	size_t n = 0;
	while (environ[n])
		n++;
	char **envp = pt_xcalloc(n + 2, sizeof *envp);
	memcpy(envp, environ, n * sizeof *envp);
	envp[n] = "PARSELTONGUE_REBUILT=1";
	return envp;
}

static void catch_faults(char **argv)
{
	/* PARSELTONGUE_NO_FAULT_HANDLER=1: let a fault reach the debugger or
	 * the sanitizer (which prints where it happened) */
	const char *off = getenv("PARSELTONGUE_NO_FAULT_HANDLER");
	if (off && strcmp(off, "1") == 0)
		return;
	fault.argv = argv;
	fault.may_rebuild =
		argv[1] && strcmp(argv[1], "onboard") == 0 && !getenv("PARSELTONGUE_REBUILT");
	if (fault.may_rebuild)
		fault.envp = rerun_environment();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* Called before the handler can run for this database (no fault happens
 * while the strings are half-written: nothing reads the map yet). */
void cli_reading_db(const char *dir)
{
	int n = snprintf(fault.data, sizeof fault.data, "%s/data.mdb", dir);
	int m = snprintf(fault.lock, sizeof fault.lock, "%s/lock.mdb", dir);
	if (n < 0 || m < 0 || (size_t)n >= sizeof fault.data || (size_t)m >= sizeof fault.lock)
		fault.data[0] = fault.lock[0] = '\0'; /* too long: report, never remove */
}

int main(int argc, char **argv)
{
	cli_opts o = {0};
	catch_faults(argv);
	store_set_deep_check(graph_check_hook);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("parseltongue 0.1.0 (schema %u)\n", STORE_SCHEMA_VERSION);
		return 0;
	}
	if (strcmp(cmd, "--stdio") == 0)
		return lsp_main(argc, argv);
	bool mcp = strcmp(cmd, "mcp") == 0 || strcmp(cmd, "--mcp") == 0;
	if (parse_opts(argc - 1, argv + 1, &o) != 0) {
		fprintf(stderr, "run `parseltongue --help` for the commands and options\n");
		pt_build_free(&o.build);
		return EXIT_USAGE;
	}
	if (o.build_set && (mcp || strcmp(cmd, "onboard") != 0)) {
		cli_err("--target, --cfg, --features, --all-features, --no-default-features and "
			"--host choose what `onboard` indexes; queries read that index");
		pt_build_free(&o.build);
		return EXIT_USAGE;
	}
	if (mcp)
		return mcp_main(&o);
	if (strcmp(cmd, "onboard") == 0) {
		int rc = cli_onboard(&o);
		pt_build_free(&o.build);
		return rc;
	}
	if (strcmp(cmd, "check") == 0)
		return cmd_check(&o);
	if (strcmp(cmd, "diff") == 0)
		return cmd_diff(&o);
	if (strcmp(cmd, "query") == 0)
		return cmd_query(&o);
	if (strcmp(cmd, "query-bench") == 0)
		return cmd_query_bench(&o);
	if (strcmp(cmd, "storage") == 0)
		return cmd_storage(&o);
	if (strcmp(cmd, "export") == 0)
		return cmd_export(&o);
	if (strcmp(cmd, "facts") == 0)
		return cmd_facts(&o);
	cli_err("unknown command '%s'", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
