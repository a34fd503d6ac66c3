/* graph/cargo.c — Cargo's model of the folder: manifests → crates.
 *
 * See workspace.h. The steps, each over every package:
 *   1. read each Cargo.toml in full (core/toml.h) into a package: name,
 *      version, edition, targets, dependencies of the three kinds (and the
 *      target-specific tables, kept with their predicate), features;
 *      `workspace = true` fields come from the nearest [workspace] above;
 *   2. resolve each dependency to a package of the folder: a path
 *      dependency by its folder, any other by name and the highest version
 *      its requirement accepts (so clap 3 and clap 4 stay apart);
 *   3. enable features as cargo does: from the root packages (workspace
 *      members, and packages nothing depends on) with their default
 *      features or the build's --features/--all-features, through
 *      dependencies (`default-features`, `features`), `dep:x`, `x/f` and
 *      `x?/f`; every request to a package adds to one set (cargo's feature
 *      unification), and a package no root reaches is built on its own;
 *   4. make the crates, each with its cfg set and its extern prelude: the
 *      enabled dependencies its kind of target may name, under their names.
 */
#define _GNU_SOURCE
#include "workspace.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/toml.h"
#include "cfg.h"

typedef PT_VEC(char *) strlist;

/* ---- the build ---------------------------------------------------------- */

void pt_build_free(pt_build *b)
{
	free(b->target);
	free(b->cfgs);
	free(b->features);
	memset(b, 0, sizeof *b);
}

/* Lines of a '\n'-separated list, sorted and without repeats. */
static void sorted_lines(const char *s, pt_strbuf *out)
{
	strlist l = {0};
	for (const char *p = s; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n)
			pt_vec_push(&l, pt_xstrndup(p, n));
		p = nl ? nl + 1 : NULL;
	}
	for (size_t i = 1; i < l.n; i++)
		for (size_t j = i; j && strcmp(l.v[j - 1], l.v[j]) > 0; j--) {
			char *t = l.v[j];
			l.v[j] = l.v[j - 1];
			l.v[j - 1] = t;
		}
	for (size_t i = 0; i < l.n; i++)
		if (!i || strcmp(l.v[i], l.v[i - 1]) != 0)
			pt_strbuf_printf(out, "%s,", l.v[i]);
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	pt_vec_free(&l);
}

void pt_build_encode(const pt_build *b, pt_strbuf *out)
{
	pt_strbuf_printf(out, "target=%s\nall=%d\nnodefault=%d\ncfg=", b->target ? b->target : "",
			 b->all_features ? 1 : 0, b->no_default_features ? 1 : 0);
	sorted_lines(b->cfgs, out);
	pt_strbuf_adds(out, "\nfeatures=");
	sorted_lines(b->features, out);
	pt_strbuf_addc(out, '\n');
}

/* "a,b," → "a\nb\n" (NULL when empty). */
static char *unlist(const char *s, size_t n)
{
	pt_strbuf b = {0};
	for (size_t i = 0; i < n; i++)
		pt_strbuf_addc(&b, s[i] == ',' ? '\n' : s[i]);
	return b.buf;
}

int pt_build_decode(const char *s, size_t n, pt_build *out)
{
	memset(out, 0, sizeof *out);
	int seen = 0;
	for (const char *p = s, *end = s + n; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		const char *eq = memchr(p, '=', (size_t)(nl - p));
		if (!eq)
			break;
		size_t kn = (size_t)(eq - p), vn = (size_t)(nl - eq - 1);
		const char *v = eq + 1;
		if (kn == 6 && !memcmp(p, "target", 6))
			out->target = vn ? pt_xstrndup(v, vn) : NULL;
		else if (kn == 3 && !memcmp(p, "all", 3))
			out->all_features = vn == 1 && v[0] == '1';
		else if (kn == 9 && !memcmp(p, "nodefault", 9))
			out->no_default_features = vn == 1 && v[0] == '1';
		else if (kn == 3 && !memcmp(p, "cfg", 3))
			out->cfgs = unlist(v, vn);
		else if (kn == 8 && !memcmp(p, "features", 8))
			out->features = unlist(v, vn);
		else
			break;
		seen++;
		p = nl + 1;
	}
	if (seen != 5) {
		pt_build_free(out);
		return PT_ECORRUPT;
	}
	return PT_OK;
}

static void append_line(char **list, const char *s, size_t n)
{
	pt_strbuf b = {0};
	if (*list)
		pt_strbuf_adds(&b, *list);
	pt_strbuf_add(&b, s, n);
	pt_strbuf_addc(&b, '\n');
	free(*list);
	*list = b.buf;
}

void pt_build_add_features(pt_build *b, const char *list)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ", \t\n");
		if (n)
			append_line(&b->features, p, n);
		p += n;
		if (*p)
			p++;
	}
}

