/* graph/query_targets.c — what a target names (query_targets), and the
 * closest names when it names nothing (query_target_suggestions).
 *
 * A path target is resolved the way `use` resolves a path: from a crate
 * root, segment by segment, through the items each module declares and
 * the `pub use` declarations it writes (renames and globs included), so
 * that `tokio::spawn` is the fn that tokio's root re-exports, not some
 * other `spawn`. The declarations are read from the facts stored with
 * the index (TBL_FACTS), as the resolver read them. Nothing stands in for
 * an item that is not there: a path that leads nowhere names nothing.
 */
#include "facts.h"
#include "query_int.h"

#include <ctype.h>
#include <stdlib.h>

#define MAX_TSEGS  32
#define MAX_DEPTH  8
#define MAX_STEPS  4096 /* module visits per question: glob cycles end */
#define MAX_SCOPES 4

typedef struct {
	const char *p;
	size_t n;
} tseg;

/* Facts of the files a question reads, decoded once. */
typedef struct {
	uint32_t file;
	pt_facts *f; /* NULL when the file has none */
} file_facts;

typedef struct {
	store_txn *txn;
	PT_VEC(file_facts) files;
	size_t steps;
} tctx;

static const pt_facts *facts_of(tctx *t, uint32_t file)
{
	for (size_t i = 0; i < t->files.n; i++)
		if (t->files.v[i].file == file)
			return t->files.v[i].f;
	uint8_t k[4];
	store_val v;
	file_facts ff = {file, NULL};
	store_key_u32(k, file);
	if (store_get(t->txn, TBL_FACTS, k, 4, &v) == PT_OK) {
		ff.f = pt_xmalloc(sizeof *ff.f);
		pt_facts_init(ff.f);
		if (pt_facts_decode(v.data, v.len, ff.f) != PT_OK) {
			pt_facts_free(ff.f);
			free(ff.f);
			ff.f = NULL;
		}
	}
	pt_vec_push(&t->files, ff);
	return ff.f;
}

static void tctx_free(tctx *t)
{
	for (size_t i = 0; i < t->files.n; i++) {
		pt_facts_free(t->files.v[i].f);
		free(t->files.v[i].f);
	}
	pt_vec_free(&t->files);
}

/* ---- segments ---------------------------------------------------------------- */

/* Splits a target at the `::` outside `<..>` (`m::<impl Tr for a::B>::f`
 * has three segments); the count, 0 if there are too many. */
static size_t split_target(const char *s, tseg *out)
{
	size_t n = 0, start = 0, len = strlen(s);
	int depth = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] == '<')
			depth++;
		else if (i < len && s[i] == '>' && !(i && s[i - 1] == '-'))
			depth--;
		if (i < len && (depth || s[i] != ':' || s[i + 1] != ':'))
			continue;
		if (n == MAX_TSEGS)
			return 0;
		out[n++] = (tseg){s + start, i - start};
		start = i + 2;
		i++;
	}
	return n;
}

/* The entity name a segment names: `<impl Tr for X>` is the impl named
 * `impl Tr for X`. */
static tseg seg_name(tseg s)
{
	if (s.n > 2 && s.p[0] == '<' && s.p[s.n - 1] == '>')
		return (tseg){s.p + 1, s.n - 2};
	return s;
}

static bool seg_is(tseg s, const char *w)
{
	return s.n == strlen(w) && memcmp(s.p, w, s.n) == 0;
}

static void push_unique(query_ids *ids, uint64_t id)
{
	for (size_t i = 0; i < ids->n; i++)
		if (ids->v[i] == id)
			return;
	pt_vec_push(ids, id);
}

/* ---- names a module holds ------------------------------------------------------ */

/* Entities whose path is parent's path and then seg. */
static void children(tctx *t, const rec_entity *parent, tseg seg, query_ids *out)
{
	query_ids c = {0};
	tseg nm = seg_name(seg);
	size_t pl = strlen(parent->qpath);
	qi_by_name(t->txn, nm.p, nm.n, &c);
	for (size_t i = 0; i < c.n; i++) {
		rec_entity e;
		if (query_entity(t->txn, c.v[i], &e) == PT_OK &&
		    strlen(e.qpath) == pl + 2 + seg.n && !memcmp(e.qpath, parent->qpath, pl) &&
		    !memcmp(e.qpath + pl, "::", 2) && !memcmp(e.qpath + pl + 2, seg.p, seg.n))
			push_unique(out, c.v[i]);
	}
	pt_vec_free(&c);
}

