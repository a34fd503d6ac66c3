/* graph/lint.c — see lint.h.
 *
 * The graph is read once into arrays indexed by entity (id, parent,
 * owning module, kind, flags, qualified path borrowed from the map), then
 * every entity's outgoing edges are walked once; each rule looks at the
 * edges it cares about during that walk.
 *
 * Cycles. By default a cycle is one among sibling subtrees: an edge from
 * u to v, where the modules holding them are neither the same nor one
 * inside the other, is lifted to the two children of their lowest common
 * module (the two crates, across crates) and cycles are the strongly
 * connected sets of that graph. A module's dependencies on its own
 * ancestors (`use super::*`) and descendants are how Rust modules are
 * written, so they never make a cycle; a cycle is reported at the sites of
 * the lifted edges between its members, `use` declarations first.
 */
#define _GNU_SOURCE
#include "lint.h"

#include <fnmatch.h>
#include <stdio.h>

#define NONE     UINT32_MAX
#define MAX_UP   64 /* parent hops followed; deeper means a broken chain */
#define MSG_MODS 6  /* modules named in a cycle's message */

/* ---- id → index ------------------------------------------------------------ */

typedef struct {
	uint64_t *k;
	uint32_t *v;
	size_t cap, n;
} imap;

static size_t imap_slot(const imap *m, uint64_t k)
{
	size_t i = (size_t)(k * 0x9E3779B97F4A7C15ull) & (m->cap - 1);
	while (m->k[i] && m->k[i] != k)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void imap_init(imap *m, size_t n)
{
	m->cap = 1024;
	while (m->cap < n * 2 + 2)
		m->cap *= 2;
	m->k = pt_xcalloc(m->cap, sizeof *m->k);
	m->v = pt_xcalloc(m->cap, sizeof *m->v);
	m->n = 0;
}

/* The map is sized once for every entity (ids are never 0). */
static void imap_put(imap *m, uint64_t k, uint32_t v)
{
	size_t i = imap_slot(m, k);
	m->n += !m->k[i];
	m->k[i] = k;
	m->v[i] = v;
}

static uint32_t imap_get(const imap *m, uint64_t k)
{
	if (!k || !m->cap)
		return NONE;
	size_t i = imap_slot(m, k);
	return m->k[i] ? m->v[i] : NONE;
}

/* ---- the graph as arrays ----------------------------------------------------- */

typedef struct {
	uint32_t sl, sc, el, ec;
} nspan;

typedef struct {
	store_txn *txn;
	const lint_opts *o;
	lint_report *out;
	size_t n;
	uint64_t *id;
	uint32_t *parent, *owner, *file;
	uint8_t *kind;
	uint16_t *flags;
	const char **qpath; /* borrowed until the transaction ends */
	nspan *name;
	bool *exported; /* unused-pub: imported by a library's root (`pub use`) */
	imap at;
} lctx;

static void ctx_free(lctx *c)
{
	free(c->id);
	free(c->parent);
	free(c->owner);
	free(c->file);
	free(c->kind);
	free(c->flags);
	free(c->qpath);
	free(c->name);
	free(c->exported);
	free(c->at.k);
	free(c->at.v);
}

static bool is_module(const lctx *c, uint32_t i)
{
	return c->kind[i] == PT_MODULE || c->kind[i] == PT_CRATE;
}

static int load(lctx *c)
{
	uint64_t count = 0;
	int rc = store_count(c->txn, TBL_ENTS, &count);
	if (rc)
		return rc;
	size_t cap = (size_t)count + 1;
	c->id = pt_xcalloc(cap, sizeof *c->id);
	c->parent = pt_xcalloc(cap, sizeof *c->parent);
	c->owner = pt_xcalloc(cap, sizeof *c->owner);
	c->file = pt_xcalloc(cap, sizeof *c->file);
	c->kind = pt_xcalloc(cap, 1);
	c->flags = pt_xcalloc(cap, sizeof *c->flags);
	c->qpath = pt_xcalloc(cap, sizeof *c->qpath);
	c->name = pt_xcalloc(cap, sizeof *c->name);
	uint64_t *pid = pt_xcalloc(cap, sizeof *pid);
	imap_init(&c->at, cap);
	store_cursor *cur = NULL;
	store_val k, v;
	rc = store_cursor_open(c->txn, TBL_ENTS, &cur);
	for (int r = rc ? PT_ENOTFOUND : store_cursor_seek(cur, NULL, 0, &k, &v);
	     r == PT_OK && c->n < count; r = store_cursor_next(cur, &k, &v)) {
		rec_entity e;
		if (rec_entity_decode(v.data, v.len, &e) != PT_OK)
			continue;
		size_t i = c->n++;
		c->id[i] = e.id;
		pid[i] = e.parent;
		c->kind[i] = e.kind;
		c->flags[i] = e.flags;
		c->file[i] = e.file;
		c->qpath[i] = e.qpath;
		c->name[i] = (nspan){e.nsl, e.nsc, e.nel, e.nec};
		imap_put(&c->at, e.id, (uint32_t)i);
	}
	store_cursor_close(cur);
	for (size_t i = 0; i < c->n; i++)
		c->parent[i] = pid[i] == c->id[i] ? NONE : imap_get(&c->at, pid[i]);
	for (size_t i = 0; i < c->n; i++) {
		uint32_t j = (uint32_t)i;
		for (int h = 0; h < MAX_UP && j != NONE && !is_module(c, j); h++)
			j = c->parent[j];
		c->owner[i] = j != NONE && is_module(c, j) ? j : NONE;
	}
	free(pid);
	return rc;
}

/* The module a module sits in (NONE for a crate). */
static uint32_t up(const lctx *c, uint32_t m)
{
	return c->kind[m] == PT_CRATE || c->parent[m] == NONE ? NONE : c->owner[c->parent[m]];
}

static uint32_t depth_of(const lctx *c, uint32_t m)
{
	uint32_t d = 0;
	for (m = up(c, m); m != NONE && d < MAX_UP; m = up(c, m))
		d++;
	return d;
}

/* Whether entity i is a, inside it (through parents), or one of its
 * methods (named under it: the impl that holds a method is not inside
 * its type): a use of an item by itself is no use. */
static bool self_use(const lctx *c, uint32_t a, uint32_t i)
{
	size_t n = strlen(c->qpath[a]);
	if (strncmp(c->qpath[i], c->qpath[a], n) == 0 &&
	    (c->qpath[i][n] == 0 || (c->qpath[i][n] == ':' && c->qpath[i][n + 1] == ':')))
		return true;
	for (int h = 0; h < MAX_UP && i != NONE; h++, i = c->parent[i])
		if (i == a)
			return true;
	return false;
}

/* ---- findings ------------------------------------------------------------------ */

static uint32_t text_add(lint_report *r, const char *s)
{
	uint32_t off = (uint32_t)r->text.len;
	pt_strbuf_add(&r->text, s, strlen(s) + 1);
	return off;
}

static lint_finding *finding(lctx *c, uint8_t rule, uint32_t file, nspan s, const char *msg,
			     const char *key)
{
	lint_finding f = {.rule = rule,
			  .file = file,
			  .line = s.sl,
			  .col = s.sc,
			  .end_line = s.el,
			  .end_col = s.ec};
	f.msg = text_add(c->out, msg);
	f.key = text_add(c->out, key);
	pt_vec_push(&c->out->items, f);
	return &c->out->items.v[c->out->items.n - 1];
}

static nspan site_of(const rec_edge *e)
{
	return (nspan){e->sl, e->sc, e->el, e->ec};
}

/* Whether an edge counts for the dependency rules (cycles, forbid). */
static bool edge_counts(const lctx *c, uint32_t i, uint32_t j, const rec_edge *e)
{
	if (e->file == PT_NO_FILE || ((e->flags & EDGE_AMBIGUOUS) && !c->o->ambiguous))
		return false;
	if (!c->o->tests && ((c->flags[i] | c->flags[j]) & ENT_CFG_OFF))
		return false;
	return true;
}

/* ---- path patterns ---------------------------------------------------------------- */

/* Length of the segment at s (up to "::" or the end). */
static size_t seg_len(const char *s)
{
	const char *e = strstr(s, "::");
	return e ? (size_t)(e - s) : strlen(s);
}

static const char *seg_next(const char *s, size_t n)
{
	return s[n] ? s + n + 2 : s + n;
}

static bool seg_match(const char *p, size_t pn, const char *s, size_t sn)
{
	char pb[256], sb[256];
	if (pn >= sizeof pb || sn >= sizeof sb)
		return pn == sn && memcmp(p, s, pn) == 0;
	memcpy(pb, p, pn);
	pb[pn] = 0;
	memcpy(sb, s, sn);
	sb[sn] = 0;
	return fnmatch(pb, sb, 0) == 0;
}

/* Prefix match of the remaining segments: the pattern used up means a
 * match (the path may go on inside what it names). */
static bool match_from(const char *p, const char *s)
{
	if (!*p)
		return true;
	size_t pn = seg_len(p);
	if (pn == 2 && p[0] == '*' && p[1] == '*') {
		for (const char *t = s;; t = seg_next(t, seg_len(t))) {
			if (match_from(seg_next(p, pn), t))
				return true;
			if (!*t)
				return false;
		}
	}
	if (!*s)
		return false;
	size_t sn = seg_len(s);
	return seg_match(p, pn, s, sn) && match_from(seg_next(p, pn), seg_next(s, sn));
}

bool lint_path_match(const char *pat, const char *path, const char *crate, size_t crate_len)
{
	size_t pn = seg_len(pat), sn = seg_len(path);
	if (pn == 5 && memcmp(pat, "crate", 5) == 0) {
		if (crate && (sn != crate_len || memcmp(path, crate, sn) != 0))
			return false;
		return match_from(seg_next(pat, pn), seg_next(path, sn));
	}
	return match_from(pat, path);
}

/* ---- forbidden dependencies ------------------------------------------------------- */

static void forbid_edge(lctx *c, uint32_t i, uint32_t j, const rec_edge *e, const bool *from_ok)
{
	for (size_t r = 0; r < c->o->n_forbid; r++) {
		const lint_forbid *f = &c->o->forbid[r];
		if (!from_ok[r] ||
		    !lint_path_match(f->to, c->qpath[j], c->qpath[i], seg_len(c->qpath[i])))
			continue;
		pt_strbuf m = {0}, k = {0};
		pt_strbuf_printf(&m, "%s%s%s %s %s (forbidden: %s → %s)",
				 f->message ? f->message : "", f->message ? ": " : "", c->qpath[i],
				 e->kind == REL_CALLS  ? "calls"
				 : e->kind == REL_IMPL ? "implements"
						       : "uses",
				 c->qpath[j], f->from, f->to);
		pt_strbuf_printf(&k, "%s|%s|%s|%s", f->name, c->qpath[i], pt_rel_name(e->kind),
				 c->qpath[j]);
		lint_finding *x = finding(c, LINT_FORBID, e->file, site_of(e), m.buf, k.buf);
		x->forbid = (uint32_t)r;
		x->from = c->id[i];
		x->to = c->id[j];
		pt_strbuf_free(&m);
		pt_strbuf_free(&k);
	}
}

/* ---- cycles: the lifted edges -------------------------------------------------------- */

typedef struct {
	uint32_t a, b;     /* lifted ends (modules) */
	uint32_t src, dst; /* the entities of the edge */
	rec_edge e;
} cedge;

typedef PT_VEC(cedge) cedges;

/* The two children of the lowest common module of ma and mb that hold
 * them; false when one holds the other (or they are the same). Across
 * crates, the crates. */
static bool lift(const lctx *c, uint32_t ma, uint32_t mb, uint32_t *a, uint32_t *b)
{
	uint32_t da = depth_of(c, ma), db = depth_of(c, mb);
	for (; da > db; da--)
		ma = up(c, ma);
	for (; db > da; db--)
		mb = up(c, mb);
	if (ma == mb)
		return false; /* one holds the other */
	for (uint32_t h = 0; h < MAX_UP; h++) {
		uint32_t ua = up(c, ma), ub = up(c, mb);
		if (ua == ub)
			break; /* also NONE == NONE: two crates */
		ma = ua;
		mb = ub;
	}
	*a = ma;
	*b = mb;
	return true;
}

static void cycle_edge(lctx *c, uint32_t i, uint32_t j, const rec_edge *e, cedges *out)
{
	if (e->kind != REL_CALLS && e->kind != REL_USES)
		return;
	uint32_t mu = c->owner[i], mv = c->owner[j], a, b;
	if (mu == NONE || mv == NONE || mu == mv)
		return;
	if (c->o->parent_child) {
		a = mu;
		b = mv;
	} else if (!lift(c, mu, mv, &a, &b)) {
		return;
	}
	cedge x = {a, b, i, j, *e};
	pt_vec_push(out, x);
}

/* ---- the walk ------------------------------------------------------------------------ */

static void walk_edges(lctx *c, cedges *ce, bool *used)
{
	bool *from_ok = pt_xcalloc(c->o->n_forbid + 1, sizeof *from_ok);
	for (size_t i = 0; i < c->n; i++) {
		bool any = false;
		for (size_t r = 0; r < c->o->n_forbid; r++)
			any |= from_ok[r] =
				lint_path_match(c->o->forbid[r].from, c->qpath[i], NULL, 0);
		query_edges it;
		rec_edge e;
		query_edges_open(c->txn, c->id[i], QUERY_OUT, &it);
		while (query_edges_next(&it, &e)) {
			uint32_t j = imap_get(&c->at, e.other);
			if (j == NONE || e.kind == REL_CONTAINS || e.kind == REL_DEFINES)
				continue;
			if (used && !used[j] && !self_use(c, j, (uint32_t)i))
				used[j] = true;
			if (!edge_counts(c, (uint32_t)i, j, &e))
				continue;
			if (any)
				forbid_edge(c, (uint32_t)i, j, &e, from_ok);
			if (c->o->cycles)
				cycle_edge(c, (uint32_t)i, j, &e, ce);
		}
	}
	free(from_ok);
}

/* ---- cycles: strongly connected sets (Tarjan, iterative) ----------------------------- */

typedef struct {
	uint32_t *start, *adj; /* CSR over module indexes (entity indexes) */
	size_t n;
} csr;

/* comp[v]: the component of v, numbered from 1; 0 for nodes in no cycle
 * (a component of one). Returns the number of cycles. */
static uint32_t scc(const csr *g, uint32_t *comp)
{
	size_t n = g->n;
	uint32_t *idx = pt_xmalloc((n + 1) * sizeof *idx), *low = pt_xmalloc((n + 1) * sizeof *low);
	bool *on = pt_xcalloc(n + 1, 1);
	PT_VEC(uint32_t) st = {0};
	PT_VEC(uint32_t) call = {0}; /* node, then its next edge */
	uint32_t counter = 0, ncomp = 0;
	memset(idx, 0xff, (n + 1) * sizeof *idx);
	for (uint32_t s = 0; s < n; s++) {
		if (idx[s] != NONE || g->start[s] == g->start[s + 1])
			continue;
		idx[s] = low[s] = counter++;
		pt_vec_push(&st, s);
		on[s] = true;
		pt_vec_push(&call, s);
		pt_vec_push(&call, g->start[s]);
		while (call.n) {
			uint32_t v = call.v[call.n - 2], ei = call.v[call.n - 1];
			if (ei < g->start[v + 1]) {
				uint32_t w = g->adj[ei];
				call.v[call.n - 1] = ei + 1;
				if (idx[w] == NONE) {
					idx[w] = low[w] = counter++;
					pt_vec_push(&st, w);
					on[w] = true;
					pt_vec_push(&call, w);
					pt_vec_push(&call, g->start[w]);
				} else if (on[w] && idx[w] < low[v]) {
					low[v] = idx[w];
				}
				continue;
			}
			call.n -= 2;
			if (call.n && low[v] < low[call.v[call.n - 2]])
				low[call.v[call.n - 2]] = low[v];
			if (low[v] != idx[v])
				continue;
			size_t top = st.n;
			while (st.v[top - 1] != v)
				top--;
			top--;
			uint32_t id = st.n - top >= 2 ? ++ncomp : 0;
			for (size_t k = top; k < st.n; k++) {
				on[st.v[k]] = false;
				comp[st.v[k]] = id;
			}
			st.n = top;
		}
	}
	free(idx);
	free(low);
	free(on);
	pt_vec_free(&st);
	pt_vec_free(&call);
	return ncomp;
}

static int cmp_cedge(const void *x, const void *y)
{
	const cedge *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	bool ip = p->e.kind == REL_USES && (p->e.flags & EDGE_IMPORT),
	     iq = q->e.kind == REL_USES && (q->e.flags & EDGE_IMPORT);
	if (ip != iq)
		return ip ? -1 : 1;
	if (p->e.file != q->e.file)
		return p->e.file < q->e.file ? -1 : 1;
	if (p->e.sl != q->e.sl)
		return p->e.sl < q->e.sl ? -1 : 1;
	return p->e.sc < q->e.sc ? -1 : p->e.sc > q->e.sc;
}

/* The CSR of the distinct lifted edges (sorted ce). */
static void build_csr(const lctx *c, const cedges *ce, csr *g)
{
	g->n = c->n;
	g->start = pt_xcalloc(c->n + 2, sizeof *g->start);
	g->adj = pt_xmalloc((ce->n + 1) * sizeof *g->adj);
	size_t m = 0;
	for (size_t k = 0; k < ce->n; k++) {
		if (k && ce->v[k].a == ce->v[k - 1].a && ce->v[k].b == ce->v[k - 1].b)
			continue;
		g->start[ce->v[k].a + 1]++;
		g->adj[m++] = ce->v[k].b;
	}
	for (size_t i = 0; i < c->n; i++)
		g->start[i + 1] += g->start[i];
}

/* The shortest way from b back to a inside their component, as
 * "a → b → … → a" into m. */
static void cycle_path(const lctx *c, const csr *g, const uint32_t *comp, size_t size, uint32_t a,
		       uint32_t b, pt_strbuf *m)
{
	PT_VEC(uint32_t) q = {0};
	imap prev = {0};
	imap_init(&prev, size);
	pt_vec_push(&q, b);
	imap_put(&prev, (uint64_t)b + 1, b);
	for (size_t h = 0; h < q.n && imap_get(&prev, (uint64_t)a + 1) == NONE; h++) {
		uint32_t v = q.v[h];
		for (uint32_t k = g->start[v]; k < g->start[v + 1]; k++) {
			uint32_t w = g->adj[k];
			if (comp[w] != comp[a] || imap_get(&prev, (uint64_t)w + 1) != NONE)
				continue;
			imap_put(&prev, (uint64_t)w + 1, v);
			pt_vec_push(&q, w);
		}
	}
	PT_VEC(uint32_t) path = {0};
	for (uint32_t v = a, h = 0; v != b && h < MAX_UP; h++) {
		pt_vec_push(&path, v);
		v = imap_get(&prev, (uint64_t)v + 1);
		if (v == NONE)
			break;
	}
	pt_vec_push(&path, b);
	pt_strbuf_printf(m, "%s", c->qpath[a]);
	size_t n = path.n, shown = n < MSG_MODS ? n : MSG_MODS;
	for (size_t k = 0; k < shown; k++)
		pt_strbuf_printf(m, " → %s", c->qpath[path.v[n - 1 - k]]);
	if (shown < n)
		pt_strbuf_printf(m, " → … (%zu more) → %s", n - shown - 1, c->qpath[a]);
	pt_vec_free(&path);
	pt_vec_free(&q);
	free(prev.k);
	free(prev.v);
}

static void cycle_site(lctx *c, const cedge *x, const char *path, uint32_t cyc, size_t nth,
		       size_t of)
{
	pt_strbuf m = {0}, k = {0};
	bool import = x->e.kind == REL_USES && (x->e.flags & EDGE_IMPORT);
	pt_strbuf_printf(&m, "module dependency cycle: %s; here %s %s %s", path, c->qpath[x->src],
			 x->e.kind == REL_CALLS ? "calls"
			 : import               ? "imports"
						: "uses",
			 c->qpath[x->dst]);
	if (of > 1 && !import)
		pt_strbuf_printf(&m, " (site %zu of %zu)", nth, of);
	pt_strbuf_printf(&k, "module-cycle|%s|%s|%s|%s|%s", c->qpath[x->a], c->qpath[x->b],
			 c->qpath[x->src], pt_rel_name(x->e.kind), c->qpath[x->dst]);
	lint_finding *f = finding(c, LINT_CYCLE, x->e.file, site_of(&x->e), m.buf, k.buf);
	f->cycle = cyc;
	f->from = c->id[x->a];
	f->to = c->id[x->b];
	pt_strbuf_free(&m);
	pt_strbuf_free(&k);
}

static void report_cycles(lctx *c, cedges *ce)
{
	if (ce->n)
		qsort(ce->v, ce->n, sizeof *ce->v, cmp_cedge);
	csr g;
	build_csr(c, ce, &g);
	uint32_t *comp = pt_xcalloc(c->n + 1, sizeof *comp);
	c->out->cycles = scc(&g, comp);
	uint32_t *size = pt_xcalloc(c->out->cycles + 1, sizeof *size);
	for (size_t i = 0; i < c->n; i++)
		size[comp[i]]++;
	for (size_t k = 0, next; k < ce->n; k = next) {
		const cedge *x = &ce->v[k];
		for (next = k + 1; next < ce->n && ce->v[next].a == x->a && ce->v[next].b == x->b;)
			next++;
		if (!comp[x->a] || comp[x->a] != comp[x->b])
			continue;
		pt_strbuf path = {0};
		cycle_path(c, &g, comp, size[comp[x->a]], x->a, x->b, &path);
		size_t imports = 0;
		while (k + imports < next && ce->v[k + imports].e.kind == REL_USES &&
		       (ce->v[k + imports].e.flags & EDGE_IMPORT))
			imports++;
		size_t n = imports ? imports : next - k;
		size_t shown =
			imports || !c->o->max_sites || n < c->o->max_sites ? n : c->o->max_sites;
		for (size_t s = 0; s < shown; s++)
			cycle_site(c, &ce->v[k + s], path.buf, comp[x->a], s + 1, n);
		pt_strbuf_free(&path);
	}
	free(comp);
	free(size);
	free(g.start);
	free(g.adj);
}

/* ---- unused public items ---------------------------------------------------------------- */

static bool in_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	for (const char *p = path; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (strncmp(p, dir, n) == 0 && p[n] == '/')
			return true;
	}
	return false;
}

