/* lsp/handlers.c — requests answered from the graph.
 *
 * Each handler opens one read transaction on the root the request is
 * about (so it sees one committed graph, never a mix) and converts every
 * graph position (line, byte column) to the negotiated encoding on the
 * text the editor sees: the open buffer, else the file on disk.
 * "Nothing found" is null or [], never an error.
 */
#define _GNU_SOURCE
#include "handlers_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../graph/index.h"

/* ---- texts ------------------------------------------------------------------- */

char *lsp_disk_text(const char *uri, size_t *len)
{
	char *path = lsp_uri_to_path(uri);
	char *text = path ? pt_read_file(path, len) : NULL; /* regular files only */
	free(path);
	return text;
}

lsp_doctext *lsp_file_doctext(lsp_server *s, const char *uri)
{
	lsp_doctext *t = lsp_docs_text(s->docs, uri);
	if (t || !lsp_root_of(s, uri, NULL)) /* a folder's files only */
		return t;
	char *path = lsp_uri_to_path(uri);
	t = path ? lsp_filecache_get(s->files, path) : NULL; /* regular files only */
	free(path);
	return t;
}

/* First let the editor's pending edits of r be written (bounded): the
 * request's positions refer to the edited text. */
bool hd_req_begin(req *q, lsp_server *s, lsp_root *r)
{
	memset(q, 0, sizeof *q);
	q->s = s;
	q->r = r;
	if (!r || !r->st)
		return false;
	lsp_root_settle(r);
	return store_txn_begin(r->st, false, &q->txn) == PT_OK;
}

void hd_req_end(req *q)
{
	store_txn_abort(q->txn);
	for (size_t i = 0; i < q->files.n; i++) {
		lsp_doctext_unref(q->files.v[i]->text);
		free(q->files.v[i]->rel);
		free(q->files.v[i]);
	}
	pt_vec_free(&q->files);
}

const lsp_lines *hd_lines_of(req *q, const char *rel)
{
	/* q->files is sorted by path: an answer of a thousand items in
	 * hundreds of files asks for a file's lines several times per item */
	size_t lo = 0, hi = q->files.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(q->files.v[mid]->rel, rel);
		if (!c)
			return lsp_doctext_lines(q->files.v[mid]->text);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	ftext *f = pt_xcalloc(1, sizeof *f);
	char *uri = lsp_root_file_uri(q->r, rel);
	f->rel = pt_xstrdup(rel);
	f->text = lsp_file_doctext(q->s, uri);
	if (!f->text)
		f->text = lsp_doctext_new("", 0);
	free(uri);
	pt_vec_push(&q->files, f);
	memmove(q->files.v + lo + 1, q->files.v + lo, (q->files.n - 1 - lo) * sizeof *q->files.v);
	q->files.v[lo] = f;
	return lsp_doctext_lines(f->text);
}

static json_t *pos_json(lsp_pos p)
{
	return json_pack("{s:I,s:I}", "line", (json_int_t)p.line, "character",
			 (json_int_t)p.character);
}

json_t *hd_range_json(req *q, const char *rel, uint32_t sl, uint32_t sc, uint32_t el, uint32_t ec)
{
	const lsp_lines *L = hd_lines_of(q, rel);
	return json_pack("{s:o,s:o}", "start", pos_json(lsp_lines_from_graph(L, sl, sc, q->s->enc)),
			 "end", pos_json(lsp_lines_from_graph(L, el, ec, q->s->enc)));
}

/* {uri, range}, or NULL when the file is unknown. */
static json_t *loc_json(req *q, uint32_t file, uint32_t sl, uint32_t sc, uint32_t el, uint32_t ec)
{
	const char *rel = query_file_path(q->txn, file);
	if (!*rel)
		return NULL;
	char *uri = lsp_root_file_uri(q->r, rel);
	json_t *o =
		json_pack("{s:s,s:o}", "uri", uri, "range", hd_range_json(q, rel, sl, sc, el, ec));
	free(uri);
	return o;
}

json_t *hd_site_loc(req *q, const query_site *st)
{
	return loc_json(q, st->file, st->line, st->col, st->end_line, st->end_col);
}
json_t *hd_name_loc(req *q, const rec_entity *e)
{
	return loc_json(q, e->file, e->nsl, e->nsc, e->nel, e->nec);
}

void hd_append(json_t *arr, json_t *x)
{
	if (x)
		json_array_append_new(arr, x);
}

/* ---- the trait's name in an impl header ------------------------------------ *
 *
 * An impl's IMPL edge is written over the whole impl block; a reference
 * or an implementation is shown at the trait's name in its header
 * (`impl<T> fmt::Display for X<T>` → `Display`). The header is read from
 * the text the editor sees, which is the text the graph was made from. */