/* Where module m writes its `use` declarations. */
typedef struct {
	uint32_t file;
	int32_t scope; /* fact item of an inline module, -1 for a file's own */
} use_scope;

static size_t module_scopes(tctx *t, uint64_t id, const rec_entity *m, use_scope *out)
{
	if (!m->parent)
		return out[0] = (use_scope){m->file, -1}, 1;
	const pt_facts *f = facts_of(t, m->file);
	int32_t item = -1;
	for (size_t i = 0; f && i < f->items.n && item < 0; i++) {
		const fact_item *it = &f->items.v[i];
		if (it->kind == PT_MODULE && it->span.start_byte == m->start_byte &&
		    strcmp(pt_strpool_get(&f->pool, it->name), m->name) == 0)
			item = (int32_t)i;
	}
	if (item < 0)
		return 0;
	if (!(f->items.v[item].flags & FI_MOD_EXTERNAL))
		return out[0] = (use_scope){m->file, item}, 1;
	/* `mod x;`: the items and uses of x are written in its file, where
	 * the module's CONTAINS and USES edges are */
	size_t n = 0;
	query_edges it;
	rec_edge e;
	query_edges_open(t->txn, id, QUERY_OUT, &it);
	while (query_edges_next(&it, &e) && n < MAX_SCOPES) {
		bool have = e.file == m->file || e.file == PT_NO_FILE;
		for (size_t k = 0; k < n && !have; k++)
			have = out[k].file == e.file;
		if (!have)
			out[n++] = (use_scope){e.file, -1};
	}
	return n;
}

static void names_in(tctx *t, uint64_t id, tseg seg, bool any_use, int depth, query_ids *out);

/* The nearest module (or crate) holding entity e, 0 if none. */
static uint64_t module_of(tctx *t, uint64_t parent)
{
	for (int hops = 0; parent && hops < 64; hops++) {
		rec_entity e;
		if (query_entity(t->txn, parent, &e) != PT_OK)
			return 0;
		if (e.kind == PT_MODULE || e.kind == PT_CRATE)
			return parent;
		parent = e.parent;
	}
	return 0;
}

/* Roots named seg: crates and loose files' modules. */
static void roots(tctx *t, tseg seg, query_ids *out)
{
	query_ids c = {0};
	qi_by_name(t->txn, seg.p, seg.n, &c);
	for (size_t i = 0; i < c.n; i++) {
		rec_entity e;
		if (query_entity(t->txn, c.v[i], &e) == PT_OK && !e.parent &&
		    (e.kind == PT_CRATE || e.kind == PT_MODULE))
			push_unique(out, c.v[i]);
	}
	pt_vec_free(&c);
}

/* The entities a `use` path written in module m names. */
static void use_path(tctx *t, uint64_t m, const char *path, int depth, query_ids *out)
{
	tseg segs[MAX_TSEGS];
	size_t n = split_target(path, segs), i = 0;
	query_ids cur = {0}, next = {0};
	if (!n || depth > MAX_DEPTH)
		return;
	if (seg_is(segs[0], "crate")) {
		uint64_t r = m;
		for (rec_entity e; query_entity(t->txn, r, &e) == PT_OK && e.parent;)
			r = module_of(t, e.parent);
		if (r)
			pt_vec_push(&cur, r);
		i = 1;
	} else if (seg_is(segs[0], "self") || seg_is(segs[0], "super")) {
		uint64_t r = m;
		for (; i < n && (seg_is(segs[i], "self") || seg_is(segs[i], "super")); i++) {
			rec_entity e;
			if (seg_is(segs[i], "super") && query_entity(t->txn, r, &e) == PT_OK)
				r = module_of(t, e.parent);
		}
		if (r)
			pt_vec_push(&cur, r);
	} else {
		/* a name in scope in m, else a crate (2015: from the crate root) */
		names_in(t, m, segs[0], true, depth + 1, &cur);
		if (!cur.n)
			roots(t, segs[0], &cur);
		if (!cur.n) {
			uint64_t r = m;
			for (rec_entity e; query_entity(t->txn, r, &e) == PT_OK && e.parent;)
				r = module_of(t, e.parent);
			if (r && r != m)
				names_in(t, r, segs[0], true, depth + 1, &cur);
		}
		i = 1;
	}
	for (; i < n && cur.n; i++) {
		next.n = 0;
		for (size_t k = 0; k < cur.n; k++)
			names_in(t, cur.v[k], segs[i], false, depth + 1, &next);
		query_ids tmp = cur;
		cur = next;
		next = tmp;
	}
	for (size_t k = 0; i == n && k < cur.n; k++)
		push_unique(out, cur.v[k]);
	pt_vec_free(&cur);
	pt_vec_free(&next);
}