/* A library crate: its root is not a binary's (src/main.rs, src/bin/)
 * nor a test, bench or example target. */
static bool lib_crate(const lctx *c, uint32_t k)
{
	const char *f = query_file_path(c->txn, c->file[k]);
	size_t n = strlen(f);
	bool main_rs = n >= 7 && strcmp(f + n - 7, "main.rs") == 0 && (n == 7 || f[n - 8] == '/');
	return !main_rs && !in_dir(f, "bin") && !in_dir(f, "tests") && !in_dir(f, "benches") &&
	       !in_dir(f, "examples");
}

static uint32_t crate_of(const lctx *c, uint32_t i)
{
	for (int h = 0; h < MAX_UP && i != NONE; h++, i = c->parent[i])
		if (c->kind[i] == PT_CRATE)
			return i;
	return NONE;
}

/* Reached from outside the crate: defined in a library's root, or (api
 * public) pub all the way up from a library's root. */
static bool api_item(const lctx *c, uint32_t i)
{
	uint32_t k = crate_of(c, i);
	if (k == NONE || !lib_crate(c, k))
		return false;
	uint32_t m = c->owner[i];
	if (c->exported[i] || (m == k && (c->kind[i] != PT_METHOD || c->o->api_public)))
		return true;
	if (!c->o->api_public)
		return false;
	for (uint32_t j = c->parent[i]; j != NONE && j != k; j = c->parent[j])
		if (c->kind[j] != PT_IMPL && !(c->flags[j] & ENT_PUB))
			return false;
	return true;
}

