/* graph/workspace.c — see workspace.h. */
#define _GNU_SOURCE
#include "workspace.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static bool skip_dir(const char *name)
{
	return name[0] == '.' || strcmp(name, "target") == 0 || strcmp(name, "node_modules") == 0;
}

static bool wanted(const char *name, bool *cargo)
{
	size_t n = strlen(name);
	*cargo = strcmp(name, "Cargo.toml") == 0;
	return *cargo || (n > 3 && strcmp(name + n - 3, ".rs") == 0);
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const ws_file *)a)->path, ((const ws_file *)b)->path);
}

/* One scan: the folder, its real path, and the folders still to read. */
typedef PT_VEC(char *) dirstack;
typedef struct {
	const char *root;
	char *real; /* realpath of root; NULL if it has none */
	unsigned flags;
	pt_workspace *ws;
	dirstack stack;
} scan;

/* Whether the real path of path is real or under it. */
static bool under(const char *real, const char *path)
{
	char *r = realpath(path, NULL);
	size_t n = real ? strlen(real) : 0;
	bool in = r && real &&
		  (strcmp(real, "/") == 0 ||
		   (strncmp(r, real, n) == 0 && (r[n] == '/' || r[n] == 0)));
	free(r);
	return in;
}

bool pt_workspace_contains(const char *root, const char *rel)
{
	pt_strbuf full = {0};
	pt_strbuf_printf(&full, "%s/%s", root, rel);
	struct stat st;
	bool in = true;
	if (lstat(full.buf, &st) == 0) {
		char *real = realpath(root, NULL);
		in = under(real, full.buf);
		free(real);
	}
	pt_strbuf_free(&full);
	return in;
}

/* A file symlink is kept when it leads inside the folder, or when the
 * caller follows links anyway; one that dangles is no file at all. */
static bool keep_link(scan *S, int dir, const char *nm, const char *full, const char *rel,
		      struct stat *st)
{
	if (fstatat(dir, nm, st, 0) != 0 || !S_ISREG(st->st_mode))
		return false;
	if ((S->flags & WS_FOLLOW_LINKS) || under(S->real, full))
		return true;
	ws_skip k = {pt_xstrdup(rel), WS_SKIP_LINK_OUT};
	pt_vec_push(&S->ws->skipped, k);
	return false;
}

/* One folder: files are recorded, sub-folders pushed on the stack. */
static void scan_dir(scan *S, const char *rel)
{
	pt_strbuf full = {0}, path = {0};
	pt_strbuf_printf(&full, "%s%s%s", S->root, *rel ? "/" : "", rel);
	DIR *d = opendir(full.buf);
	if (!d) {
		S->ws->n_unreadable_dirs++;
		pt_strbuf_free(&full);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		pt_strbuf r = {0};
		pt_strbuf_printf(&r, "%s%s%s", rel, *rel ? "/" : "", nm);
		bool cargo;
		if (S_ISDIR(st.st_mode)) {
			if (!skip_dir(nm)) {
				pt_vec_push(&S->stack, r.buf);
				r.buf = NULL;
			}
		} else if (wanted(nm, &cargo)) {
			path.len = 0;
			pt_strbuf_printf(&path, "%s/%s", full.buf, nm);
			if (S_ISLNK(st.st_mode) &&
			    !keep_link(S, dirfd(d), nm, path.buf, r.buf, &st)) {
				pt_strbuf_free(&r);
				continue;
			}
			if (S_ISREG(st.st_mode)) {
				ws_file f = {r.buf, (uint64_t)st.st_size,
					     (int64_t)st.st_mtim.tv_sec * 1000000000 +
						     st.st_mtim.tv_nsec,
					     cargo};
				pt_vec_push(&S->ws->files, f);
				r.buf = NULL;
			}
		}
		pt_strbuf_free(&r);
	}
	closedir(d);
	pt_strbuf_free(&full);
	pt_strbuf_free(&path);
}