static bool ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ident_char(char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

/* Skip white space and comments from *p (below end). */
void hd_skip_blank(const char *t, size_t end, size_t *p)
{
	while (*p < end) {
		if (t[*p] == ' ' || t[*p] == '\t' || t[*p] == '\n' || t[*p] == '\r') {
			(*p)++;
		} else if (*p + 1 < end && t[*p] == '/' && t[*p + 1] == '/') {
			while (*p < end && t[*p] != '\n')
				(*p)++;
		} else if (*p + 1 < end && t[*p] == '/' && t[*p + 1] == '*') {
			const char *e = memmem(t + *p + 2, end - *p - 2, "*/", 2);
			*p = e ? (size_t)(e - t) + 2 : end;
		} else {
			return;
		}
	}
}

/* The word at *p (advanced past it), or an empty word. */
size_t hd_word_at(const char *t, size_t end, size_t *p)
{
	size_t a = *p;
	if (a + 2 < end && t[a] == 'r' && t[a + 1] == '#' && ident_start(t[a + 2]))
		a += 2; /* a raw identifier */
	if (a >= end || !ident_start(t[a]))
		return 0;
	size_t b = a;
	while (b < end && ident_char(t[b]))
		b++;
	*p = b;
	return b - a;
}

bool hd_is_word(const char *t, size_t at, size_t n, const char *w)
{
	return n == strlen(w) && memcmp(t + at, w, n) == 0;
}

/* Skip `<...>` from *p (at '<'), nested, with `->` inside not closing it. */
void hd_skip_generics(const char *t, size_t end, size_t *p)
{
	int depth = 0;
	for (; *p < end; (*p)++) {
		char c = t[*p];
		if (c == '-' && *p + 1 < end && t[*p + 1] == '>')
			(*p)++;
		else if (c == '<')
			depth++;
		else if (c == '>' && --depth == 0) {
			(*p)++;
			return;
		}
	}
}

/* Byte offsets [*ns, *ne) of the trait's name in the impl header that
 * starts at `from` (the impl item's start), read no further than `end`.
 * False when the text there is no `impl Trait for Type` header. */
static bool header_trait_name(const char *t, size_t from, size_t end, size_t *ns, size_t *ne)
{
	size_t p = from, a, n;
	hd_skip_blank(t, end, &p);
	a = p;
	n = hd_word_at(t, end, &p);
	if (hd_is_word(t, a, n, "unsafe")) {
		hd_skip_blank(t, end, &p);
		a = p;
		n = hd_word_at(t, end, &p);
	}
	if (!hd_is_word(t, a, n, "impl"))
		return false;
	hd_skip_blank(t, end, &p);
	if (p < end && t[p] == '<')
		hd_skip_generics(t, end, &p);
	int depth = 0;
	bool have = false;
	while (p < end) {
		hd_skip_blank(t, end, &p);
		if (p >= end)
			break;
		char c = t[p];
		a = p;
		if ((n = hd_word_at(t, end, &p))) {
			if (depth == 0 && hd_is_word(t, a, n, "for"))
				return have;
			if (depth == 0 &&
			    (hd_is_word(t, a, n, "where") || hd_is_word(t, a, n, "const") ||
			     hd_is_word(t, a, n, "dyn")))
				continue;
			if (depth == 0) {
				*ns = p - n;
				*ne = p;
				have = true;
			}
			continue;
		}
		if (c == '{' || c == ';')
			return false;
		if (c == '-' && p + 1 < end && t[p + 1] == '>')
			p++;
		else if (c == '<' || c == '(' || c == '[')
			depth++;
		else if ((c == '>' || c == ')' || c == ']') && depth > 0)
			depth--;
		else if (c == '\'') { /* a lifetime: its name is no trait's */
			size_t after = p + 1;
			if (hd_word_at(t, end, &after))
				p = after - 1;
		}
		p++;
	}
	return false;
}

void lsp_convert_ranges(lsp_server *s, const char *uri, json_t *items)
{
	size_t i;
	lsp_doctext *t = lsp_file_doctext(s, uri);
	if (!t)
		t = lsp_doctext_new("", 0);
	const lsp_lines *L = lsp_doctext_lines(t);
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_t *r = json_object_get(it, "range");
		const char *k[2] = {"start", "end"};
		for (int j = 0; j < 2; j++) {
			json_t *p = json_object_get(r, k[j]);
			lsp_pos x = lsp_lines_from_graph(
				L, (uint32_t)json_integer_value(json_object_get(p, "line")),
				(uint32_t)json_integer_value(json_object_get(p, "character")),
				s->enc);
			json_object_set_new(r, k[j], pos_json(x));
		}
	}
	lsp_doctext_unref(t);
}