/* The names module m's `use` declarations bind to seg: `pub` ones only
 * unless any_use (a path written inside m sees them all), globs followed. */
static void imports(tctx *t, uint64_t id, const rec_entity *m, tseg seg, bool any_use, int depth,
		    query_ids *out)
{
	use_scope sc[MAX_SCOPES];
	size_t ns = module_scopes(t, id, m, sc);
	for (size_t s = 0; s < ns; s++) {
		const pt_facts *f = facts_of(t, sc[s].file);
		for (size_t u = 0; f && u < f->uses.n; u++) {
			const fact_use *fu = &f->uses.v[u];
			const char *alias = pt_strpool_get(&f->pool, fu->alias);
			if (fu->scope != sc[s].scope || (!any_use && !(fu->flags & FU_PUB)))
				continue;
			const char *path = pt_strpool_get(&f->pool, fu->path);
			if (strlen(alias) == seg.n && !memcmp(alias, seg.p, seg.n)) {
				use_path(t, id, path, depth + 1, out);
			} else if (strcmp(alias, "*") == 0) {
				query_ids from = {0};
				use_path(t, id, path, depth + 1, &from);
				for (size_t k = 0; k < from.n; k++)
					if (from.v[k] != id)
						names_in(t, from.v[k], seg, false, depth + 1, out);
				pt_vec_free(&from);
			}
		}
	}
}

/* What seg names inside entity id: its members, and for a module what
 * its `use` declarations bring. */
static void names_in(tctx *t, uint64_t id, tseg seg, bool any_use, int depth, query_ids *out)
{
	rec_entity m;
	if (depth > MAX_DEPTH || ++t->steps > MAX_STEPS || query_entity(t->txn, id, &m) != PT_OK)
		return;
	size_t before = out->n;
	children(t, &m, seg, out);
	if (out->n == before && (m.kind == PT_MODULE || m.kind == PT_CRATE))
		imports(t, id, &m, seg, any_use, depth, out);
}

/* ---- the question -------------------------------------------------------------- */

/* FILE:LINE[:COL] → true and the entity, when the file is indexed. */
static bool target_location(store_txn *txn, const char *t, query_ids *out)
{
	char *s = pt_xstrdup(t), *c1 = strrchr(s, ':');
	bool ok = false;
	if (!c1 || !isdigit((unsigned char)c1[1]))
		goto done;
	long a = strtol(c1 + 1, NULL, 10), line = a, col = 0;
	*c1 = 0;
	char *c2 = strrchr(s, ':');
	if (c2 && isdigit((unsigned char)c2[1])) {
		line = strtol(c2 + 1, NULL, 10);
		col = a;
		*c2 = 0;
	}
	uint32_t file;
	uint64_t id;
	if (line < 1 || query_file_id(txn, s, &file) != PT_OK)
		goto done;
	ok = true;
	if (query_entity_at(txn, file, (uint32_t)line - 1, col ? (uint32_t)col - 1 : UINT32_MAX,
			    &id) == PT_OK)
		pt_vec_push(out, id);
done:
	free(s);
	return ok;
}

/* Whether qpath ends with the segments of target (whole segments). */
static bool suffix_match(const char *qpath, const char *target)
{
	size_t q = strlen(qpath), s = strlen(target);
	if (s > q)
		return false;
	if (s == q)
		return strcmp(qpath, target) == 0;
	return strcmp(qpath + q - s, target) == 0 && qpath[q - s - 1] == ':' &&
	       qpath[q - s - 2] == ':';
}

/* Entities named like the last segment whose path is target, or ends
 * with it (`ast::Visitor`, `Point::norm`; `crate::` stands for any crate
 * root); exact paths only when exact. */