int pt_workspace_scan(const char *root, unsigned flags, pt_workspace *out)
{
	memset(out, 0, sizeof *out);
	struct stat st;
	if (stat(root, &st) != 0)
		return errno;
	if (!S_ISDIR(st.st_mode))
		return ENOTDIR;
	if (access(root, R_OK | X_OK) != 0)
		return errno;
	scan S = {.root = root, .real = realpath(root, NULL), .flags = flags, .ws = out};
	pt_vec_push(&S.stack, pt_xstrdup(""));
	while (S.stack.n) {
		char *rel = S.stack.v[--S.stack.n];
		scan_dir(&S, rel);
		free(rel);
	}
	pt_vec_free(&S.stack);
	free(S.real);
	if (out->files.n)
		qsort(out->files.v, out->files.n, sizeof *out->files.v, cmp_file);
	return 0;
}

/* ---- Cargo.toml ------------------------------------------------------- */

static bool has_file(const pt_workspace *ws, const char *path)
{
	size_t lo = 0, hi = ws->files.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(ws->files.v[mid].path, path);
		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

typedef struct {
	char name[256];
	char path[512];
	int type;
} target;

static char *crate_name(const char *s)
{
	char *n = pt_xstrdup(s);
	for (char *p = n; *p; p++)
		if (*p == '-')
			*p = '_';
	return n;
}

static void add_crate(pt_workspace *ws, const char *dir, const char *name, const char *root,
		      int type, const char *features)
{
	pt_strbuf r = {0};
	if (*dir)
		pt_strbuf_printf(&r, "%s/", dir);
	pt_strbuf_adds(&r, root);
	if (!has_file(ws, r.buf)) {
		pt_strbuf_free(&r);
		return;
	}
	for (size_t i = 0; i < ws->crates.n; i++)
		if (strcmp(ws->crates.v[i].root, r.buf) == 0) {
			pt_strbuf_free(&r);
			return;
		}
	pt_crate c = {crate_name(name), r.buf, pt_xstrdup(dir), type,
		      pt_xstrdup(features ? features : "")};
	pt_vec_push(&ws->crates, c);
}

/* `key = "value"` → value in out; false if the line is not such a pair. */
static bool toml_str(const char *line, const char *key, char *out, size_t cap)
{
	size_t k = strlen(key);
	while (isspace((unsigned char)*line))
		line++;
	if (strncmp(line, key, k) != 0)
		return false;
	line += k;
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line++ != '=')
		return false;
	while (*line == ' ' || *line == '\t')
		line++;
	char q = *line;
	if (q != '"' && q != '\'')
		return false;
	const char *e = strchr(++line, q);
	if (!e || (size_t)(e - line) >= cap)
		return false;
	memcpy(out, line, (size_t)(e - line));
	out[e - line] = 0;
	return true;
}

/* [features]: name → the names it enables ("a = [\"b\", \"dep:c\"]",
 * arrays may span lines); kept as "name\x1fb\x1fdep:c" rows. */
typedef PT_VEC(char *) rows;

static void feature_row(const char *line, rows *out, pt_strbuf *cur)
{
	const char *p = line;
	if (!cur->len) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *e = p;
		while (*e && *e != ' ' && *e != '=' && *e != '\t')
			e++;
		if (e == p || *p == '#')
			return;
		pt_strbuf_add(cur, p, (size_t)(e - p));
		if (*p == '"') {
			cur->len = 0;
			return;
		}
		p = strchr(e, '[');
		if (!p) {
			cur->len = 0;
			return;
		}
	}
	for (; *p && *p != ']'; p++) {
		if (*p != '"')
			continue;
		const char *q = strchr(p + 1, '"');
		if (!q)
			break;
		pt_strbuf_addc(cur, '\x1f');
		pt_strbuf_add(cur, p + 1, (size_t)(q - p - 1));
		p = q;
	}
	if (*p == ']') {
		pt_vec_push(out, pt_xstrdup(cur->buf));
		cur->len = 0;
	}
}