/* An IMPL edge's site narrowed to the trait's name when the site is an
 * impl block; else the site itself (a derive, a method's name, an impl a
 * macro wrote). */
query_site hd_impl_site(req *q, const query_site *st)
{
	const char *rel = query_file_path(q->txn, st->file);
	if (!*rel)
		return *st;
	const lsp_lines *L = hd_lines_of(q, rel);
	if (st->line >= L->starts.n || st->end_line >= L->starts.n)
		return *st;
	size_t from = L->starts.v[st->line] + st->col;
	size_t end = L->starts.v[st->end_line] + st->end_col, a = 0, b = 0;
	if (end > L->len)
		end = L->len;
	if (from >= end || !header_trait_name(L->text, from, end, &a, &b))
		return *st;
	query_site n = {.file = st->file};
	lsp_lines_graph_at(L, a, &n.line, &n.col);
	lsp_lines_graph_at(L, b, &n.end_line, &n.end_col);
	return n;
}

json_t *hd_impl_site_loc(req *q, const query_site *st)
{
	query_site n = hd_impl_site(q, st);
	return hd_site_loc(q, &n);
}

/* ---- location lists: by file, then position, each once ------------------------- */

static void loc_key(json_t *l, const char **uri, json_int_t k[4])
{
	json_t *u = json_object_get(l, "uri"), *r = json_object_get(l, "range");
	if (json_object_get(l, "targetUri")) { /* a LocationLink */
		u = json_object_get(l, "targetUri");
		r = json_object_get(l, "targetSelectionRange");
	}
	*uri = json_string_value(u) ? json_string_value(u) : "";
	const char *side[2] = {"start", "end"};
	for (int i = 0; i < 2; i++) {
		json_t *p = json_object_get(r, side[i]);
		k[2 * i] = json_integer_value(json_object_get(p, "line"));
		k[2 * i + 1] = json_integer_value(json_object_get(p, "character"));
	}
}

/* A location with its sort key, read once: reading the key out of the
 * JSON in every comparison was most of the time of a 1,000-item answer. */
typedef struct {
	json_t *loc;
	const char *uri;
	json_int_t k[4];
	size_t at; /* the position in the answer: equal keys keep their order */
} keyed_loc;

static int cmp_keyed(const keyed_loc *a, const keyed_loc *b)
{
	int c = strcmp(a->uri, b->uri);
	if (c)
		return c;
	for (int i = 0; i < 4; i++)
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i] ? -1 : 1;
	return 0;
}

static int cmp_loc(const void *pa, const void *pb)
{
	const keyed_loc *a = pa, *b = pb;
	int c = cmp_keyed(a, b);
	return c ? c : (a->at > b->at) - (a->at < b->at);
}

/* Sort a list of Locations (or LocationLinks) by URI and range, and drop
 * repeats (a trait named by an impl is both used and implemented there).
 * Steals arr; returns the sorted list. */
json_t *hd_sorted_locations(json_t *arr)
{
	size_t n = json_array_size(arr);
	keyed_loc *v = pt_xmalloc((n ? n : 1) * sizeof *v);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		v[i].loc = json_array_get(arr, i);
		v[i].at = i;
		loc_key(v[i].loc, &v[i].uri, v[i].k);
	}
	qsort(v, n, sizeof *v, cmp_loc);
	for (size_t i = 0; i < n; i++)
		if (!i || cmp_keyed(&v[i - 1], &v[i]) != 0)
			json_array_append(out, v[i].loc);
	free(v);
	json_decref(arr);
	return out;
}

/* ---- entities --------------------------------------------------------------- */

void hd_hex_id(uint64_t id, char out[17])
{
	snprintf(out, 17, "%016" PRIx64, id);
}

bool hd_parse_hex_id(const char *s, uint64_t *id)
{
	if (!s || !*s || strlen(s) > 16)
		return false;
	char *end;
	*id = strtoull(s, &end, 16);
	return *end == 0;
}