static bool cfg_name(const char *s, size_t n)
{
	if (!n || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

int pt_build_add_cfg(pt_build *b, const char *spec)
{
	const char *eq = strchr(spec, '=');
	size_t n = eq ? (size_t)(eq - spec) : strlen(spec);
	while (n && spec[n - 1] == ' ')
		n--;
	if (!cfg_name(spec, n))
		return PT_EINVAL;
	pt_strbuf line = {0};
	pt_strbuf_add(&line, spec, n);
	if (eq) {
		const char *v = eq + 1;
		while (*v == ' ')
			v++;
		size_t vn = strlen(v);
		if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') {
			v++;
			vn -= 2;
		}
		if (memchr(v, '\n', vn) || memchr(v, '"', vn)) {
			pt_strbuf_free(&line);
			return PT_EINVAL;
		}
		pt_strbuf_addc(&line, '=');
		pt_strbuf_add(&line, v, vn);
	}
	append_line(&b->cfgs, line.buf, line.len);
	pt_strbuf_free(&line);
	return PT_OK;
}

/* ---- versions ----------------------------------------------------------- */

typedef struct {
	long v[3];
	int parts; /* how many of major.minor.patch were written */
	bool pre;  /* a pre-release (1.0.0-beta): below its release */
} version;

static const char *parse_version(const char *s, version *out)
{
	memset(out, 0, sizeof *out);
	while (*s == ' ')
		s++;
	for (int i = 0; i < 3; i++) {
		if (*s == '*' || *s == 'x' || *s == 'X') {
			s++;
			break;
		}
		if (*s < '0' || *s > '9')
			break;
		char *e;
		out->v[i] = strtol(s, &e, 10);
		out->parts = i + 1;
		s = e;
		if (*s != '.')
			break;
		s++;
	}
	if (*s == '-') {
		out->pre = true;
		s += strcspn(s, ", +");
	}
	if (*s == '+')
		s += strcspn(s, ", ");
	return s;
}

static int vcmp(const version *a, const version *b)
{
	for (int i = 0; i < 3; i++)
		if (a->v[i] != b->v[i])
			return a->v[i] < b->v[i] ? -1 : 1;
	return a->pre == b->pre ? 0 : a->pre ? -1 : 1;
}

/* The first version past what a partial version `v` (its first `keep`
 * parts) covers: 1.2 → 1.3.0, 1 → 2.0.0, 0.2.3 under caret → 0.3.0. */
static version bump(const version *v, int keep)
{
	version u = {{0, 0, 0}, 3, true};
	for (int i = 0; i < keep - 1; i++)
		u.v[i] = v->v[i];
	u.v[keep > 0 ? keep - 1 : 0] = (keep > 0 ? v->v[keep - 1] : v->v[0]) + 1;
	return u;
}

/* The number of leading parts caret compatibility keeps: ^1.2.3 → 1,
 * ^0.2.3 → 2, ^0.0.3 → 3, ^0.0 → 2, ^0 → 1. */
static int caret_keep(const version *r)
{
	if (r->v[0] > 0 || r->parts == 1)
		return 1;
	if (r->v[1] > 0 || r->parts == 2)
		return 2;
	return 3;
}

/* One comparator ("^1.2", ">= 0.3, < 0.5" has two) against v. */
static bool comparator(const char *op, size_t opn, const version *r, const version *v)
{
	version lo = *r, hi;
	lo.pre = false;
	if (r->parts == 0)
		return true; /* "*" */
	if (opn == 0 || (opn == 1 && op[0] == '^')) {
		hi = bump(r, caret_keep(r));
		return vcmp(v, &lo) >= 0 && vcmp(v, &hi) < 0;
	}
	if (opn == 1 && op[0] == '~') {
		hi = bump(r, r->parts >= 2 ? 2 : 1);
		return vcmp(v, &lo) >= 0 && vcmp(v, &hi) < 0;
	}
	hi = bump(r, r->parts);
	if (opn == 1 && op[0] == '=')
		return vcmp(v, &lo) >= 0 && (r->parts == 3 ? vcmp(v, &lo) == 0 : vcmp(v, &hi) < 0);
	if (opn == 2 && op[0] == '>' && op[1] == '=')
		return vcmp(v, &lo) >= 0;
	if (opn == 1 && op[0] == '>')
		return r->parts == 3 ? vcmp(v, &lo) > 0 : vcmp(v, &hi) >= 0;
	if (opn == 2 && op[0] == '<' && op[1] == '=')
		return r->parts == 3 ? vcmp(v, &lo) <= 0 : vcmp(v, &hi) < 0;
	if (opn == 1 && op[0] == '<')
		return vcmp(v, &lo) < 0;
	return false;
}

/* Whether version text ver meets requirement req (Cargo's syntax:
 * comma-separated comparators, a bare version meaning caret). */
static bool req_match(const char *req, const char *ver)
{
	version v;
	parse_version(ver, &v);
	for (const char *p = req; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *op = p;
		while (*p == '^' || *p == '~' || *p == '=' || *p == '>' || *p == '<')
			p++;
		size_t opn = (size_t)(p - op);
		version r;
		const char *e = parse_version(p, &r);
		if (e == p && r.parts == 0 && *p != '*')
			return false;
		if (!comparator(op, opn, &r, &v))
			return false;
		p = e;
		while (*p && *p != ',')
			p++;
	}
	/* a pre-release is only taken when asked for by name */
	return !v.pre || strchr(req, '-');
}

/* Whether ver is in the compatibility class of req's first version (what
 * a requirement that the folder's copy does not quite meet meant). */
static bool req_compatible(const char *req, const char *ver)
{
	const char *p = req + strspn(req, "^~=><, ");
	version r, v;
	parse_version(p, &r);
	parse_version(ver, &v);
	if (!r.parts)
		return false;
	int keep = caret_keep(&r);
	for (int i = 0; i < keep; i++)
		if (r.v[i] != v.v[i])
			return false;
	return true;
}

/* ---- packages ------------------------------------------------------------ */

enum {
	DEP_NORMAL,
	DEP_DEV,
	DEP_BUILD
};

typedef struct {
	char *key;     /* as written: the name the code uses when renamed */
	char *pkg;     /* the package it names (`package = ".."`, else key) */
	char *req;     /* version requirement, NULL: any */
	char *dir;     /* a path dependency's folder, workspace-relative */
	char *pred;    /* target-specific: a cfg predicate or a triple */
	bool pred_cfg; /* pred is `cfg(..)`'s inside */
	bool renamed, optional, default_features;
	uint8_t kind;
	strlist features;
	int32_t to; /* the package it resolves to, -1: not in the folder */
	bool on;    /* enabled: not optional, or a feature enabled it */
} dep;

typedef struct {
	char *name;
	strlist values;
} feature;

typedef struct {
	char *name, *path; /* path relative to the package; NULL: the default */
	uint8_t tgt;
} target;

typedef struct {
	char *name, *version, *dir, *lib_name, *lib_path, *build;
	uint16_t edition;
	bool has_lib, no_build, autotargets[4]; /* bins, examples, tests, benches */
	PT_VEC(target) targets;
	PT_VEC(dep) deps;
	PT_VEC(feature) features;
	strlist dep_only;    /* optional deps named as "dep:x": no implicit feature */
	strlist script_cfgs; /* cfg names its build script may set */
	bool is_ws_root, member;
	pt_toml *doc; /* kept for a workspace root: [workspace.*] inheritance */
	int32_t ws;   /* package index of its workspace root (itself), -1 */
	bool active, root;
	strlist on;      /* enabled features */
	strlist pending; /* "x/f" of weak "x?/f" requests, until x is enabled */
	uint32_t lib_crate;
} package;

typedef PT_VEC(package) packages;

typedef struct {
	const char *root;
	pt_workspace *ws;
	packages P;
	const char *tcfg; /* the target's cfg set */
	const char *triple;
	const pt_build *b;
} model;

static bool has(const strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static void free_list(strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	pt_vec_free(l);
}

static void free_package(package *p)
{
	free(p->name);
	free(p->version);
	free(p->dir);
	free(p->lib_name);
	free(p->lib_path);
	free(p->build);
	for (size_t i = 0; i < p->targets.n; i++) {
		free(p->targets.v[i].name);
		free(p->targets.v[i].path);
	}
	pt_vec_free(&p->targets);
	for (size_t i = 0; i < p->deps.n; i++) {
		dep *d = &p->deps.v[i];
		free(d->key);
		free(d->pkg);
		free(d->req);
		free(d->dir);
		free(d->pred);
		free_list(&d->features);
	}
	pt_vec_free(&p->deps);
	for (size_t i = 0; i < p->features.n; i++) {
		free(p->features.v[i].name);
		free_list(&p->features.v[i].values);
	}
	pt_vec_free(&p->features);
	free_list(&p->dep_only);
	free_list(&p->script_cfgs);
	free_list(&p->on);
	free_list(&p->pending);
	pt_toml_free(p->doc);
}

static char *under(const char *s)
{
	char *n = pt_xstrdup(s);
	for (char *p = n; *p; p++)
		if (*p == '-')
			*p = '_';
	return n;
}

/* "a/./b/../c" joined to dir and normalised (no leading "./"). */
static char *join_norm(const char *dir, const char *rel)
{
	pt_strbuf in = {0}, out = {0};
	if (*dir && rel[0] != '/')
		pt_strbuf_printf(&in, "%s/", dir);
	pt_strbuf_adds(&in, rel);
	const char *parts[256];
	size_t lens[256], n = 0;
	for (const char *p = in.buf; p && *p;) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (n)
				n--;
		} else if (len && !(len == 1 && p[0] == '.') && n < 256) {
			parts[n] = p;
			lens[n++] = len;
		}
		p = e ? e + 1 : NULL;
	}
	pt_strbuf_add(&out, "", 0);
	for (size_t i = 0; i < n; i++) {
		if (i)
			pt_strbuf_addc(&out, '/');
		pt_strbuf_add(&out, parts[i], lens[i]);
	}
	pt_strbuf_free(&in);
	return out.buf;
}

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