/* The features "default" enables, transitively, as "a\nb\n". */
static char *default_features(const rows *fr)
{
	pt_strbuf on = {0};
	PT_VEC(const char *) todo = {0};
	PT_VEC(char *) owned = {0};
	pt_vec_push(&todo, "default");
	pt_strbuf_add(&on, "\n", 1);
	while (todo.n) {
		const char *f = todo.v[--todo.n];
		char key[300];
		snprintf(key, sizeof key, "\n%s\n", f);
		if (strstr(on.buf, key) || strlen(f) > 250)
			continue;
		pt_strbuf_adds(&on, f);
		pt_strbuf_addc(&on, '\n');
		for (size_t i = 0; i < fr->n; i++) {
			const char *row = fr->v[i], *sep = strchr(row, '\x1f');
			size_t nl = sep ? (size_t)(sep - row) : strlen(row);
			if (nl != strlen(f) || memcmp(row, f, nl) != 0)
				continue;
			for (const char *q = sep; q; q = strchr(q + 1, '\x1f')) {
				const char *e = strchr(q + 1, '\x1f');
				size_t n = e ? (size_t)(e - q - 1) : strlen(q + 1);
				/* "dep:x" and "x/feat" name dependencies, not our features */
				if (!n || memchr(q + 1, ':', n) || memchr(q + 1, '/', n))
					continue;
				char *name = pt_xstrndup(q + 1, n);
				pt_vec_push(&owned, name);
				pt_vec_push(&todo, name);
			}
		}
	}
	pt_vec_free(&todo);
	for (size_t i = 0; i < owned.n; i++)
		free(owned.v[i]);
	pt_vec_free(&owned);
	char *r = pt_xstrdup(on.buf + 1);
	pt_strbuf_free(&on);
	return r;
}

static void manifest(const char *root, pt_workspace *ws, const char *rel)
{
	pt_strbuf full = {0};
	pt_strbuf_printf(&full, "%s/%s", root, rel);
	FILE *f = fopen(full.buf, "r");
	pt_strbuf_free(&full);
	if (!f)
		return;
	char *dir = pt_xstrdup(rel);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		dir[0] = 0;
	char line[1024], pkg[256] = "", section[64] = "";
	PT_VEC(target) targets = {0};
	target lib = {"", "", CRATE_LIB};
	rows fr = {0};
	pt_strbuf cur = {0};
	while (fgets(line, sizeof line, f)) {
		const char *l = line;
		while (isspace((unsigned char)*l))
			l++;
		if (*l == '[') {
			snprintf(section, sizeof section, "%.*s", (int)strcspn(l, "]\n"), l);
			if (strcmp(section, "[[bin") == 0 || strcmp(section, "[[test") == 0 ||
			    strcmp(section, "[[example") == 0 || strcmp(section, "[[bench") == 0) {
				target t = {"", "",
					    strcmp(section, "[[bin") == 0 ? CRATE_BIN
									  : CRATE_OTHER};
				pt_vec_push(&targets, t);
			}
			continue;
		}
		if (strcmp(section, "[features") == 0) {
			feature_row(l, &fr, &cur);
			continue;
		}
		if (strcmp(section, "[package") == 0)
			toml_str(l, "name", pkg, sizeof pkg);
		else if (strcmp(section, "[lib") == 0) {
			toml_str(l, "name", lib.name, sizeof lib.name);
			toml_str(l, "path", lib.path, sizeof lib.path);
		} else if (section[0] == '[' && section[1] == '[' && targets.n) {
			target *t = &targets.v[targets.n - 1];
			toml_str(l, "name", t->name, sizeof t->name);
			toml_str(l, "path", t->path, sizeof t->path);
		}
	}
	fclose(f);
	char *feat = default_features(&fr);
	if (pkg[0]) {
		add_crate(ws, dir, lib.name[0] ? lib.name : pkg,
			  lib.path[0] ? lib.path : "src/lib.rs", CRATE_LIB, feat);
		for (size_t i = 0; i < targets.n; i++) {
			target *t = &targets.v[i];
			char def[600];
			snprintf(def, sizeof def, "src/bin/%s.rs", t->name);
			if (t->path[0] || t->name[0])
				add_crate(ws, dir, t->name[0] ? t->name : pkg,
					  t->path[0] ? t->path : def, t->type, feat);
		}
		add_crate(ws, dir, pkg, "src/main.rs", CRATE_BIN, feat);
		add_crate(ws, dir, "build_script", "build.rs", CRATE_OTHER, feat);
	}
	for (size_t i = 0; i < fr.n; i++)
		free(fr.v[i]);
	pt_vec_free(&fr);
	pt_strbuf_free(&cur);
	free(feat);
	pt_vec_free(&targets);
	free(dir);
}