int hd_symbol_kind(int kind)
{
	switch (kind) {
	case PT_CRATE: return 4;     /* Package */
	case PT_MODULE: return 2;    /* Module */
	case PT_FUNCTION: return 12; /* Function */
	case PT_METHOD: return 6;    /* Method */
	case PT_STRUCT: return 23;   /* Struct */
	case PT_ENUM: return 10;     /* Enum */
	case PT_UNION: return 23;
	case PT_TRAIT: return 11;      /* Interface */
	case PT_IMPL: return 19;       /* Object */
	case PT_TYPE_ALIAS: return 26; /* TypeParameter */
	case PT_CONST: return 14;      /* Constant */
	case PT_STATIC: return 13;     /* Variable */
	case PT_MACRO: return 12;
	case PT_VARIANT: return 22; /* EnumMember */
	}
	return 13;
}

/* A display name: impls have none, so their signature stands in. */
char *hd_display_name(const rec_entity *e)
{
	if (*e->name)
		return pt_xstrdup(e->name);
	const char *sig = *e->sig ? e->sig : "impl";
	size_t n = strlen(sig);
	while (n && (sig[n - 1] == '{' || sig[n - 1] == ' '))
		n--;
	return pt_xstrndup(sig, n > 120 ? 120 : n);
}

/* The name range, unless it lies outside the item (then the item's start). */
void hd_sel_span(const rec_entity *e, uint32_t v[4])
{
	bool inside = (e->nsl > e->sl || (e->nsl == e->sl && e->nsc >= e->sc)) &&
		      (e->nel < e->el || (e->nel == e->el && e->nec <= e->ec));
	if (inside) {
		v[0] = e->nsl;
		v[1] = e->nsc;
		v[2] = e->nel;
		v[3] = e->nec;
	} else {
		v[0] = e->sl;
		v[1] = e->sc;
		v[2] = e->sl;
		v[3] = e->sc;
	}
}

/* The shape used by the custom requests. */
json_t *hd_entity_json(req *q, uint64_t id)
{
	rec_entity e;
	if (query_entity(q->txn, id, &e) != PT_OK)
		return NULL;
	char hex[17];
	hd_hex_id(id, hex);
	char *name = hd_display_name(&e);
	json_t *o = json_pack("{s:s,s:o,s:s,s:o}", "id", hex, "name", pt_json_bytes(name), "kind",
			      pt_kind_name(e.kind), "qualifiedName", pt_json_bytes(e.qpath));
	free(name);
	const char *rel = query_file_path(q->txn, e.file);
	if (*rel) {
		char *uri = lsp_root_file_uri(q->r, rel);
		uint32_t n[4];
		hd_sel_span(&e, n);
		json_object_set_new(o, "uri", json_string(uri));
		json_object_set_new(o, "range", hd_range_json(q, rel, e.sl, e.sc, e.el, e.ec));
		json_object_set_new(o, "selectionRange",
				    hd_range_json(q, rel, n[0], n[1], n[2], n[3]));
		free(uri);
	}
	if (*e.sig)
		json_object_set_new(o, "signature", pt_json_bytes(e.sig));
	if (e.flags & ENT_EXTERNAL)
		json_object_set_new(o, "external", json_true());
	return o;
}

/* A CallHierarchyItem or TypeHierarchyItem (the same fields) for id; data
 * is the id. An entity outside the workspace is shown at `at`, where the
 * code names it (NULL: not shown). */
json_t *hd_hier_item(req *q, uint64_t id, const query_site *at)
{
	rec_entity e;
	if (query_entity(q->txn, id, &e) != PT_OK)
		return NULL;
	const char *rel = query_file_path(q->txn, e.file);
	const char *where = *rel ? rel : at ? query_file_path(q->txn, at->file) : "";
	if (!*where)
		return NULL;
	json_t *range, *sel;
	if (*rel) {
		uint32_t n[4];
		hd_sel_span(&e, n);
		range = hd_range_json(q, rel, e.sl, e.sc, e.el, e.ec);
		sel = hd_range_json(q, rel, n[0], n[1], n[2], n[3]);
	} else {
		range = hd_range_json(q, where, at->line, at->col, at->end_line, at->end_col);
		sel = json_deep_copy(range);
	}
	char hex[17], *uri = lsp_root_file_uri(q->r, where);
	char *name = *rel ? hd_display_name(&e) : pt_xstrdup(e.qpath);
	hd_hex_id(id, hex);
	json_t *o =
		json_pack("{s:o,s:i,s:o,s:s,s:o,s:o,s:s}", "name", pt_json_bytes(name), "kind",
			  hd_symbol_kind(e.kind), "detail", pt_json_bytes(*e.sig ? e.sig : e.qpath),
			  "uri", uri, "range", range, "selectionRange", sel, "data", hex);
	free(uri);
	free(name);
	return o;
}

static json_t *call_item(req *q, uint64_t id)
{
	return hd_hier_item(q, id, NULL);
}

/* ---- what is at the cursor ----------------------------------------------------- */

