/* lsp/handlers.c — requests answered from the graph.
 *
 * Each handler opens one read transaction on the root the request is
 * about (so it sees one committed graph, never a mix) and converts every
 * graph position (line, byte column) to the negotiated encoding on the
 * text the editor sees: the open buffer, else the file on disk.
 * "Nothing found" is null or [], never an error.
 */
#define _GNU_SOURCE
#include "server.h"

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

char *lsp_file_text(lsp_server *s, const char *uri, size_t *len)
{
	char *text;
	if (lsp_docs_get(s->docs, uri, &text, len, NULL))
		return text;
	return lsp_disk_text(uri, len);
}

typedef struct {
	char *rel;
	char *text;
	lsp_lines lines;
} ftext;

/* One request's view: a root, a read transaction, and the texts of the
 * files its answer mentions (loaded once each). */
typedef struct {
	lsp_server *s;
	lsp_root *r;
	store_txn *txn;
	PT_VEC(ftext *) files;
} req;

/* First let the editor's pending edits of r be written (bounded): the
 * request's positions refer to the edited text. */
static bool req_begin(req *q, lsp_server *s, lsp_root *r)
{
	memset(q, 0, sizeof *q);
	q->s = s;
	q->r = r;
	if (!r || !r->st)
		return false;
	lsp_root_settle(r);
	return store_txn_begin(r->st, false, &q->txn) == PT_OK;
}

static void req_end(req *q)
{
	store_txn_abort(q->txn);
	for (size_t i = 0; i < q->files.n; i++) {
		lsp_lines_free(&q->files.v[i]->lines);
		free(q->files.v[i]->rel);
		free(q->files.v[i]->text);
		free(q->files.v[i]);
	}
	pt_vec_free(&q->files);
}

static const lsp_lines *lines_of(req *q, const char *rel)
{
	for (size_t i = 0; i < q->files.n; i++)
		if (strcmp(q->files.v[i]->rel, rel) == 0)
			return &q->files.v[i]->lines;
	ftext *f = pt_xcalloc(1, sizeof *f);
	char *uri = lsp_root_file_uri(q->r, rel);
	size_t len = 0;
	f->rel = pt_xstrdup(rel);
	f->text = lsp_file_text(q->s, uri, &len);
	if (!f->text) {
		f->text = pt_xstrdup("");
		len = 0;
	}
	lsp_lines_init(&f->lines, f->text, len);
	free(uri);
	pt_vec_push(&q->files, f);
	return &f->lines;
}

static json_t *pos_json(lsp_pos p)
{
	return json_pack("{s:I,s:I}", "line", (json_int_t)p.line, "character",
			 (json_int_t)p.character);
}

static json_t *range_json(req *q, const char *rel, uint32_t sl, uint32_t sc, uint32_t el,
			  uint32_t ec)
{
	const lsp_lines *L = lines_of(q, rel);
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
	json_t *o = json_pack("{s:s,s:o}", "uri", uri, "range", range_json(q, rel, sl, sc, el, ec));
	free(uri);
	return o;
}

static json_t *site_loc(req *q, const query_site *st)
{
	return loc_json(q, st->file, st->line, st->col, st->end_line, st->end_col);
}
static json_t *name_loc(req *q, const rec_entity *e)
{
	return loc_json(q, e->file, e->nsl, e->nsc, e->nel, e->nec);
}

static void append(json_t *arr, json_t *x)
{
	if (x)
		json_array_append_new(arr, x);
}

void lsp_convert_ranges(lsp_server *s, const char *uri, json_t *items)
{
	size_t len = 0, i;
	char *text = lsp_file_text(s, uri, &len);
	lsp_lines L;
	lsp_lines_init(&L, text ? text : "", text ? len : 0);
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_t *r = json_object_get(it, "range");
		const char *k[2] = {"start", "end"};
		for (int j = 0; j < 2; j++) {
			json_t *p = json_object_get(r, k[j]);
			lsp_pos x = lsp_lines_from_graph(
				&L, (uint32_t)json_integer_value(json_object_get(p, "line")),
				(uint32_t)json_integer_value(json_object_get(p, "character")),
				s->enc);
			json_object_set_new(r, k[j], pos_json(x));
		}
	}
	lsp_lines_free(&L);
	free(text);
}