static bool candidate(const lctx *c, uint32_t i)
{
	static const bool kinds[PT_KIND_MAX] = {
		[PT_FUNCTION] = 1,   [PT_METHOD] = 1, [PT_STRUCT] = 1,
		[PT_ENUM] = 1,       [PT_UNION] = 1,  [PT_TRAIT] = 1,
		[PT_TYPE_ALIAS] = 1, [PT_CONST] = 1,  [PT_STATIC] = 1,
	};
	if (c->kind[i] >= PT_KIND_MAX || !kinds[c->kind[i]] || !(c->flags[i] & ENT_PUB) ||
	    (c->flags[i] & (ENT_EXTERNAL | ENT_CFG_OFF | ENT_TEST | ENT_ENTRY)) ||
	    c->file[i] == PT_NO_FILE)
		return false;
	uint32_t p = c->parent[i];
	if (c->kind[i] == PT_METHOD &&
	    (p == NONE || c->kind[p] != PT_IMPL || (c->flags[p] & ENT_TRAIT_IMPL)))
		return false; /* trait methods and their impls are reached through the trait */
	const char *last = strrchr(c->qpath[i], ':');
	if (p != NONE && c->kind[p] == PT_CRATE &&
	    strcmp(last ? last + 1 : c->qpath[i], "main") == 0)
		return false; /* a binary's entry */
	const char *f = query_file_path(c->txn, c->file[i]);
	const char *base = strrchr(f, '/');
	return !in_dir(f, "tests") && !in_dir(f, "benches") && !in_dir(f, "examples") &&
	       strcmp(base ? base + 1 : f, "build.rs") != 0;
}