static bool holds(uint32_t l, uint32_t c, uint32_t sl, uint32_t sc, uint32_t el, uint32_t ec)
{
	bool after = l > sl || (l == sl && c >= sc);
	bool before = l < el || (l == el && c <= ec);
	return after && before;
}

static uint64_t site_size(const rec_edge *e)
{
	return ((uint64_t)(e->el - e->sl) << 32) + (e->ec - e->sc);
}

/* Edges out of `from` whose site in `file` holds the cursor: keep those
 * of the smallest site (several = the candidates of an ambiguous site).
 * IMPL edges count only for derives: an impl's site is the whole block. */
static void edges_at(req *q, uint64_t from, uint32_t file, uint32_t l, uint32_t c, hit *h,
		     uint64_t *best)
{
	query_edges it;
	rec_edge e;
	query_edges_open(q->txn, from, QUERY_OUT, &it);
	while (query_edges_next_at(&it, file, 1u << REL_CALLS | 1u << REL_USES | 1u << REL_IMPL,
				   &e)) {
		if ((e.kind == REL_IMPL && !(e.flags & EDGE_DERIVE)) ||
		    !holds(l, c, e.sl, e.sc, e.el, e.ec))
			continue;
		uint64_t sz = site_size(&e);
		if (sz < *best) {
			*best = sz;
			h->n = 0;
			h->on_site = true;
			h->site = e;
		}
		if (sz == *best && h->n < 16) {
			bool dup = false;
			for (size_t j = 0; j < h->n; j++)
				dup |= h->ids[j] == e.other;
			if (!dup)
				h->ids[h->n++] = e.other;
		}
	}
}

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Sites written at file level (a file's `use`s belong to its module,
 * whose span is elsewhere): try the file's items and their parents. */
static void file_level_edges(req *q, uint32_t file, uint32_t l, uint32_t c, hit *h, uint64_t *best)
{
	query_ids all = {0};
	query_file_entities(q->txn, file, &all);
	size_t n = all.n, w = 0;
	for (size_t i = 0; i < n; i++) {
		rec_entity e;
		if (query_entity(q->txn, all.v[i], &e) == PT_OK && e.parent)
			pt_vec_push(&all, e.parent);
	}
	if (all.n)
		qsort(all.v, all.n, sizeof *all.v, cmp_id);
	for (size_t i = 0; i < all.n; i++)
		if (!w || all.v[i] != all.v[w - 1])
			all.v[w++] = all.v[i];
	for (size_t i = 0; i < w; i++)
		edges_at(q, all.v[i], file, l, c, h, best);
	pt_vec_free(&all);
}

/* The cursor on the trait's name in an impl header: an impl's IMPL edge is
 * written over the whole block, from its self type (which may live in
 * another file), so it is found from the trait: the traits named as the
 * word under the cursor, and among their impls the one whose header
 * names it there. */
static void impl_header_at(req *q, uint32_t file, uint32_t l, uint32_t c, hit *h)
{
	const char *rel = query_file_path(q->txn, file);
	const lsp_lines *L = *rel ? hd_lines_of(q, rel) : NULL;
	if (!L || l >= L->starts.n)
		return;
	size_t a = L->starts.v[l] + c, b = a;
	while (a > L->starts.v[l] && ident_char(L->text[a - 1]))
		a--;
	while (b < L->len && ident_char(L->text[b]))
		b++;
	if (a == b || b - a > 200)
		return;
	char word[201];
	memcpy(word, L->text + a, b - a);
	word[b - a] = 0;
	query_ids ids = {0};
	query_targets(q->txn, word, &ids);
	for (size_t i = 0; i < ids.n && !h->n; i++) {
		rec_entity t;
		query_edges it;
		rec_edge e;
		if (query_entity(q->txn, ids.v[i], &t) != PT_OK || t.kind != PT_TRAIT)
			continue;
		query_edges_open(q->txn, ids.v[i], QUERY_IN, &it);
		while (query_edges_next(&it, &e) && !h->n) {
			query_site st = {e.file, e.sl, e.sc, e.el, e.ec}, n;
			if (e.kind != REL_IMPL || (e.flags & EDGE_DERIVE) || e.file != file ||
			    !holds(l, c, e.sl, e.sc, e.el, e.ec))
				continue;
			n = hd_impl_site(q, &st);
			if (n.line == l && n.col <= c && c <= n.end_col && n.end_line == l) {
				h->ids[h->n++] = ids.v[i];
				h->on_site = true;
				h->site = e;
				h->site.sl = n.line;
				h->site.sc = n.col;
				h->site.el = n.end_line;
				h->site.ec = n.end_col;
			}
		}
	}
	pt_vec_free(&ids);
}