/* A warning, once: a run that starts again after growing the map reads
 * the manifests again. */
static void warn(pt_workspace *ws, const char *path, const char *what)
{
	for (size_t i = 0; i < ws->warnings.n; i++)
		if (!strcmp(ws->warnings.v[i].path, path) && !strcmp(ws->warnings.v[i].what, what))
			return;
	ws_warning w = {pt_xstrdup(path), pt_xstrdup(what)};
	pt_vec_push(&ws->warnings, w);
}

/* ---- reading a manifest -------------------------------------------------- */

static strlist str_array(const pt_toml *t, pt_toml_ref a)
{
	strlist l = {0};
	for (pt_toml_ref e = pt_toml_first(t, a); e != PT_TOML_NONE; e = pt_toml_next(t, e))
		if (pt_toml_str(t, e))
			pt_vec_push(&l, pt_xstrdup(pt_toml_str(t, e)));
	return l;
}

/* The workspace root's [workspace.<table>].<key>, or NONE. */
static pt_toml_ref ws_field(const model *m, const package *p, const char *table, const char *key)
{
	if (p->ws < 0 || !m->P.v[p->ws].doc)
		return PT_TOML_NONE;
	const pt_toml *t = m->P.v[p->ws].doc;
	pt_toml_ref w = pt_toml_get(t, pt_toml_root(t), "workspace");
	return pt_toml_get(t, pt_toml_get(t, w, table), key);
}

/* A [package] field, following `field.workspace = true`. */
static const char *pkg_field(const model *m, const package *p, const pt_toml *t, pt_toml_ref pk,
			     const char *key)
{
	pt_toml_ref v = pt_toml_get(t, pk, key);
	if (pt_toml_type(t, v) == PT_TOML_TABLE &&
	    pt_toml_bool(t, pt_toml_get(t, v, "workspace"), false)) {
		pt_toml_ref w = ws_field(m, p, "package", key);
		return pt_toml_str(m->P.v[p->ws].doc, w);
	}
	return pt_toml_str(t, v);
}

/* One dependency entry (key = "req" or key = { .. }); wt, wv: the
 * workspace's entry when it inherits one. */
static void read_dep(const model *m, package *p, const pt_toml *t, pt_toml_ref v, uint8_t kind,
		     const char *pred)
{
	dep d = {0};
	d.key = pt_xstrdup(pt_toml_key(t, v));
	d.kind = kind;
	d.default_features = true;
	d.to = -1;
	const pt_toml *src = t;
	pt_toml_ref e = v;
	const char *base = p->dir;
	if (pt_toml_type(t, v) == PT_TOML_TABLE &&
	    pt_toml_bool(t, pt_toml_get(t, v, "workspace"), false)) {
		pt_toml_ref w = ws_field(m, p, "dependencies", d.key);
		if (w != PT_TOML_NONE) {
			src = m->P.v[p->ws].doc;
			e = w;
			base = m->P.v[p->ws].dir;
		}
	}
	if (pt_toml_str(src, e)) {
		d.req = pt_xstrdup(pt_toml_str(src, e));
	} else {
		const char *s;
		if ((s = pt_toml_get_str(src, e, "version")))
			d.req = pt_xstrdup(s);
		if ((s = pt_toml_get_str(src, e, "package"))) {
			d.pkg = pt_xstrdup(s);
			d.renamed = true;
		}
		if ((s = pt_toml_get_str(src, e, "path")))
			d.dir = join_norm(base, s);
		pt_toml_ref df = pt_toml_get(src, e, "default-features");
		if (df == PT_TOML_NONE)
			df = pt_toml_get(src, e, "default_features");
		d.default_features = pt_toml_bool(src, df, true);
		d.features = str_array(src, pt_toml_get(src, e, "features"));
		d.optional = pt_toml_bool(src, pt_toml_get(src, e, "optional"), false);
	}
	if (e != v) { /* the member's own additions to an inherited entry */
		strlist more = str_array(t, pt_toml_get(t, v, "features"));
		for (size_t i = 0; i < more.n; i++)
			if (!has(&d.features, more.v[i]))
				pt_vec_push(&d.features, pt_xstrdup(more.v[i]));
		free_list(&more);
		d.optional = pt_toml_bool(t, pt_toml_get(t, v, "optional"), false);
	}
	if (!d.pkg)
		d.pkg = pt_xstrdup(d.key);
	if (pred) {
		size_t n = strlen(pred);
		d.pred_cfg = n > 5 && !strncmp(pred, "cfg(", 4) && pred[n - 1] == ')';
		d.pred = d.pred_cfg ? pt_xstrndup(pred + 4, n - 5) : pt_xstrdup(pred);
	}
	pt_vec_push(&p->deps, d);
}