/* ---- entities --------------------------------------------------------------- */

static void hex_id(uint64_t id, char out[17])
{
	snprintf(out, 17, "%016" PRIx64, id);
}

static bool parse_hex_id(const char *s, uint64_t *id)
{
	if (!s || !*s || strlen(s) > 16)
		return false;
	char *end;
	*id = strtoull(s, &end, 16);
	return *end == 0;
}

static int symbol_kind(int kind)
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
	}
	return 13;
}

/* A display name: impls have none, so their signature stands in. */
static char *display_name(const rec_entity *e)
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
static void sel_span(const rec_entity *e, uint32_t v[4])
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
static json_t *entity_json(req *q, uint64_t id)
{
	rec_entity e;
	if (query_entity(q->txn, id, &e) != PT_OK)
		return NULL;
	char hex[17];
	hex_id(id, hex);
	char *name = display_name(&e);
	json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "id", hex, "name", name, "kind",
			      pt_kind_name(e.kind), "qualifiedName", e.qpath);
	free(name);
	const char *rel = query_file_path(q->txn, e.file);
	if (*rel) {
		char *uri = lsp_root_file_uri(q->r, rel);
		uint32_t n[4];
		sel_span(&e, n);
		json_object_set_new(o, "uri", json_string(uri));
		json_object_set_new(o, "range", range_json(q, rel, e.sl, e.sc, e.el, e.ec));
		json_object_set_new(o, "selectionRange",
				    range_json(q, rel, n[0], n[1], n[2], n[3]));
		free(uri);
	}
	if (*e.sig)
		json_object_set_new(o, "signature", json_string(e.sig));
	if (e.flags & ENT_EXTERNAL)
		json_object_set_new(o, "external", json_true());
	return o;
}

static json_t *call_item(req *q, uint64_t id)
{
	rec_entity e;
	if (query_entity(q->txn, id, &e) != PT_OK)
		return NULL;
	const char *rel = query_file_path(q->txn, e.file);
	if (!*rel)
		return NULL;
	char hex[17], *uri = lsp_root_file_uri(q->r, rel), *name = display_name(&e);
	uint32_t n[4];
	hex_id(id, hex);
	sel_span(&e, n);
	json_t *o = json_pack("{s:s,s:i,s:s,s:s,s:o,s:o,s:s}", "name", name, "kind",
			      symbol_kind(e.kind), "detail", *e.sig ? e.sig : e.qpath, "uri", uri,
			      "range", range_json(q, rel, e.sl, e.sc, e.el, e.ec), "selectionRange",
			      range_json(q, rel, n[0], n[1], n[2], n[3]), "data", hex);
	free(uri);
	free(name);
	return o;
}

/* ---- what is at the cursor ----------------------------------------------------- */

typedef struct {
	uint64_t ids[16]; /* the target(s): several for an ambiguous site */
	size_t n;
	uint64_t at;   /* innermost entity holding the cursor (0: none) */
	bool on_site;  /* the targets come from the site below */
	rec_edge site; /* the call/use/derive site under the cursor */
} hit;

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
	while (query_edges_next(&it, &e)) {
		bool kind = e.kind == REL_CALLS || e.kind == REL_USES ||
			    (e.kind == REL_IMPL && (e.flags & EDGE_DERIVE));
		if (!kind || e.file != file || !holds(l, c, e.sl, e.sc, e.el, e.ec))
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

/* The entity the cursor designates: the target of the call, use or
 * derive under it, else the item whose name it is on. */
static void symbol_at(req *q, uint32_t file, uint32_t l, uint32_t c, hit *h)
{
	uint64_t best = UINT64_MAX, id = 0;
	memset(h, 0, sizeof *h);
	if (query_entity_at(q->txn, file, l, c, &id) == PT_OK)
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
}

/* textDocument + position → root, transaction and the hit. */
static bool at_cursor(req *q, lsp_server *s, json_t *params, hit *h, uint32_t *file_out)
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
	if (!req_begin(q, s, r) || query_file_id(q->txn, rel, &file) != PT_OK) {
		free(rel);
		return false;
	}
	json_int_t li = json_integer_value(l), ci = json_integer_value(c);
	lsp_pos p = {li < 0 ? 0 : (uint32_t)li, ci < 0 ? 0 : (uint32_t)ci};
	uint32_t gl, gc;
	lsp_lines_to_graph(lines_of(q, rel), p, s->enc, &gl, &gc);
	free(rel);
	symbol_at(q, file, gl, gc, h);
	if (file_out)
		*file_out = file;
	return true;
}