/* query_entity_at through the server's places of recent files: a slot
 * serves while its root's database is at the generation it was made in
 * (every commit moves it, so an edit that shifts spans is never answered
 * from the old ones). */
static int entity_at(req *q, uint32_t file, uint32_t l, uint32_t c, uint64_t *id)
{
	lsp_server *s = q->s;
	uint64_t gen = 0;
	store_meta_get_u64(q->txn, META_GENERATION, &gen);
	lsp_places_slot *slot = &s->places[0];
	for (size_t i = 0; i < LSP_PLACES_SLOTS; i++) {
		lsp_places_slot *x = &s->places[i];
		if (x->r == q->r && x->file == file && x->gen == gen && x->p) {
			x->used = ++s->places_clock;
			return query_places_at(x->p, l, c, id);
		}
		if (x->used < slot->used)
			slot = x;
	}
	query_places *p = NULL;
	int rc = query_places_load(q->txn, file, &p);
	if (rc)
		return rc;
	query_places_free(slot->p);
	*slot = (lsp_places_slot){q->r, file, gen, ++s->places_clock, p};
	return query_places_at(p, l, c, id);
}

/* The entity the cursor designates: the target of the call, use or
 * derive under it, else the item whose name it is on. */
static void symbol_at(req *q, uint32_t file, uint32_t l, uint32_t c, hit *h)
{
	uint64_t best = UINT64_MAX, id = 0;
	memset(h, 0, sizeof *h);
	if (entity_at(q, file, l, c, &id) == PT_OK)
		h->at = id;
	/* the innermost item and its ancestors write most sites */
	for (uint64_t x = id; x;) {
		rec_entity e;
		edges_at(q, x, file, l, c, h, &best);
		if (query_entity(q->txn, x, &e) != PT_OK)
			break;
		x = e.parent;
	}
	if (h->n)
		return;
	for (uint64_t x = id; x;) {
		rec_entity e;
		if (query_entity(q->txn, x, &e) != PT_OK)
			break;
		if (e.file == file && holds(l, c, e.nsl, e.nsc, e.nel, e.nec) &&
		    e.kind != PT_IMPL) {
			h->ids[h->n++] = x;
			return;
		}
		x = e.parent;
	}
	file_level_edges(q, file, l, c, h, &best);
	if (!h->n)
		impl_header_at(q, file, l, c, h);
}

/* textDocument + position → root, transaction and the hit. */
bool hd_at_cursor(req *q, lsp_server *s, json_t *params, hit *h, uint32_t *file_out)
{
	json_t *pos = json_object_get(params, "position");
	const char *uri =
		json_string_value(json_object_get(json_object_get(params, "textDocument"), "uri"));
	json_t *l = json_object_get(pos, "line"), *c = json_object_get(pos, "character");
	char *rel = NULL;
	memset(h, 0, sizeof *h);
	memset(q, 0, sizeof *q);
	if (!uri || !json_is_integer(l) || !json_is_integer(c))
		return false;
	lsp_root *r = lsp_root_of(s, uri, &rel);
	uint32_t file;
	if (!hd_req_begin(q, s, r) || query_file_id(q->txn, rel, &file) != PT_OK) {
		free(rel);
		return false;
	}
	json_int_t li = json_integer_value(l), ci = json_integer_value(c);
	lsp_pos p = {li < 0 ? 0 : (uint32_t)li, ci < 0 ? 0 : (uint32_t)ci};
	uint32_t gl, gc;
	lsp_lines_to_graph(hd_lines_of(q, rel), p, s->enc, &gl, &gc);
	free(rel);
	symbol_at(q, file, gl, gc, h);
	if (file_out)
		*file_out = file;
	return true;
}

void hd_bad_params(lsp_err *err, const char *what)
{
	err->code = JRPC_INVALID_PARAMS;
	snprintf(err->msg, sizeof err->msg, "%s", what);
}

/* ---- definition, implementation, references, hover ------------------------------ */

/* A module declared `mod x;` lives in another file: the start of that
 * file (where its items are), else NULL. */
static json_t *module_file_loc(req *q, const rec_entity *m)
{
	query_edges it;
	rec_edge e;
	query_edges_open(q->txn, m->id, QUERY_OUT, &it);
	while (query_edges_next(&it, &e)) {
		rec_entity c;
		if (e.kind == REL_CONTAINS && query_entity(q->txn, e.other, &c) == PT_OK &&
		    c.file != m->file && c.file != PT_NO_FILE)
			return loc_json(q, c.file, 0, 0, 0, 0);
	}
	return NULL;
}