static void read_dep_tables(const model *m, package *p, const pt_toml *t, pt_toml_ref tab,
			    const char *pred)
{
	static const char *const names[][2] = {{"dependencies", NULL},
					       {"dev-dependencies", "dev_dependencies"},
					       {"build-dependencies", "build_dependencies"}};
	for (uint8_t k = 0; k < 3; k++)
		for (int alt = 0; alt < 2; alt++) {
			if (!names[k][alt])
				continue;
			pt_toml_ref d = pt_toml_get(t, tab, names[k][alt]);
			for (pt_toml_ref e = pt_toml_first(t, d); e != PT_TOML_NONE;
			     e = pt_toml_next(t, e))
				read_dep(m, p, t, e, k, pred);
		}
}

static void read_features(package *p, const pt_toml *t)
{
	pt_toml_ref fs = pt_toml_get(t, pt_toml_root(t), "features");
	for (pt_toml_ref f = pt_toml_first(t, fs); f != PT_TOML_NONE; f = pt_toml_next(t, f)) {
		feature ft = {pt_xstrdup(pt_toml_key(t, f)), str_array(t, f)};
		for (size_t i = 0; i < ft.values.n; i++)
			if (!strncmp(ft.values.v[i], "dep:", 4) &&
			    !has(&p->dep_only, ft.values.v[i] + 4))
				pt_vec_push(&p->dep_only, pt_xstrdup(ft.values.v[i] + 4));
		pt_vec_push(&p->features, ft);
	}
}

static void read_targets(package *p, const pt_toml *t)
{
	static const char *const tables[] = {"bin", "example", "test", "bench"};
	static const uint8_t kinds[] = {TGT_BIN, TGT_EXAMPLE, TGT_TEST, TGT_BENCH};
	pt_toml_ref r = pt_toml_root(t);
	for (size_t k = 0; k < 4; k++) {
		pt_toml_ref a = pt_toml_get(t, r, tables[k]);
		for (pt_toml_ref e = pt_toml_first(t, a); e != PT_TOML_NONE;
		     e = pt_toml_next(t, e)) {
			const char *n = pt_toml_get_str(t, e, "name"),
				   *path = pt_toml_get_str(t, e, "path");
			if (!n && !path)
				continue;
			target tg = {n ? pt_xstrdup(n) : NULL, path ? pt_xstrdup(path) : NULL,
				     kinds[k]};
			pt_vec_push(&p->targets, tg);
		}
	}
}

/* A negative capability flag (`no_std_atomic64`, `syn_no_const_vec_new`):
 * a build script sets it on compilers older than the one we describe. */
static bool absence_flag(const char *s, size_t n)
{
	if (n >= 3 && !memcmp(s, "no_", 3))
		return true;
	for (size_t i = 0; i + 4 <= n; i++)
		if (!memcmp(s + i, "_no_", 4))
			return true;
	return false;
}

/* The cfg names the build script writes as `cargo:rustc-cfg=NAME`: what it
 * sets depends on the machine it runs on, so they are neither true nor
 * false for us (except absence flags: false); `rustc-cfg=name="value"`
 * and names it builds at run time are not seen. */
static void script_cfgs(model *m, package *p)
{
	if (p->no_build)
		return;
	pt_strbuf full = {0};
	pt_strbuf_printf(&full, "%s/%s%s%s", m->root, p->dir, *p->dir ? "/" : "", p->build);
	size_t len = 0;
	char *text = pt_read_file(full.buf, &len);
	pt_strbuf_free(&full);
	for (const char *t = text; t && (t = strstr(t, "rustc-cfg="));) {
		t += 10;
		size_t n = 0;
		while ((t[n] >= 'a' && t[n] <= 'z') || (t[n] >= 'A' && t[n] <= 'Z') ||
		       (t[n] >= '0' && t[n] <= '9') || t[n] == '_')
			n++;
		if (!n || t[n] == '=' || absence_flag(t, n) || (n == 7 && !memcmp(t, "feature", 7)))
			continue;
		char *name = pt_xstrndup(t, n);
		if (!has(&p->script_cfgs, name))
			pt_vec_push(&p->script_cfgs, name);
		else
			free(name);
	}
	free(text);
}

/* The second pass over a package's manifest: everything that may inherit
 * from its workspace (known only once every manifest is read). */