static void bad_params(lsp_err *err, const char *what)
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
				    range_json(q, rel, e->sl, e->sc, e->el, e->ec));
	const char *srel = h->on_site ? query_file_path(q->txn, h->site.file) : "";
	if (*srel)
		json_object_set_new(
			l, "originSelectionRange",
			range_json(q, srel, h->site.sl, h->site.sc, h->site.el, h->site.ec));
	json_decref(loc);
	return l;
}

json_t *lsp_req_definition(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	hit h;
	json_t *out = json_array();
	if (at_cursor(&q, s, params, &h, NULL)) {
		for (size_t i = 0; i < h.n; i++) {
			rec_entity e;
			json_t *l = NULL;
			if (query_entity(q.txn, h.ids[i], &e) != PT_OK)
				continue;
			if (e.kind == PT_MODULE)
				l = module_file_loc(&q, &e);
			bool item = !l;
			if (!l)
				l = name_loc(&q, &e);
			append(out, s->cap_link ? as_link(&q, l, &e, item, &h) : l);
		}
	}
	req_end(&q);
	if (!json_array_size(out)) {
		json_decref(out);
		return json_null();
	}
	return out;
}

json_t *lsp_req_implementation(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	hit h;
	json_t *out = json_array();
	if (at_cursor(&q, s, params, &h, NULL) && h.n) {
		rec_entity t;
		query_results res = {0};
		if (query_entity(q.txn, h.ids[0], &t) == PT_OK &&
		    query_what_implements(q.txn, h.ids[0], 0, &res) == PT_OK) {
			bool is_trait = t.kind == PT_TRAIT || (t.kind == PT_METHOD);
			for (size_t i = 0; i < res.items.n; i++) {
				const query_item *it = &res.items.v[i];
				rec_entity tr;
				json_t *loc = NULL;
				/* a type: the trait's definition when it is ours, else the impl */
				if (!is_trait && query_entity(q.txn, it->other, &tr) == PT_OK &&
				    !(tr.flags & ENT_EXTERNAL))
					loc = name_loc(&q, &tr);
				if (!loc)
					loc = site_loc(&q, &res.sites.v[it->site_off]);
				append(out, loc);
			}
		}
		query_results_free(&res);
	}
	req_end(&q);
	if (!json_array_size(out)) {
		json_decref(out);
		return json_null();
	}
	return out;
}

json_t *lsp_req_references(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	hit h;
	json_t *out = json_array();
	bool decl = json_is_true(
		json_object_get(json_object_get(params, "context"), "includeDeclaration"));
	if (at_cursor(&q, s, params, &h, NULL)) {
		for (size_t k = 0; k < h.n; k++) {
			rec_entity e;
			query_results res = {0};
			if (decl && query_entity(q.txn, h.ids[k], &e) == PT_OK)
				append(out, name_loc(&q, &e));
			query_references(q.txn, h.ids[k], 0, &res);
			for (size_t i = 0; i < res.sites.n; i++)
				append(out, site_loc(&q, &res.sites.v[i]));
			query_results_free(&res);
		}
	}
	req_end(&q);
	return out;
}

