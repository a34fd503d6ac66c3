/* cli/export_svg.c — `export --format svg`: the graph drawn by Graphviz.
 *
 * export_dot's DOT goes through a pipe into `dot -Tsvg` (Debian's graphviz
 * package), whose output goes straight to ours. Running the program rather
 * than linking libgvc keeps Graphviz out of the binary's dependencies: only
 * this format needs it, and it says so when dot is missing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "export.h"

extern char **environ;

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
static bool feed_dot(store_txn *txn, const export_graph *g, const cli_opts *o, int fd)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigaction(SIGPIPE, &ign, &old);
	FILE *to = fdopen(fd, "w");
	bool ok = false;
	if (to) {
		ok = export_dot(txn, g, o, to) == EXIT_OK;
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
	bool fed = feed_dot(txn, g, o, to_dot);
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