static void read_package(model *m, package *p)
{
	const pt_toml *t = p->doc;
	pt_toml_ref r = pt_toml_root(t), pk = pt_toml_get(t, r, "package");
	const char *ed = pkg_field(m, p, t, pk, "edition");
	p->edition = ed ? (uint16_t)atoi(ed) : 2015;
	if (p->edition < 2015)
		p->edition = 2015;
	const char *ver = pkg_field(m, p, t, pk, "version");
	p->version = pt_xstrdup(ver ? ver : "0.0.0");
	pt_toml_ref lib = pt_toml_get(t, r, "lib");
	const char *ln = pt_toml_get_str(t, lib, "name"), *lp = pt_toml_get_str(t, lib, "path");
	p->lib_name = under(ln ? ln : p->name);
	p->lib_path = pt_xstrdup(lp ? lp : "src/lib.rs");
	p->has_lib = lib != PT_TOML_NONE;
	pt_toml_ref b = pt_toml_get(t, pk, "build");
	p->no_build = pt_toml_type(t, b) == PT_TOML_BOOL && !pt_toml_bool(t, b, true);
	p->build = pt_xstrdup(pt_toml_str(t, b) ? pt_toml_str(t, b) : "build.rs");
	static const char *const autos[] = {"autobins", "autoexamples", "autotests", "autobenches"};
	for (int i = 0; i < 4; i++)
		p->autotargets[i] = pt_toml_bool(t, pt_toml_get(t, pk, autos[i]), true);
	read_targets(p, t);
	read_dep_tables(m, p, t, r, NULL);
	pt_toml_ref tg = pt_toml_get(t, r, "target");
	for (pt_toml_ref e = pt_toml_first(t, tg); e != PT_TOML_NONE; e = pt_toml_next(t, e))
		read_dep_tables(m, p, t, e, pt_toml_key(t, e));
	read_features(p, t);
	script_cfgs(m, p);
}

/* First pass: parse, keep the document, note name and [workspace]. */
static void load_manifest(model *m, const char *rel)
{
	pt_strbuf full = {0};
	pt_strbuf_printf(&full, "%s/%s", m->root, rel);
	size_t len = 0;
	char *text = pt_read_file(full.buf, &len);
	pt_strbuf_free(&full);
	if (!text) {
		warn(m->ws, rel,
		     "cannot read this manifest: its package is not indexed as a crate");
		return;
	}
	pt_toml *t = NULL;
	pt_toml_error err = {0};
	int rc = pt_toml_parse(text, len, &t, &err);
	free(text);
	if (rc != PT_OK) {
		char what[200];
		snprintf(what, sizeof what,
			 "line %u, column %u: %s: this manifest is not read (its files become "
			 "modules named by their paths)",
			 err.line, err.col, err.msg);
		warn(m->ws, rel, what);
		return;
	}
	pt_toml_ref r = pt_toml_root(t);
	const char *name = pt_toml_get_str(t, pt_toml_get(t, r, "package"), "name");
	bool is_ws = pt_toml_get(t, r, "workspace") != PT_TOML_NONE;
	if (!name && !is_ws) {
		pt_toml_free(t);
		return;
	}
	package p = {0};
	const char *slash = strrchr(rel, '/');
	p.dir = slash ? pt_xstrndup(rel, (size_t)(slash - rel)) : pt_xstrdup("");
	p.name = name ? pt_xstrdup(name) : NULL;
	p.is_ws_root = is_ws;
	p.doc = t;
	p.ws = -1;
	pt_vec_push(&m->P, p);
}

/* ---- workspaces ----------------------------------------------------------- */

/* Whether dir lies in (or is) folder f. */
static bool inside(const char *dir, const char *f)
{
	size_t n = strlen(f);
	return n == 0 || (strncmp(dir, f, n) == 0 && (dir[n] == 0 || dir[n] == '/'));
}

/* dir relative to base (which contains it). */
static const char *rel_to(const char *dir, const char *base)
{
	size_t n = strlen(base);
	return n == 0 ? dir : dir[n] == '/' ? dir + n + 1 : dir + n;
}

static bool listed(const model *m, int32_t w, const char *key, const char *dir)
{
	const pt_toml *t = m->P.v[w].doc;
	pt_toml_ref a = pt_toml_get(t, pt_toml_get(t, pt_toml_root(t), "workspace"), key);
	const char *rel = rel_to(dir, m->P.v[w].dir);
	for (pt_toml_ref e = pt_toml_first(t, a); e != PT_TOML_NONE; e = pt_toml_next(t, e)) {
		const char *pat = pt_toml_str(t, e);
		if (!pat)
			continue;
		char *np = join_norm("", pat);
		bool hit = fnmatch(np, rel, FNM_PATHNAME) == 0 ||
			   (!strcmp(key, "exclude") && inside(rel, np));
		free(np);
		if (hit)
			return true;
	}
	return false;
}

/* Each package's workspace: `package.workspace = ".."`, else the nearest
 * manifest with [workspace] in a folder above (or its own), unless that
 * workspace excludes it. Members are what `members` lists and the root. */
static void find_workspaces(model *m)
{
	for (size_t i = 0; i < m->P.n; i++) {
		package *p = &m->P.v[i];
		const pt_toml *t = p->doc;
		const char *expl =
			pt_toml_get_str(t, pt_toml_get(t, pt_toml_root(t), "package"), "workspace");
		char *want = expl ? join_norm(p->dir, expl) : NULL;
		size_t best = 0;
		for (size_t w = 0; w < m->P.n; w++) {
			const package *q = &m->P.v[w];
			if (!q->is_ws_root || !inside(p->dir, q->dir))
				continue;
			if (want ? strcmp(want, q->dir) != 0
				 : (strlen(q->dir) < best && p->ws >= 0))
				continue;
			if (w != i && listed(m, (int32_t)w, "exclude", p->dir))
				continue;
			p->ws = (int32_t)w;
			best = strlen(q->dir);
		}
		free(want);
		if (p->ws >= 0)
			p->member = (size_t)p->ws == i || listed(m, p->ws, "members", p->dir);
	}
}

/* ---- resolving dependencies ---------------------------------------------- */

static int32_t resolve_dep(const model *m, const dep *d)
{
	if (d->dir) {
		for (size_t i = 0; i < m->P.n; i++)
			if (m->P.v[i].name && strcmp(m->P.v[i].dir, d->dir) == 0)
				return (int32_t)i;
		return -1;
	}
	int32_t best = -1;
	for (int pass = 0; pass < 2 && best < 0; pass++)
		for (size_t i = 0; i < m->P.n; i++) {
			const package *q = &m->P.v[i];
			if (!q->name || strcmp(q->name, d->pkg) != 0)
				continue;
			bool ok = !d->req || (pass == 0 ? req_match(d->req, q->version)
							: req_compatible(d->req, q->version));
			if (!ok)
				continue;
			version a, b;
			parse_version(q->version, &a);
			if (best >= 0)
				parse_version(m->P.v[best].version, &b);
			if (best < 0 || vcmp(&a, &b) > 0 ||
			    (vcmp(&a, &b) == 0 && strcmp(q->dir, m->P.v[best].dir) < 0))
				best = (int32_t)i;
		}
	return best;
}