json_t *lsp_req_hover(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	hit h;
	json_t *out = NULL;
	rec_entity e;
	if (at_cursor(&q, s, params, &h, NULL) && h.n &&
	    query_entity(q.txn, h.ids[0], &e) == PT_OK) {
		pt_strbuf b = {0};
		query_results callers = {0};
		query_callers(q.txn, h.ids[0], 0, &callers);
		if (*e.sig)
			pt_strbuf_printf(&b, "```rust\n%s\n```\n\n", e.sig);
		pt_strbuf_printf(&b, "%s `%s`", pt_kind_name(e.kind), e.qpath);
		const char *rel = query_file_path(q.txn, e.file);
		if (*rel)
			pt_strbuf_printf(&b, "  \ndefined in `%s:%u`", rel, e.sl + 1);
		else
			pt_strbuf_adds(&b, "  \ndefined outside the workspace");
		if (e.kind == PT_FUNCTION || e.kind == PT_METHOD)
			pt_strbuf_printf(&b, "  \n%zu caller%s", callers.items.n,
					 callers.items.n == 1 ? "" : "s");
		if (h.n > 1)
			pt_strbuf_printf(&b, "  \n(%zu candidates: the call is ambiguous)", h.n);
		out = json_pack("{s:{s:s,s:s}}", "contents", "kind", "markdown", "value", b.buf);
		pt_strbuf_free(&b);
		query_results_free(&callers);
	}
	req_end(&q);
	return out;
}

/* ---- call hierarchy ---------------------------------------------------------- */

json_t *lsp_req_prepare_call_hierarchy(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	hit h;
	json_t *out = json_array();
	if (at_cursor(&q, s, params, &h, NULL)) {
		for (size_t i = 0; i < h.n; i++) {
			rec_entity e;
			if (query_entity(q.txn, h.ids[i], &e) == PT_OK &&
			    (e.kind == PT_FUNCTION || e.kind == PT_METHOD))
				append(out, call_item(&q, h.ids[i]));
		}
	}
	req_end(&q);
	if (!json_array_size(out)) {
		json_decref(out);
		return json_null();
	}
	return out;
}

/* The item's root and entity id (from data, else its position). */
static bool hierarchy_item(req *q, lsp_server *s, json_t *params, uint64_t *id)
{
	json_t *item = json_object_get(params, "item");
	const char *uri = json_string_value(json_object_get(item, "uri"));
	memset(q, 0, sizeof *q);
	if (!uri || !parse_hex_id(json_string_value(json_object_get(item, "data")), id))
		return false;
	return req_begin(q, s, lsp_root_of(s, uri, NULL));
}