/* Location → LocationLink (clients with linkSupport): the origin is the
 * site under the cursor; with item, the target range is the whole item
 * (else the location's own range). Steals loc. */
static json_t *as_link(req *q, json_t *loc, const rec_entity *e, bool item, const hit *h)
{
	if (!loc)
		return NULL;
	json_t *range = json_object_get(loc, "range");
	json_t *l = json_pack("{s:O,s:O,s:O}", "targetUri", json_object_get(loc, "uri"),
			      "targetRange", range, "targetSelectionRange", range);
	const char *rel = query_file_path(q->txn, e->file);
	if (item && *rel)
		json_object_set_new(l, "targetRange",
				    hd_range_json(q, rel, e->sl, e->sc, e->el, e->ec));
	const char *srel = h->on_site ? query_file_path(q->txn, h->site.file) : "";
	if (*srel)
		json_object_set_new(
			l, "originSelectionRange",
			hd_range_json(q, srel, h->site.sl, h->site.sc, h->site.el, h->site.ec));
	json_decref(loc);
	return l;
}

json_t *lsp_req_definition(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	hit h;
	json_t *out = json_array();
	if (hd_at_cursor(&q, s, params, &h, NULL)) {
		for (size_t i = 0; i < h.n; i++) {
			rec_entity e;
			json_t *l = NULL;
			if (query_entity(q.txn, h.ids[i], &e) != PT_OK)
				continue;
			if (e.kind == PT_MODULE)
				l = module_file_loc(&q, &e);
			bool item = !l;
			if (!l)
				l = hd_name_loc(&q, &e);
			hd_append(out, s->cap_link ? as_link(&q, l, &e, item, &h) : l);
		}
	}
	hd_req_end(&q);
	if (!json_array_size(out)) {
		json_decref(out);
		return json_null();
	}
	return hd_sorted_locations(out);
}

/* Where id is implemented: a trait's (or trait method's) impls at the
 * trait's name in each header, and derives; a type's traits at their
 * definitions when they are ours, else where the impl or derive names them. */
void hd_append_implementations(req *q, uint64_t id, json_t *out)
{
	rec_entity t;
	query_results res = {0};
	if (query_entity(q->txn, id, &t) == PT_OK &&
	    query_what_implements(q->txn, id, 0, &res) == PT_OK) {
		bool is_trait = t.kind == PT_TRAIT || (t.kind == PT_METHOD);
		for (size_t i = 0; i < res.items.n; i++) {
			const query_item *it = &res.items.v[i];
			const query_site *st = &res.sites.v[it->site_off];
			rec_entity tr;
			json_t *loc = NULL;
			if (!is_trait && query_entity(q->txn, it->other, &tr) == PT_OK &&
			    !(tr.flags & ENT_EXTERNAL))
				loc = hd_name_loc(q, &tr);
			if (!loc)
				loc = it->derive ? hd_site_loc(q, st) : hd_impl_site_loc(q, st);
			hd_append(out, loc);
		}
	}
	query_results_free(&res);
}

json_t *lsp_req_implementation(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	hit h;
	json_t *out = json_array();
	if (hd_at_cursor(&q, s, params, &h, NULL) && h.n)
		hd_append_implementations(&q, h.ids[0], out);
	hd_req_end(&q);
	if (!json_array_size(out)) {
		json_decref(out);
		return json_null();
	}
	return hd_sorted_locations(out);
}

/* The sites of the incoming CALLS, USES and IMPL edges of id, each an
 * impl's at the trait's name in its header. */
static void append_references(req *q, uint64_t id, json_t *out)
{
	query_edges it;
	rec_edge e;
	query_edges_open(q->txn, id, QUERY_IN, &it);
	while (query_edges_next(&it, &e)) {
		if (e.kind != REL_CALLS && e.kind != REL_USES && e.kind != REL_IMPL)
			continue;
		query_site st = {e.file, e.sl, e.sc, e.el, e.ec};
		bool impl = e.kind == REL_IMPL && !(e.flags & EDGE_DERIVE);
		hd_append(out, impl ? hd_impl_site_loc(q, &st) : hd_site_loc(q, &st));
	}
}

json_t *lsp_req_references(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	hit h;
	json_t *out = json_array();
	bool decl = json_is_true(
		json_object_get(json_object_get(params, "context"), "includeDeclaration"));
	if (hd_at_cursor(&q, s, params, &h, NULL)) {
		for (size_t k = 0; k < h.n; k++) {
			rec_entity e;
			if (decl && query_entity(q.txn, h.ids[k], &e) == PT_OK)
				hd_append(out, hd_name_loc(&q, &e));
			append_references(&q, h.ids[k], out);
		}
	}
	hd_req_end(&q);
	return hd_sorted_locations(out);
}