/* A target-specific dependency applies to the build's target. */
static bool dep_applies(const model *m, const dep *d)
{
	if (!d->pred)
		return true;
	if (d->pred_cfg)
		return pt_cfg_eval(d->pred, m->tcfg);
	return strcmp(d->pred, m->triple) == 0;
}

/* ---- features ------------------------------------------------------------ */

static void want_feature(model *m, int32_t p, const char *f, int depth);

static void activate(model *m, int32_t p, int depth);

static void add_on(package *p, const char *f)
{
	if (!has(&p->on, f))
		pt_vec_push(&p->on, pt_xstrdup(f));
}

/* Request features fs (and "default" when dflt) of package q. */
static void request(model *m, int32_t q, const strlist *fs, bool dflt, int depth)
{
	if (q < 0)
		return;
	activate(m, q, depth + 1);
	if (dflt)
		want_feature(m, q, "default", depth + 1);
	for (size_t i = 0; fs && i < fs->n; i++)
		want_feature(m, q, fs->v[i], depth + 1);
}

static void enable_dep(model *m, int32_t p, size_t k, int depth)
{
	dep *d = &m->P.v[p].deps.v[k];
	if (d->on || !dep_applies(m, d) || d->kind == DEP_DEV)
		return;
	d->on = true;
	request(m, d->to, &d->features, d->default_features, depth);
	/* weak requests waiting for this dependency */
	const char *key = m->P.v[p].deps.v[k].key;
	size_t kn = strlen(key);
	for (size_t i = 0; i < m->P.v[p].pending.n; i++) {
		const char *w = m->P.v[p].pending.v[i];
		if (!strncmp(w, key, kn) && w[kn] == '/') {
			char *f = pt_xstrdup(w);
			want_feature(m, p, f, depth + 1);
			free(f);
		}
	}
}

/* `x/f` (weak: `x?/f`): feature f of dependency x, enabling x unless weak. */
static void dep_feature(model *m, int32_t p, const char *f, const char *slash, int depth)
{
	bool weak = slash > f && slash[-1] == '?';
	size_t kn = (size_t)(slash - f) - (weak ? 1 : 0);
	strlist one = {0};
	pt_vec_push(&one, pt_xstrdup(slash + 1));
	bool any_on = false;
	for (size_t k = 0; k < m->P.v[p].deps.n; k++) {
		dep *d = &m->P.v[p].deps.v[k];
		if (strlen(d->key) != kn || memcmp(d->key, f, kn) != 0 || d->kind == DEP_DEV)
			continue;
		if (!d->on && weak)
			continue;
		if (!d->on) {
			enable_dep(m, p, k, depth);
			char *implicit = pt_xstrndup(f, kn);
			if (!has(&m->P.v[p].dep_only, implicit))
				add_on(&m->P.v[p], implicit);
			free(implicit);
		}
		d = &m->P.v[p].deps.v[k];
		if (d->on) {
			any_on = true;
			request(m, d->to, &one, false, depth);
		}
	}
	if (weak && !any_on) {
		char *w = pt_xstrdup(f);
		memmove(w + kn, w + kn + 1, strlen(w + kn)); /* drop the '?' */
		if (!has(&m->P.v[p].pending, w))
			pt_vec_push(&m->P.v[p].pending, w);
		else
			free(w);
	}
	free_list(&one);
}

static void want_feature(model *m, int32_t p, const char *f, int depth)
{
	if (depth > 200)
		return;
	const char *slash = strchr(f, '/');
	if (slash) {
		dep_feature(m, p, f, slash, depth);
		return;
	}
	if (!strncmp(f, "dep:", 4)) {
		for (size_t k = 0; k < m->P.v[p].deps.n; k++)
			if (!strcmp(m->P.v[p].deps.v[k].key, f + 4))
				enable_dep(m, p, k, depth);
		return;
	}
	if (has(&m->P.v[p].on, f))
		return;
	bool declared = false;
	for (size_t i = 0; i < m->P.v[p].features.n && !declared; i++)
		declared = !strcmp(m->P.v[p].features.v[i].name, f);
	bool implicit = false;
	for (size_t k = 0; k < m->P.v[p].deps.n && !declared; k++) {
		const dep *d = &m->P.v[p].deps.v[k];
		implicit |= d->optional && !strcmp(d->key, f) && !has(&m->P.v[p].dep_only, f);
	}
	if (!declared && !implicit)
		return;
	add_on(&m->P.v[p], f);
	for (size_t i = 0; i < m->P.v[p].features.n; i++) {
		if (strcmp(m->P.v[p].features.v[i].name, f) != 0)
			continue;
		for (size_t v = 0; v < m->P.v[p].features.v[i].values.n; v++) {
			char *val = pt_xstrdup(m->P.v[p].features.v[i].values.v[v]);
			want_feature(m, p, val, depth + 1);
			free(val);
		}
	}
	for (size_t k = 0; k < m->P.v[p].deps.n && implicit; k++)
		if (m->P.v[p].deps.v[k].optional && !strcmp(m->P.v[p].deps.v[k].key, f))
			enable_dep(m, p, k, depth);
}

static void activate(model *m, int32_t p, int depth)
{
	if (m->P.v[p].active || depth > 200)
		return;
	m->P.v[p].active = true;
	for (size_t k = 0; k < m->P.v[p].deps.n; k++)
		if (!m->P.v[p].deps.v[k].optional)
			enable_dep(m, p, k, depth);
}

/* A root package as the build's command line asks. */
static void activate_root(model *m, int32_t p)
{
	const pt_build *b = m->b;
	package *pk = &m->P.v[p];
	activate(m, p, 0);
	if (!b || !b->no_default_features)
		want_feature(m, p, "default", 0);
	if (b && b->all_features) {
		for (size_t i = 0; i < m->P.v[p].features.n; i++) {
			char *f = pt_xstrdup(m->P.v[p].features.v[i].name);
			want_feature(m, p, f, 0);
			free(f);
		}
		for (size_t k = 0; k < m->P.v[p].deps.n; k++)
			if (m->P.v[p].deps.v[k].optional)
				enable_dep(m, p, k, 0);
	}
	for (const char *f = b ? b->features : NULL; f && *f;) {
		const char *nl = strchr(f, '\n');
		char *one = pt_xstrndup(f, nl ? (size_t)(nl - f) : strlen(f));
		const char *slash = strchr(one, '/');
		if (!slash)
			want_feature(m, p, one, 0);
		else if ((size_t)(slash - one) == strlen(pk->name) &&
			 !strncmp(one, m->P.v[p].name, strlen(m->P.v[p].name)))
			want_feature(m, p, slash + 1, 0);
		free(one);
		f = nl ? nl + 1 : NULL;
	}
}