static void by_suffix(store_txn *txn, const char *target, tseg last, bool exact, query_ids *out)
{
	query_ids c = {0};
	tseg nm = seg_name(last);
	const char *suffix = target;
	if (strncmp(target, "crate::", 7) == 0)
		suffix = target + 7;
	qi_by_name(txn, nm.p, nm.n, &c);
	for (size_t i = 0; i < c.n; i++) {
		rec_entity e;
		if (query_entity(txn, c.v[i], &e) != PT_OK)
			continue;
		if (exact ? strcmp(e.qpath, target) == 0 : suffix_match(e.qpath, suffix))
			pt_vec_push(out, c.v[i]);
	}
	pt_vec_free(&c);
}

/* The walk of a path from a crate root, as `use` would take it. */
static void by_use_rules(store_txn *txn, const tseg *segs, size_t n, query_ids *out)
{
	tctx t = {.txn = txn};
	query_ids cur = {0}, next = {0};
	roots(&t, segs[0], &cur);
	for (size_t i = 1; i < n && cur.n; i++) {
		next.n = 0;
		for (size_t k = 0; k < cur.n; k++)
			names_in(&t, cur.v[k], segs[i], false, 0, &next);
		query_ids tmp = cur;
		cur = next;
		next = tmp;
	}
	for (size_t k = 0; k < cur.n; k++)
		pt_vec_push(out, cur.v[k]);
	pt_vec_free(&cur);
	pt_vec_free(&next);
	tctx_free(&t);
}

int query_targets(store_txn *txn, const char *target, query_ids *out)
{
	tseg segs[MAX_TSEGS];
	size_t first = out->n, n;
	if (!*target)
		return PT_OK;
	if (strchr(target, ':') && target_location(txn, target, out))
		return PT_OK;
	if (!(n = split_target(target, segs)))
		return PT_OK;
	/* a bare name: every entity of that name */
	if (n == 1) {
		by_suffix(txn, target, segs[0], false, out);
		qi_ids_sort_unique(out);
		return PT_OK;
	}
	/* a path the tool prints; then a path as `use` resolves it; then the
	 * end of a path */
	by_suffix(txn, target, segs[n - 1], true, out);
	if (out->n == first)
		by_use_rules(txn, segs, n, out);
	if (out->n == first)
		by_suffix(txn, target, segs[n - 1], false, out);
	qi_ids_sort_unique(out);
	return PT_OK;
}

/* ---- suggestions ----------------------------------------------------------------- */

/* How many segments of target appear in qpath, in order. */
static size_t shared_segments(const char *qpath, const tseg *segs, size_t n)
{
	tseg q[MAX_TSEGS];
	size_t nq = split_target(qpath, q), k = 0, hits = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = k; j < nq; j++)
			if (q[j].n == segs[i].n && !memcmp(q[j].p, segs[i].p, segs[i].n)) {
				hits++;
				k = j + 1;
				break;
			}
	return hits;
}

typedef struct {
	size_t score, len;
	uint64_t id;
} suggestion;

static int cmp_suggestion(const void *a, const void *b)
{
	const suggestion *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int query_target_suggestions(store_txn *txn, const char *target, size_t limit, query_ids *out)
{
	tseg segs[MAX_TSEGS];
	size_t n = split_target(target, segs);
	if (!n)
		return PT_OK;
	tseg last = seg_name(segs[n - 1]);
	query_ids c = {0};
	PT_VEC(suggestion) s = {0};
	qi_by_name(txn, last.p, last.n, &c);
	for (size_t i = 0; i < c.n; i++) {
		rec_entity e;
		if (query_entity(txn, c.v[i], &e) != PT_OK)
			continue;
		suggestion x = {shared_segments(e.qpath, segs, n), strlen(e.qpath), c.v[i]};
		pt_vec_push(&s, x);
	}
	pt_vec_free(&c);
	if (s.n)
		qsort(s.v, s.n, sizeof *s.v, cmp_suggestion);
	for (size_t i = 0; i < s.n && (!limit || i < limit); i++)
		pt_vec_push(out, s.v[i].id);
	pt_vec_free(&s);
	if (out->n)
		return PT_OK;
	/* nothing of that name: names like it */
	char *nm = pt_xstrndup(last.p, last.n);
	int rc = query_search(txn, nm, limit, out, NULL);
	free(nm);
	return rc;
}