/* A type is used when one of the methods its impls define is. */
static void used_through_methods(lctx *c, bool *used)
{
	for (size_t i = 0; i < c->n; i++) {
		if (used[i] || (c->kind[i] != PT_STRUCT && c->kind[i] != PT_ENUM &&
				c->kind[i] != PT_UNION && c->kind[i] != PT_TRAIT))
			continue;
		query_edges it;
		rec_edge e;
		query_edges_open(c->txn, c->id[i], QUERY_OUT, &it);
		while (!used[i] && query_edges_next(&it, &e)) {
			uint32_t j = imap_get(&c->at, e.other);
			if (j != NONE && (e.kind == REL_DEFINES || e.kind == REL_CONTAINS) &&
			    used[j])
				used[i] = true;
		}
	}
}

/* What the root of each library crate imports: `pub use a::B;` in lib.rs
 * makes B part of the crate's interface (a private `use` there is taken
 * the same way: the edge does not say which it was). */
static void mark_exported(lctx *c)
{
	c->exported = pt_xcalloc(c->n + 1, sizeof *c->exported);
	for (size_t k = 0; k < c->n; k++) {
		if (c->kind[k] != PT_CRATE || !lib_crate(c, (uint32_t)k))
			continue;
		query_edges it;
		rec_edge e;
		query_edges_open(c->txn, c->id[k], QUERY_OUT, &it);
		while (query_edges_next(&it, &e)) {
			uint32_t j = imap_get(&c->at, e.other);
			if (j != NONE && e.kind == REL_USES && (e.flags & EDGE_IMPORT))
				c->exported[j] = true;
		}
	}
}