/* Roots: workspace members, then packages nothing depends on; then any
 * package still not built (nothing that is built reaches it). */
static void enable_features(model *m)
{
	bool *wanted = pt_xcalloc(m->P.n + 1, 1);
	for (size_t i = 0; i < m->P.n; i++)
		for (size_t k = 0; k < m->P.v[i].deps.n; k++)
			if (m->P.v[i].deps.v[k].to >= 0 && m->P.v[i].deps.v[k].kind != DEP_DEV)
				wanted[m->P.v[i].deps.v[k].to] = true;
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < m->P.n; i++) {
			package *p = &m->P.v[i];
			if (!p->name || p->active)
				continue;
			bool root = pass == 0   ? p->member
				    : pass == 1 ? (!wanted[i] && p->ws < 0)
						: true;
			if (!root)
				continue;
			p->root = pass < 2;
			activate_root(m, (int32_t)i);
		}
	free(wanted);
}

/* ---- crates ---------------------------------------------------------------- */

static const char *keep(pt_workspace *ws, char *s)
{
	pt_vec_push(&ws->owned, s);
	return s;
}

typedef struct {
	uint32_t pkg;
	pt_crate c;
} made;
typedef PT_VEC(made) madelist;

static void add_crate(model *m, madelist *out, uint32_t pk, const char *name, const char *rel,
		      int type, uint8_t tgt)
{
	const package *p = &m->P.v[pk];
	char *root = join_norm(p->dir, rel);
	bool dup = false;
	for (size_t i = 0; i < out->n && !dup; i++)
		dup = strcmp(out->v[i].c.root, root) == 0;
	if (dup || !has_file(m->ws, root)) {
		free(root);
		return;
	}
	made c = {pk, {0}};
	c.c.name = keep(m->ws, under(name));
	c.c.root = keep(m->ws, root);
	c.c.pkg_dir = keep(m->ws, pt_xstrdup(p->dir));
	c.c.type = type;
	c.c.edition = p->edition;
	c.c.target = tgt;
	pt_vec_push(out, c);
}

/* The default root of a target called name: dir/name.rs or dir/name/main.rs. */
static void default_root(const model *m, const package *p, const char *dir, const char *name,
			 pt_strbuf *out)
{
	out->len = 0;
	pt_strbuf_printf(out, "%s/%s.rs", dir, name);
	char *full = join_norm(p->dir, out->buf);
	bool found = has_file(m->ws, full);
	free(full);
	if (!found) {
		out->len = 0;
		pt_strbuf_printf(out, "%s/%s/main.rs", dir, name);
	}
}

static const char *const tgt_dirs[] = {"src/bin", "examples", "tests", "benches"};

/* Targets cargo finds by itself: dir/NAME.rs and dir/NAME/main.rs. */
static void auto_targets(model *m, madelist *out, uint32_t pk, int which, uint8_t tgt)
{
	const package *p = &m->P.v[pk];
	char *pre = join_norm(p->dir, tgt_dirs[which]);
	size_t n = strlen(pre);
	for (size_t i = 0; i < m->ws->files.n; i++) {
		const char *f = m->ws->files.v[i].path;
		if (strncmp(f, pre, n) != 0 || f[n] != '/')
			continue;
		const char *rest = f + n + 1, *sl = strchr(rest, '/');
		size_t len = strlen(rest);
		char *stem = NULL;
		if (!sl && len > 3 && !strcmp(rest + len - 3, ".rs"))
			stem = pt_xstrndup(rest, len - 3);
		else if (sl && !strcmp(sl, "/main.rs"))
			stem = pt_xstrndup(rest, (size_t)(sl - rest));
		if (stem)
			add_crate(m, out, pk, stem, rel_to(f, p->dir),
				  which == 0 ? CRATE_BIN : CRATE_OTHER, tgt);
		free(stem);
	}
	free(pre);
}

static void package_crates(model *m, madelist *out, uint32_t pk)
{
	const package *p = &m->P.v[pk];
	pt_strbuf r = {0};
	add_crate(m, out, pk, p->lib_name, p->lib_path, CRATE_LIB, TGT_LIB);
	for (size_t i = 0; i < p->targets.n; i++) {
		const target *t = &p->targets.v[i];
		int which = t->tgt == TGT_BIN       ? 0
			    : t->tgt == TGT_EXAMPLE ? 1
			    : t->tgt == TGT_TEST    ? 2
						    : 3;
		/* a target without a name is named by its file's stem */
		char *name = t->name ? pt_xstrdup(t->name) : NULL;
		if (!name && !t->path)
			continue; /* read_targets keeps no such target */
		if (!name) {
			const char *base = strrchr(t->path, '/');
			base = base ? base + 1 : t->path;
			size_t bl = strlen(base);
			name = pt_xstrndup(base, bl > 3 ? bl - 3 : bl);
		}
		r.len = 0;
		if (t->path)
			pt_strbuf_adds(&r, t->path);
		else if (t->tgt == TGT_BIN && !strcmp(name, p->name))
			pt_strbuf_adds(&r, "src/main.rs");
		else
			default_root(m, p, tgt_dirs[which], name, &r);
		add_crate(m, out, pk, name, r.buf, which ? CRATE_OTHER : CRATE_BIN, t->tgt);
		free(name);
	}
	if (p->autotargets[0])
		add_crate(m, out, pk, p->name, "src/main.rs", CRATE_BIN, TGT_BIN);
	static const uint8_t kinds[] = {TGT_BIN, TGT_EXAMPLE, TGT_TEST, TGT_BENCH};
	for (int w = 0; w < 4; w++)
		if (p->autotargets[w])
			auto_targets(m, out, pk, w, kinds[w]);
	if (!p->no_build)
		add_crate(m, out, pk, "build_script", p->build, CRATE_OTHER, TGT_BUILD);
	pt_strbuf_free(&r);
}