json_t *lsp_req_hover(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	hit h;
	json_t *out = NULL;
	rec_entity e;
	if (hd_at_cursor(&q, s, params, &h, NULL) && h.n &&
	    query_entity(q.txn, h.ids[0], &e) == PT_OK) {
		pt_strbuf b = {0};
		query_results callers = {0};
		query_callers(q.txn, h.ids[0], 0, &callers);
		/* markdown: names and paths from the repository cannot close
		 * their code span or block, nor add markup (core/escape.h) */
		if (*e.sig) {
			pt_esc_md_block(&b, "rust", e.sig);
			pt_strbuf_adds(&b, "\n");
		}
		pt_strbuf_printf(&b, "%s ", pt_kind_name(e.kind));
		pt_esc_md_code(&b, e.qpath);
		const char *rel = query_file_path(q.txn, e.file);
		if (*rel) {
			char *at = NULL;
			if (asprintf(&at, "%s:%u", rel, e.sl + 1) < 0)
				abort();
			pt_strbuf_adds(&b, "  \ndefined in ");
			pt_esc_md_code(&b, at);
			free(at);
		} else
			pt_strbuf_adds(&b, "  \ndefined outside the workspace");
		if (e.kind == PT_FUNCTION || e.kind == PT_METHOD)
			pt_strbuf_printf(&b, "  \n%zu caller%s", callers.items.n,
					 callers.items.n == 1 ? "" : "s");
		if (h.n > 1)
			pt_strbuf_printf(&b, "  \n(%zu candidates: the call is ambiguous)", h.n);
		out = json_pack("{s:{s:s,s:o}}", "contents", "kind", "markdown", "value",
				pt_json_bytes(b.buf));
		pt_strbuf_free(&b);
		query_results_free(&callers);
	}
	hd_req_end(&q);
	return out;
}

/* ---- call hierarchy ---------------------------------------------------------- */

json_t *lsp_req_prepare_call_hierarchy(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	hit h;
	json_t *out = json_array();
	if (hd_at_cursor(&q, s, params, &h, NULL)) {
		for (size_t i = 0; i < h.n; i++) {
			rec_entity e;
			if (query_entity(q.txn, h.ids[i], &e) == PT_OK &&
			    (e.kind == PT_FUNCTION || e.kind == PT_METHOD))
				hd_append(out, call_item(&q, h.ids[i]));
		}
	}
	hd_req_end(&q);
	if (!json_array_size(out)) {
		json_decref(out);
		return json_null();
	}
	return out;
}

/* The item's root and entity id (from data, else its position). */
bool hd_hierarchy_item(req *q, lsp_server *s, json_t *params, uint64_t *id)
{
	json_t *item = json_object_get(params, "item");
	const char *uri = json_string_value(json_object_get(item, "uri"));
	memset(q, 0, sizeof *q);
	if (!uri || !hd_parse_hex_id(json_string_value(json_object_get(item, "data")), id))
		return false;
	return hd_req_begin(q, s, lsp_root_of(s, uri, NULL));
}

static json_t *ranges_of(req *q, const query_results *res, const query_item *it)
{
	json_t *a = json_array();
	for (uint32_t i = 0; i < it->site_n; i++) {
		json_t *l = hd_site_loc(q, &res->sites.v[it->site_off + i]);
		if (l)
			json_array_append(a, json_object_get(l, "range"));
		json_decref(l);
	}
	return a;
}

static json_t *calls(lsp_server *s, json_t *params, bool incoming)
{
	req q;
	uint64_t id;
	json_t *out = json_array();
	if (hd_hierarchy_item(&q, s, params, &id)) {
		query_results res = {0};
		if (incoming)
			query_callers(q.txn, id, 0, &res);
		else
			query_callees(q.txn, id, 0, &res);
		for (size_t i = 0; i < res.items.n; i++) {
			json_t *it = call_item(&q, res.items.v[i].id);
			if (!it)
				continue;
			json_array_append_new(out, json_pack("{s:o,s:o}", incoming ? "from" : "to",
							     it, "fromRanges",
							     ranges_of(&q, &res, &res.items.v[i])));
		}
		query_results_free(&res);
	}
	hd_req_end(&q);
	return out;
}

json_t *lsp_req_incoming_calls(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	return calls(s, params, true);
}
json_t *lsp_req_outgoing_calls(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	return calls(s, params, false);
}