static void report_unused(lctx *c, bool *used)
{
	mark_exported(c);
	used_through_methods(c, used);
	for (size_t i = 0; i < c->n; i++) {
		uint32_t u = (uint32_t)i;
		if (used[i] || !candidate(c, u) || api_item(c, u))
			continue;
		/* a method of a type reached from outside is reached too */
		if (c->kind[i] == PT_METHOD) {
			query_edges it;
			rec_edge e;
			bool api = false;
			query_edges_open(c->txn, c->id[i], QUERY_IN, &it);
			while (!api && query_edges_next(&it, &e)) {
				uint32_t t = imap_get(&c->at, e.other);
				api = e.kind == REL_DEFINES && t != NONE && api_item(c, t);
			}
			if (api)
				continue;
		}
		pt_strbuf m = {0}, k = {0};
		pt_strbuf_printf(&m, "public %s %s is never used in the workspace",
				 pt_kind_name(c->kind[i]), c->qpath[i]);
		pt_strbuf_printf(&k, "unused-pub|%s|%s", pt_kind_name(c->kind[i]), c->qpath[i]);
		lint_finding *f = finding(c, LINT_UNUSED, c->file[i], c->name[i], m.buf, k.buf);
		f->from = f->to = c->id[i];
		pt_strbuf_free(&m);
		pt_strbuf_free(&k);
	}
}