static int cmp_made(const void *a, const void *b)
{
	const pt_crate *x = &((const made *)a)->c, *y = &((const made *)b)->c;
	if ((x->type == CRATE_LIB) != (y->type == CRATE_LIB))
		return x->type == CRATE_LIB ? -1 : 1;
	return strcmp(x->root, y->root);
}

/* The crate's cfg set: the target's, its package's features, `test`. */
static const char *crate_cfg(model *m, const package *p, uint8_t tgt)
{
	pt_strbuf b = {0};
	pt_strbuf_adds(&b, m->ws->cfg);
	for (size_t i = 0; i < p->on.n; i++)
		pt_strbuf_printf(&b, "feature=%s\n", p->on.v[i]);
	for (size_t i = 0; i < p->script_cfgs.n; i++)
		if (!pt_cfg_has(b.buf, p->script_cfgs.v[i], strlen(p->script_cfgs.v[i]), NULL, 0))
			pt_strbuf_printf(&b, "?%s\n", p->script_cfgs.v[i]);
	if (tgt == TGT_TEST || tgt == TGT_BENCH)
		pt_strbuf_adds(&b, "test\n");
	return keep(m->ws, b.buf);
}

/* Which dependencies a target kind may name. */
static bool dep_visible(const dep *d, uint8_t tgt)
{
	if (tgt == TGT_BUILD)
		return d->kind == DEP_BUILD;
	if (d->kind == DEP_BUILD)
		return false;
	return d->kind == DEP_NORMAL || (tgt == TGT_EXAMPLE || tgt == TGT_TEST || tgt == TGT_BENCH);
}

static void extern_prelude(model *m, madelist *cr, size_t ci)
{
	made *c = &cr->v[ci];
	const package *p = &m->P.v[c->pkg];
	PT_VEC(pt_extern) ex = {0};
	if (c->c.target != TGT_LIB && c->c.target != TGT_BUILD && p->lib_crate != UINT32_MAX) {
		pt_extern e = {cr->v[p->lib_crate].c.name, p->lib_crate};
		pt_vec_push(&ex, e);
	}
	for (size_t k = 0; k < p->deps.n; k++) {
		const dep *d = &p->deps.v[k];
		bool usable = d->kind == DEP_DEV ? (!d->optional && dep_applies(m, d)) : d->on;
		if (!usable || d->to < 0 || !dep_visible(d, c->c.target) ||
		    m->P.v[d->to].lib_crate == UINT32_MAX)
			continue;
		uint32_t lc = m->P.v[d->to].lib_crate;
		const char *name = d->renamed ? keep(m->ws, under(d->key)) : cr->v[lc].c.name;
		bool dup = false;
		for (size_t i = 0; i < ex.n && !dup; i++)
			dup = strcmp(ex.v[i].name, name) == 0;
		if (dup)
			continue;
		pt_extern e = {name, lc};
		pt_vec_push(&ex, e);
	}
	c->c.deps = ex.v;
	c->c.n_deps = (uint32_t)ex.n;
	if (ex.v)
		pt_vec_push(&m->ws->owned, ex.v);
}

static void make_crates(model *m)
{
	madelist cr = {0};
	for (size_t i = 0; i < m->P.n; i++)
		if (m->P.v[i].name)
			package_crates(m, &cr, (uint32_t)i);
	if (cr.n)
		qsort(cr.v, cr.n, sizeof *cr.v, cmp_made);
	for (size_t i = 0; i < m->P.n; i++)
		m->P.v[i].lib_crate = UINT32_MAX;
	for (size_t i = 0; i < cr.n; i++) {
		package *p = &m->P.v[cr.v[i].pkg];
		if (cr.v[i].c.target == TGT_LIB && p->lib_crate == UINT32_MAX)
			p->lib_crate = (uint32_t)i;
		cr.v[i].c.cfg = crate_cfg(m, p, cr.v[i].c.target);
	}
	for (size_t i = 0; i < cr.n; i++)
		extern_prelude(m, &cr, i);
	for (size_t i = 0; i < cr.n; i++)
		pt_vec_push(&m->ws->crates, cr.v[i].c);
	pt_vec_free(&cr);
}

/* ---- the entry ------------------------------------------------------------- */

static void target_cfg(pt_workspace *ws, const pt_build *b)
{
	pt_strbuf c = {0};
	pt_cfg_target(b ? b->target : NULL, &c);
	pt_strbuf_adds(&c, "debug_assertions\n");
	if (b && b->cfgs)
		pt_strbuf_adds(&c, b->cfgs);
	free(ws->cfg);
	ws->cfg = c.buf;
}

void pt_workspace_crates(const char *root, pt_workspace *ws, const pt_build *b)
{
	pt_workspace_crates_clear(ws);
	target_cfg(ws, b);
	model m = {.root = root, .ws = ws, .tcfg = ws->cfg, .b = b};
	m.triple = b && b->target ? b->target : pt_cfg_host_triple();
	size_t manifests = 0;
	for (size_t i = 0; i < ws->files.n; i++)
		if (ws->files.v[i].cargo) {
			manifests++;
			load_manifest(&m, ws->files.v[i].path);
		}
	find_workspaces(&m);
	for (size_t i = 0; i < m.P.n; i++)
		if (m.P.v[i].name)
			read_package(&m, &m.P.v[i]);
	for (size_t i = 0; i < m.P.n; i++)
		for (size_t k = 0; k < m.P.v[i].deps.n; k++)
			m.P.v[i].deps.v[k].to = resolve_dep(&m, &m.P.v[i].deps.v[k]);
	enable_features(&m);
	make_crates(&m);
	if (!manifests && ws->files.n)
		warn(ws, ".",
		     "no Cargo.toml in this folder: its files are indexed as modules named by "
		     "their paths (src/lib.rs is `src::lib`), and names are resolved without "
		     "Cargo's dependency graph");
	for (size_t i = 0; i < m.P.n; i++)
		free_package(&m.P.v[i]);
	pt_vec_free(&m.P);
}
