/* cli/export_svg.c — `export --format svg`: the graph drawn by Graphviz.
 *
 * The graph goes as DOT through a pipe into `dot -Tsvg` (Debian's graphviz
 * package), whose output goes straight to ours. Every name is escaped for
 * DOT (a file named `x"];evil [label="pwn.rs` stays a label: nothing can
 * add attributes, such as a URL, to what Graphviz draws). Running the
 * program rather than linking libgvc keeps Graphviz out of the binary's
 * dependencies: only this format needs it, and it says so when dot is
 * missing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/escape.h"
#include "export.h"

extern char **environ;

/* s inside a DOT string (core/escape.h: quotes and backslashes escaped,
 * control characters spelled out), so a name stays one label. */
static void dot_text(FILE *out, const char *s)
{
	pt_strbuf t = {0};
	pt_esc_dot(&t, s);
	fputs(pt_strbuf_cstr(&t), out);
	pt_strbuf_free(&t);
}

static void dot_site(FILE *out, store_txn *txn, uint32_t file, uint32_t line)
{
	const char *f = query_file_path(txn, file);
	if (!*f)
		return;
	fputs(", tooltip=\"", out);
	dot_text(out, f);
	fprintf(out, ":%u\"", line + 1);
}

static void dot_node(FILE *out, store_txn *txn, const export_graph *g, const rec_entity *e)
{
	fprintf(out, "  n%016" PRIx64 " [label=\"", e->id);
	dot_text(out, e->qpath);
	fprintf(out, "\\n(%s)\", fillcolor=\"%s\"", pt_kind_name(e->kind),
		export_kind_colour(e->kind));
	dot_site(out, txn, e->file, e->sl);
	if (export_cycle_of(g, e->id) >= 0)
		fputs(", color=\"#d62728\", penwidth=2.2", out);
	for (size_t i = 0; i < g->targets.n; i++)
		if (g->targets.v[i] == e->id)
			fputs(", color=\"#1d1f23\", penwidth=3", out);
	fputs("];\n", out);
}

static void dot_edge(FILE *out, store_txn *txn, const export_graph *g, size_t i)
{
	const rec_edge *e = &g->edges.v[i];
	uint64_t from = g->edge_src.v[i];
	fprintf(out, "  n%016" PRIx64 " -> n%016" PRIx64 " [label=\"%s", from, e->other,
		pt_rel_name(e->kind));
	if (i < g->edge_count.n && g->edge_count.v[i] > 1)
		fprintf(out, " ×%" PRIu32, g->edge_count.v[i]);
	fputc('"', out);
	dot_site(out, txn, e->file, e->sl);
	int c = export_cycle_of(g, from);
	if (c >= 0 && c == export_cycle_of(g, e->other))
		fputs(", color=\"#d62728\", penwidth=1.8", out);
	if (e->flags & EDGE_AMBIGUOUS)
		fputs(", style=dashed", out);
	fputs("];\n", out);
}

/* The DOT dot draws: export_dot's graph, with boxes coloured by kind as in
 * the HTML view, the targets in a heavy border and the members of the
 * cycles the query found in red; each box's and arrow's site is its
 * tooltip. */
static int dot_drawn(store_txn *txn, const export_graph *g, FILE *out)
{
	fprintf(out,
		"digraph parseltongue {\n  rankdir=%s;\n"
		"  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\", "
		"fontsize=11, color=\"#9aa0a8\"];\n"
		"  edge [color=\"#7a7a7a\", fontname=\"sans-serif\", fontsize=9, "
		"fontcolor=\"#5f6670\", arrowsize=0.7];\n",
		export_targets_on_top(g) ? "BT" : "TB");
	for (size_t i = 0; i < g->ents.n; i++) {
		rec_entity e;
		if (query_entity(txn, g->ents.v[i], &e) == PT_OK)
			dot_node(out, txn, g, &e);
	}
	for (size_t i = 0; i < g->edges.n; i++)
		dot_edge(out, txn, g, i);
	fputs("}\n", out);
	return ferror(out) ? EXIT_FAIL : EXIT_OK;
}

/* Starts `dot -Tsvg` reading *to_dot (the write end is returned) and
 * writing to out_fd. Returns 0 or an errno value. */
static int start_dot(int out_fd, pid_t *pid, int *to_dot)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return errno;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	char *argv[] = {"dot", "-Tsvg", NULL};
	int err = posix_spawnp(pid, "dot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	if (err) {
		close(fds[1]);
		return err;
	}
	*to_dot = fds[1];
	return 0;
}

/* Writes the DOT into the pipe (closed here); false when dot stopped
 * reading. SIGPIPE is ignored meanwhile, so that a dot that dies is an
 * error to report, not the end of this process. */
static bool feed_dot(store_txn *txn, const export_graph *g, int fd)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigaction(SIGPIPE, &ign, &old);
	FILE *to = fdopen(fd, "w");
	bool ok = false;
	if (to) {
		ok = dot_drawn(txn, g, to) == EXIT_OK;
		ok = fclose(to) == 0 && ok;
	} else {
		close(fd);
	}
	sigaction(SIGPIPE, &old, NULL);
	return ok;
}

static int wait_exit(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int export_svg(store_txn *txn, const export_graph *g, const cli_opts *o, FILE *out)
{
	pid_t pid = 0;
	int to_dot = -1;
	if (fflush(out) != 0)
		return EXIT_FAIL;
	int err = start_dot(fileno(out), &pid, &to_dot);
	if (err == ENOENT) {
		cli_err("export --format svg runs Graphviz's dot, which is not on PATH "
			"(Debian: apt-get install graphviz)");
		return EXPORT_REPORTED;
	}
	if (err) {
		cli_err("export --format svg: cannot run dot: %s", strerror(err));
		return EXPORT_REPORTED;
	}
	(void)o;
	bool fed = feed_dot(txn, g, to_dot);
	int status = wait_exit(pid);
	if (status != 0) {
		cli_err("export --format svg: dot -Tsvg failed (exit status %d)", status);
		return EXPORT_REPORTED;
	}
	if (!fed) {
		cli_err("export --format svg: dot did not read the whole graph");
		return EXPORT_REPORTED;
	}
	return EXIT_OK;
}