/* src/bin/x.rs, tests/x.rs, examples/x.rs, benches/x.rs of a package. */
static void implicit_targets(pt_workspace *ws, size_t first)
{
	static const char *const dirs[] = {"src/bin/", "tests/", "examples/", "benches/"};
	size_t n = ws->crates.n;
	for (size_t c = first; c < n; c++) {
		if (ws->crates.v[c].type != CRATE_LIB && c != first)
			continue;
		const char *pd = ws->crates.v[c].pkg_dir;
		for (size_t d = 0; d < 4; d++) {
			pt_strbuf pre = {0};
			pt_strbuf_printf(&pre, "%s%s%s", pd, *pd ? "/" : "", dirs[d]);
			for (size_t i = 0; i < ws->files.n; i++) {
				const char *p = ws->files.v[i].path;
				if (strncmp(p, pre.buf, pre.len) != 0 || strchr(p + pre.len, '/'))
					continue;
				char stem[256];
				snprintf(stem, sizeof stem, "%.*s", (int)(strlen(p + pre.len) - 3),
					 p + pre.len);
				add_crate(ws, pd, stem, p + strlen(pd) + (*pd ? 1 : 0),
					  d == 0 ? CRATE_BIN : CRATE_OTHER,
					  ws->crates.v[c].features);
			}
			pt_strbuf_free(&pre);
		}
		break;
	}
}

static int cmp_crate(const void *a, const void *b)
{
	const pt_crate *x = a, *y = b;
	if ((x->type == CRATE_LIB) != (y->type == CRATE_LIB))
		return x->type == CRATE_LIB ? -1 : 1;
	return strcmp(x->root, y->root);
}

void pt_workspace_crates(const char *root, pt_workspace *ws)
{
	for (size_t i = 0; i < ws->files.n; i++) {
		if (!ws->files.v[i].cargo)
			continue;
		size_t first = ws->crates.n;
		manifest(root, ws, ws->files.v[i].path);
		if (ws->crates.n > first)
			implicit_targets(ws, first);
	}
	if (ws->crates.n)
		qsort(ws->crates.v, ws->crates.n, sizeof *ws->crates.v, cmp_crate);
}

void pt_workspace_free(pt_workspace *ws)
{
	for (size_t i = 0; i < ws->files.n; i++)
		free(ws->files.v[i].path);
	for (size_t i = 0; i < ws->crates.n; i++) {
		free((char *)ws->crates.v[i].name);
		free((char *)ws->crates.v[i].root);
		free((char *)ws->crates.v[i].pkg_dir);
		free((char *)ws->crates.v[i].features);
	}
	for (size_t i = 0; i < ws->skipped.n; i++)
		free(ws->skipped.v[i].path);
	pt_vec_free(&ws->files);
	pt_vec_free(&ws->crates);
	pt_vec_free(&ws->skipped);
}