/* ---- driver ------------------------------------------------------------------------------ */

static int cmp_finding(const void *x, const void *y)
{
	const lint_finding *p = x, *q = y;
	if (p->file != q->file)
		return p->file < q->file ? -1 : 1;
	if (p->line != q->line)
		return p->line < q->line ? -1 : 1;
	if (p->col != q->col)
		return p->col < q->col ? -1 : 1;
	return p->rule - q->rule;
}

void lint_opts_default(lint_opts *o)
{
	memset(o, 0, sizeof *o);
	o->cycles = true;
	o->max_sites = 3;
	o->api_public = true;
}

int lint_run(store_txn *txn, const lint_opts *o, lint_report *out)
{
	lctx c = {.txn = txn, .o = o, .out = out};
	cedges ce = {0};
	int rc = load(&c);
	bool *used = NULL;
	if (rc)
		goto done;
	for (size_t i = 0; i < c.n; i++)
		out->modules += is_module(&c, (uint32_t)i);
	if (o->unused_pub)
		used = pt_xcalloc(c.n + 1, sizeof *used);
	walk_edges(&c, &ce, used);
	if (o->cycles)
		report_cycles(&c, &ce);
	if (used)
		report_unused(&c, used);
	if (out->items.n)
		qsort(out->items.v, out->items.n, sizeof *out->items.v, cmp_finding);
done:
	free(used);
	pt_vec_free(&ce);
	ctx_free(&c);
	return rc;
}

void lint_report_free(lint_report *r)
{
	pt_vec_free(&r->items);
	pt_strbuf_free(&r->text);
	memset(r, 0, sizeof *r);
}