static json_t *ranges_of(req *q, const query_results *res, const query_item *it)
{
	json_t *a = json_array();
	for (uint32_t i = 0; i < it->site_n; i++) {
		json_t *l = site_loc(q, &res->sites.v[it->site_off + i]);
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
	if (hierarchy_item(&q, s, params, &id)) {
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
	req_end(&q);
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

/* ---- symbols --------------------------------------------------------------------- */

typedef struct {
	uint64_t id, parent;
	rec_entity e;
	json_t *sym;
} symnode;

static int cmp_sym(const void *a, const void *b)
{
	const symnode *x = a, *y = b;
	if (x->e.start_byte != y->e.start_byte)
		return x->e.start_byte < y->e.start_byte ? -1 : 1;
	return x->e.end_byte > y->e.end_byte ? -1 : x->e.end_byte < y->e.end_byte;
}

static json_t *doc_symbol(req *q, const char *rel, const rec_entity *e)
{
	char *name = display_name(e);
	uint32_t n[4];
	sel_span(e, n);
	json_t *o = json_pack("{s:s,s:i,s:o,s:o}", "name", name, "kind", symbol_kind(e->kind),
			      "range", range_json(q, rel, e->sl, e->sc, e->el, e->ec),
			      "selectionRange", range_json(q, rel, n[0], n[1], n[2], n[3]));
	if (*e->sig)
		json_object_set_new(o, "detail", json_string(e->sig));
	free(name);
	return o;
}

typedef PT_VEC(symnode) symnodes;

/* The file's entities, in source order, each with its symbol. */
static void collect_symbols(req *q, uint32_t file, const char *rel, symnodes *v)
{
	query_ids ids = {0};
	query_file_entities(q->txn, file, &ids);
	for (size_t i = 0; i < ids.n; i++) {
		symnode n = {.id = ids.v[i]};
		if (query_entity(q->txn, ids.v[i], &n.e) != PT_OK || n.e.file != file)
			continue;
		n.parent = n.e.parent;
		pt_vec_push(v, n);
	}
	pt_vec_free(&ids);
	if (v->n)
		qsort(v->v, v->n, sizeof *v->v, cmp_sym);
	for (size_t i = 0; i < v->n; i++)
		v->v[i].sym = doc_symbol(q, rel, &v->v[i].e);
}

/* Move each symbol into its parent's children. Last to first: a symbol
 * has all its children before it moves, and they stay in source order. */
static void nest_symbols(symnodes *v)
{
	for (size_t i = v->n; i-- > 0;) {
		size_t p = 0;
		while (p < v->n && (v->v[p].id != v->v[i].parent || p == i))
			p++;
		if (p == v->n)
			continue;
		json_t *kids = json_object_get(v->v[p].sym, "children");
		if (!kids) {
			kids = json_array();
			json_object_set_new(v->v[p].sym, "children", kids);
		}
		json_array_insert_new(kids, 0, v->v[i].sym);
		v->v[i].sym = NULL;
	}
}

/* DocumentSymbol → SymbolInformation, for clients without hierarchy. */
static void flatten_symbol(json_t *o, const char *uri)
{
	json_t *loc = json_pack("{s:s,s:O}", "uri", uri, "range", json_object_get(o, "range"));
	json_object_del(o, "range");
	json_object_del(o, "selectionRange");
	json_object_del(o, "detail");
	json_object_set_new(o, "location", loc);
}

json_t *lsp_req_document_symbol(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	const char *uri =
		json_string_value(json_object_get(json_object_get(params, "textDocument"), "uri"));
	char *rel = NULL;
	req q;
	uint32_t file;
	json_t *out = json_array();
	symnodes v = {0};
	if (req_begin(&q, s, uri ? lsp_root_of(s, uri, &rel) : NULL) &&
	    query_file_id(q.txn, rel, &file) == PT_OK) {
		collect_symbols(&q, file, rel, &v);
		if (s->cap_hier_symbols)
			nest_symbols(&v);
		for (size_t i = 0; i < v.n; i++) {
			if (!v.v[i].sym)
				continue;
			if (!s->cap_hier_symbols)
				flatten_symbol(v.v[i].sym, uri);
			json_array_append_new(out, v.v[i].sym);
		}
	}
	pt_vec_free(&v);
	req_end(&q);
	free(rel);
	return out;
}

json_t *lsp_req_workspace_symbol(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	const char *query = json_string_value(json_object_get(params, "query"));
	json_t *out = json_array();
	for (size_t k = 0; k < s->roots.n; k++) {
		req q;
		query_ids ids = {0};
		if (atomic_load(&s->roots.v[k]->retired))
			continue;
		if (req_begin(&q, s, s->roots.v[k]))
			query_search(q.txn, query ? query : "", 256, &ids, NULL);
		for (size_t i = 0; i < ids.n && !lsp_is_cancelled(s); i++) {
			rec_entity e, p;
			if (query_entity(q.txn, ids.v[i], &e) != PT_OK || e.kind == PT_IMPL)
				continue;
			json_t *loc = name_loc(&q, &e);
			if (!loc)
				continue;
			char *name = display_name(&e);
			json_t *o = json_pack("{s:s,s:i,s:o}", "name", name, "kind",
					      symbol_kind(e.kind), "location", loc);
			if (e.parent && query_entity(q.txn, e.parent, &p) == PT_OK)
				json_object_set_new(o, "containerName", json_string(p.qpath));
			json_array_append_new(out, o);
			free(name);
		}
		pt_vec_free(&ids);
		req_end(&q);
	}
	return out;
}

/* ---- custom requests ------------------------------------------------------------- */

/* A target given as {textDocument, position} or {id[, uri]}. */
static bool custom_target(req *q, lsp_server *s, json_t *params, uint64_t *id)
{
	hit h;
	const char *hex = json_string_value(json_object_get(params, "id"));
	memset(q, 0, sizeof *q);
	if (hex) {
		if (!parse_hex_id(hex, id))
			return false;
		const char *uri = json_string_value(json_object_get(params, "uri"));
		if (uri)
			return req_begin(q, s, lsp_root_of(s, uri, NULL));
		for (size_t i = 0; i < s->roots.n; i++) {
			rec_entity e;
			if (atomic_load(&s->roots.v[i]->retired))
				continue;
			if (!req_begin(q, s, s->roots.v[i])) {
				req_end(q);
				continue;
			}
			if (query_entity(q->txn, *id, &e) == PT_OK)
				return true;
			req_end(q);
		}
		memset(q, 0, sizeof *q);
		return false;
	}
	if (!at_cursor(q, s, params, &h, NULL) || !h.n)
		return false;
	*id = h.ids[0];
	return true;
}

static json_t *target_missing(req *q)
{
	req_end(q);
	return json_null();
}

json_t *lsp_req_blast_radius(lsp_server *s, json_t *params, lsp_err *err)
{
	req q;
	uint64_t id;
	json_t *d = json_object_get(params, "depth"), *lim = json_object_get(params, "limit");
	if (d && !json_is_integer(d)) {
		bad_params(err, "depth is a number");
		return NULL;
	}
	if (!custom_target(&q, s, params, &id))
		return target_missing(&q);
	uint32_t depth = d ? (uint32_t)json_integer_value(d) : 3;
	size_t limit = lim ? (size_t)json_integer_value(lim) : 1000;
	query_results res = {0};
	query_blast_radius(q.txn, id, depth, limit, &res);
	json_t *items = json_array();
	for (size_t i = 0; i < res.items.n; i++) {
		const query_item *it = &res.items.v[i];
		json_t *o = entity_json(&q, it->id), *via = json_array();
		if (!o)
			continue;
		for (uint32_t k = 0; k < it->via_n; k++) {
			rec_entity e;
			if (query_entity(q.txn, res.via.v[it->via_off + k], &e) == PT_OK)
				json_array_append_new(via, json_string(e.qpath));
		}
		json_object_set_new(o, "depth", json_integer(it->depth));
		json_object_set_new(o, "relation", json_string(pt_rel_name(it->rel)));
		json_object_set_new(o, "via", via);
		if (it->site_n) {
			json_t *l = site_loc(&q, &res.sites.v[it->site_off]);
			if (l)
				json_object_set_new(o, "site", l);
		}
		json_array_append_new(items, o);
	}
	json_t *out =
		json_pack("{s:o,s:I,s:o,s:b}", "target", entity_json(&q, id) ?: json_null(),
			  "depth", (json_int_t)depth, "items", items, "truncated", res.truncated);
	query_results_free(&res);
	req_end(&q);
	return out;
}

json_t *lsp_req_what_implements(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	uint64_t id;
	if (!custom_target(&q, s, params, &id))
		return target_missing(&q);
	query_results res = {0};
	query_what_implements(q.txn, id, 0, &res);
	json_t *items = json_array();
	for (size_t i = 0; i < res.items.n; i++) {
		const query_item *it = &res.items.v[i];
		rec_entity impl, tr;
		if (query_entity(q.txn, it->id, &impl) != PT_OK ||
		    query_entity(q.txn, it->other, &tr) != PT_OK)
			continue;
		json_t *o = json_pack("{s:s,s:s,s:s,s:b}", "kind", it->derive ? "derive" : "impl",
				      "type", impl.kind == PT_IMPL ? impl.name : impl.qpath,
				      "trait", tr.qpath, "derive", it->derive);
		json_t *l = site_loc(&q, &res.sites.v[it->site_off]);
		if (l)
			json_object_set_new(o, "location", l);
		json_object_set_new(o, "implementor", entity_json(&q, it->id) ?: json_null());
		json_array_append_new(items, o);
	}
	json_t *out = json_pack("{s:o,s:o}", "target", entity_json(&q, id) ?: json_null(), "items",
				items);
	query_results_free(&res);
	req_end(&q);
	return out;
}

json_t *lsp_req_find_cycles(lsp_server *s, json_t *params, lsp_err *err)
{
	const char *lv = json_string_value(json_object_get(params, "level"));
	int levels = CYCLES_MODULE | CYCLES_FUNCTION;
	if (lv && strcmp(lv, "module") == 0)
		levels = CYCLES_MODULE;
	else if (lv && strcmp(lv, "function") == 0)
		levels = CYCLES_FUNCTION;
	else if (lv && strcmp(lv, "all") != 0) {
		bad_params(err, "level is module, function or all");
		return NULL;
	}
	json_t *cycles = json_array();
	for (size_t k = 0; k < s->roots.n; k++) {
		req q;
		query_cycle_set c = {0};
		if (atomic_load(&s->roots.v[k]->retired))
			continue;
		if (req_begin(&q, s, s->roots.v[k]) && query_cycles(q.txn, levels, &c) == PT_OK) {
			for (size_t i = 0; i < c.level.n; i++) {
				json_t *m = json_array();
				for (uint32_t j = c.starts.v[i]; j < c.starts.v[i + 1]; j++)
					append(m, entity_json(&q, c.members.v[j]));
				json_array_append_new(
					cycles,
					json_pack("{s:s,s:s,s:o}", "level",
						  c.level.v[i] == CYCLES_MODULE ? "module"
										: "function",
						  "root", s->roots.v[k]->uri, "members", m));
			}
		}
		query_cycle_set_free(&c);
		req_end(&q);
	}
	return json_pack("{s:o}", "cycles", cycles);
}

json_t *lsp_req_generate_context(lsp_server *s, json_t *params, lsp_err *err)
{
	req q;
	uint64_t id;
	json_t *t = json_object_get(params, "tokens");
	if (t && !json_is_integer(t)) {
		bad_params(err, "tokens is a number");
		return NULL;
	}
	if (!custom_target(&q, s, params, &id))
		return target_missing(&q);
	pt_strbuf b = {0};
	uint32_t used = 0;
	query_context(q.txn, id, t ? (uint32_t)json_integer_value(t) : 2000, &b, &used);
	json_t *out = json_pack("{s:o,s:s,s:I}", "target", entity_json(&q, id) ?: json_null(),
				"text", b.buf ? b.buf : "", "tokens", (json_int_t)used);
	pt_strbuf_free(&b);
	req_end(&q);
	return out;
}

static const char *state_name(int st)
{
	switch (st) {
	case ROOT_WAITING: return "waiting";
	case ROOT_INDEXING: return "indexing";
	case ROOT_READY: return "ready";
	}
	return "failed";
}

json_t *lsp_req_stats(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)params;
	(void)err;
	json_t *roots = json_array();
	uint64_t tf = 0, te = 0, td = 0;
	for (size_t k = 0; k < s->roots.n; k++) {
		lsp_root *r = s->roots.v[k];
		if (atomic_load(&r->retired))
			continue;
		uint64_t files = 0, ents = 0, edges = 0, last = 0;
		store_stats st = {0};
		store_txn *txn = NULL;
		if (r->st && store_txn_begin(r->st, false, &txn) == PT_OK) {
			store_count(txn, TBL_FILES, &files);
			store_meta_get_u64(txn, META_ENTITIES, &ents);
			store_meta_get_u64(txn, META_EDGES, &edges);
			store_meta_get_u64(txn, META_LAST_UPDATE, &last);
			store_txn_abort(txn);
			store_stats_get(r->st, &st);
		}
		pthread_mutex_lock(&r->mu);
		json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:f,s:I,s:I,s:i}", "root",
				      r->uri, "database", r->db, "state", state_name(r->state),
				      "files", (json_int_t)files, "entities", (json_int_t)ents,
				      "edges", (json_int_t)edges, "databaseBytes",
				      (json_int_t)st.file_size, "lastUpdateMs",
				      (double)r->last_update_us / 1000.0, "lastUpdateUnix",
				      (json_int_t)last, "updates", (json_int_t)r->updates,
				      "pendingUpdates", (int)r->queue.n + (r->busy ? 1 : 0));
		if (r->error)
			json_object_set_new(o, "error", json_string(r->error));
		pthread_mutex_unlock(&r->mu);
		json_array_append_new(roots, o);
		tf += files;
		te += ents;
		td += edges;
	}
	/* this request is not counted yet: it is being answered */
	json_t *reqs =
		json_pack("{s:I,s:f,s:I}", "answered", (json_int_t)atomic_load(&s->req_count),
			  "maxMs", (double)atomic_load(&s->req_max_us) / 1000.0, "over50Ms",
			  (json_int_t)atomic_load(&s->req_over_50ms));
	return json_pack("{s:I,s:I,s:I,s:s,s:o,s:o}", "files", (json_int_t)tf, "entities",
			 (json_int_t)te, "edges", (json_int_t)td, "positionEncoding",
			 lsp_enc_name(s->enc), "roots", roots, "requests", reqs);
}
