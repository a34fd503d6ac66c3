/* lsp/handlers_nav.c — type hierarchy (supertraits, implementors, the
 * traits a type implements), code lenses (callers, implementations,
 * resolved lazily) and document highlights, from the same graph and helpers
 * as the other handlers (lsp/handlers_int.h). */
#define _GNU_SOURCE
#include "handlers_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../graph/index.h"

/* ---- type hierarchy ---------------------------------------------------------- *
 *
 * Traits: supertypes are the supertraits (bounds after `trait Name:` and
 * `where Self:`), subtypes the types that implement the trait and the
 * traits that have it as a supertrait. Types: supertypes are the traits
 * they implement (derives too), no subtypes. A trait outside the
 * workspace (std's) is shown where the impl, derive or bound names it. */

static bool type_kind(int k)
{
	return k == PT_TRAIT || k == PT_STRUCT || k == PT_ENUM || k == PT_UNION ||
	       k == PT_TYPE_ALIAS;
}

/* One step of the supertrait scan of a trait header (see in_supertraits). */
typedef struct {
	int depth;
	bool in_where, pred_start, self_pred, bounds;
} header_scan;

/* Advance past one token at *p; false at the end of the header. */
static bool header_step(const char *x, size_t end, size_t *p, header_scan *h)
{
	size_t a = *p, n = hd_word_at(x, end, p);
	if (n) {
		if (h->depth == 0 && hd_is_word(x, a, n, "where")) {
			h->in_where = h->pred_start = true;
			h->bounds = false;
		} else if (h->depth == 0 && h->pred_start) {
			h->pred_start = false;
			h->self_pred = hd_is_word(x, a, n, "Self");
		}
		return true;
	}
	char c = x[*p];
	if (h->depth == 0 && (c == '{' || c == ';'))
		return false;
	if (c == ':' && *p + 1 < end && x[*p + 1] == ':')
		(*p)++; /* a path's `::` */
	else if (c == ':' && h->depth == 0)
		h->bounds = !h->in_where || h->self_pred;
	else if (c == ',' && h->depth == 0 && h->in_where) {
		h->pred_start = true;
		h->bounds = false;
	} else if (c == '-' && *p + 1 < end && x[*p + 1] == '>')
		(*p)++;
	else if (c == '<' || c == '(' || c == '[')
		h->depth++;
	else if ((c == '>' || c == ')' || c == ']') && h->depth > 0)
		h->depth--;
	(*p)++;
	return true;
}

/* Whether the USES site e of trait t names one of its supertraits. */
static bool in_supertraits(req *q, const rec_entity *t, const rec_edge *e)
{
	const char *rel = query_file_path(q->txn, t->file);
	if (t->kind != PT_TRAIT || !*rel || e->file != t->file)
		return false;
	const lsp_lines *L = hd_lines_of(q, rel);
	if (t->nel >= L->starts.n || e->sl >= L->starts.n)
		return false;
	const char *x = L->text;
	size_t end = L->len, p = L->starts.v[t->nel] + t->nec, site = L->starts.v[e->sl] + e->sc;
	if (site <= p || site >= end)
		return false;
	hd_skip_blank(x, end, &p);
	if (p < end && x[p] == '<')
		hd_skip_generics(x, end, &p);
	header_scan h = {0};
	for (;;) {
		hd_skip_blank(x, end, &p);
		if (p >= site || p >= end || !header_step(x, end, &p, &h))
			break;
	}
	return p == site && h.bounds && h.depth == 0;
}

/* Sort hierarchy items like locations (they have uri and range) and keep
 * each once. Steals arr. */
static json_t *sorted_items(json_t *arr)
{
	return hd_sorted_locations(arr);
}

json_t *lsp_req_prepare_type_hierarchy(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	hit h;
	json_t *out = json_array();
	if (hd_at_cursor(&q, s, params, &h, NULL)) {
		query_site at = {h.site.file, h.site.sl, h.site.sc, h.site.el, h.site.ec};
		for (size_t i = 0; i < h.n; i++) {
			rec_entity e;
			if (query_entity(q.txn, h.ids[i], &e) == PT_OK && type_kind(e.kind))
				hd_append(out, hd_hier_item(&q, h.ids[i], h.on_site ? &at : NULL));
		}
	}
	hd_req_end(&q);
	if (!json_array_size(out)) {
		json_decref(out);
		return json_null();
	}
	return out;
}

/* The item an IMPL edge's far end makes, shown where the edge names it. */
static json_t *impl_edge_item(req *q, const rec_edge *e)
{
	query_site st = {e->file, e->sl, e->sc, e->el, e->ec};
	query_site at = (e->flags & EDGE_DERIVE) ? st : hd_impl_site(q, &st);
	return hd_hier_item(q, e->other, &at);
}

json_t *lsp_req_type_supertypes(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	uint64_t id;
	rec_entity t;
	json_t *out = json_array();
	if (hd_hierarchy_item(&q, s, params, &id) && query_entity(q.txn, id, &t) == PT_OK) {
		query_edges it;
		rec_edge e;
		query_edges_open(q.txn, id, QUERY_OUT, &it);
		while (query_edges_next(&it, &e)) {
			query_site st = {e.file, e.sl, e.sc, e.el, e.ec};
			if (t.kind == PT_TRAIT && e.kind == REL_USES && in_supertraits(&q, &t, &e))
				hd_append(out, hd_hier_item(&q, e.other, &st));
			else if (t.kind != PT_TRAIT && e.kind == REL_IMPL)
				hd_append(out, impl_edge_item(&q, &e));
		}
	}
	hd_req_end(&q);
	return sorted_items(out);
}

json_t *lsp_req_type_subtypes(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	uint64_t id;
	rec_entity t;
	json_t *out = json_array();
	if (hd_hierarchy_item(&q, s, params, &id) && query_entity(q.txn, id, &t) == PT_OK &&
	    t.kind == PT_TRAIT) {
		query_edges it;
		rec_edge e;
		query_edges_open(q.txn, id, QUERY_IN, &it);
		while (query_edges_next(&it, &e)) {
			rec_entity from;
			if (e.kind == REL_IMPL)
				hd_append(out, impl_edge_item(&q, &e));
			else if (e.kind == REL_USES &&
				 query_entity(q.txn, e.other, &from) == PT_OK &&
				 in_supertraits(&q, &from, &e))
				hd_append(out, hd_hier_item(&q, e.other, NULL));
		}
	}
	hd_req_end(&q);
	return sorted_items(out);
}

/* ---- code lens ------------------------------------------------------------------- *
 *
 * textDocument/codeLens answers at once with one lens per function or
 * method ("N callers") and per trait or type ("N implementations"), each
 * without its command; codeLens/resolve counts, and gives the command
 * parseltongue.showReferences [uri, position, locations] (the shape of
 * rust-analyzer's showReferences: the clients show the locations as their
 * references view does). */

static const char *lens_kind(int k)
{
	if (k == PT_FUNCTION || k == PT_METHOD)
		return "callers";
	if (k == PT_TRAIT || k == PT_STRUCT || k == PT_ENUM || k == PT_UNION)
		return "implementations";
	return NULL;
}

json_t *lsp_req_code_lens(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	const char *uri =
		json_string_value(json_object_get(json_object_get(params, "textDocument"), "uri"));
	char *rel = NULL;
	req q;
	uint32_t file;
	json_t *out = json_array();
	memset(&q, 0, sizeof q);
	if (atomic_load(&s->lens_on) &&
	    hd_req_begin(&q, s, uri ? lsp_root_of(s, uri, &rel) : NULL) &&
	    query_file_id(q.txn, rel, &file) == PT_OK) {
		query_ids ids = {0};
		query_file_entities(q.txn, file, &ids);
		for (size_t i = 0; i < ids.n; i++) {
			rec_entity e;
			const char *what = NULL;
			if (query_entity(q.txn, ids.v[i], &e) != PT_OK || e.file != file ||
			    !(what = lens_kind(e.kind)))
				continue;
			char hex[17];
			uint32_t n[4];
			hd_hex_id(ids.v[i], hex);
			hd_sel_span(&e, n);
			json_array_append_new(
				out, json_pack("{s:o,s:{s:s,s:s,s:s}}", "range",
					       hd_range_json(&q, rel, n[0], n[1], n[2], n[3]),
					       "data", "id", hex, "uri", uri, "kind", what));
		}
		pt_vec_free(&ids);
	}
	hd_req_end(&q);
	free(rel);
	return sorted_items(out);
}

json_t *lsp_req_code_lens_resolve(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	json_t *lens = json_is_object(params) ? json_deep_copy(params) : json_object();
	json_t *data = json_object_get(params, "data");
	const char *uri = json_string_value(json_object_get(data, "uri"));
	const char *kind = json_string_value(json_object_get(data, "kind"));
	bool callers = kind && strcmp(kind, "callers") == 0;
	uint64_t id;
	req q;
	size_t n = 0;
	json_t *locs = json_array();
	memset(&q, 0, sizeof q);
	if (uri && hd_parse_hex_id(json_string_value(json_object_get(data, "id")), &id) &&
	    hd_req_begin(&q, s, lsp_root_of(s, uri, NULL))) {
		if (callers) {
			query_results res = {0};
			query_callers(q.txn, id, 0, &res);
			n = res.items.n;
			for (size_t i = 0; i < res.sites.n; i++)
				hd_append(locs, hd_site_loc(&q, &res.sites.v[i]));
			query_results_free(&res);
		} else {
			hd_append_implementations(&q, id, locs);
			n = json_array_size(locs);
		}
	}
	hd_req_end(&q);
	char title[64];
	snprintf(title, sizeof title, "%zu %s%s", n, callers ? "caller" : "implementation",
		 n == 1 ? "" : "s");
	json_t *start = json_object_get(json_object_get(params, "range"), "start");
	json_object_set_new(lens, "command",
			    json_pack("{s:s,s:s,s:[s?,O?,o]}", "title", title, "command",
				      "parseltongue.showReferences", "arguments", uri, start,
				      hd_sorted_locations(locs)));
	return lens;
}

void lsp_codelens_refresh(lsp_server *s)
{
	if (s->cap_lens_refresh && atomic_load(&s->lens_on))
		jrpc_request(s->out, "workspace/codeLens/refresh", NULL);
}

/* ---- document highlight ------------------------------------------------------------ */

/* {range, kind} of a location (stolen) in the file asked about. */
static void highlight(json_t *out, json_t *loc, int kind)
{
	if (loc)
		json_array_append_new(out, json_pack("{s:O,s:i}", "range",
						     json_object_get(loc, "range"), "kind", kind));
	json_decref(loc);
}

json_t *lsp_req_document_highlight(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	req q;
	hit h;
	uint32_t file;
	json_t *out = json_array();
	if (hd_at_cursor(&q, s, params, &h, &file)) {
		for (size_t k = 0; k < h.n; k++) {
			rec_entity e;
			if (query_entity(q.txn, h.ids[k], &e) == PT_OK && e.file == file)
				highlight(out, hd_name_loc(&q, &e), 1 /* Text */);
			query_edges it;
			rec_edge x;
			query_edges_open(q.txn, h.ids[k], QUERY_IN, &it);
			while (query_edges_next(&it, &x)) {
				query_site st = {x.file, x.sl, x.sc, x.el, x.ec};
				bool impl = x.kind == REL_IMPL && !(x.flags & EDGE_DERIVE);
				if (x.file != file || (x.kind != REL_CALLS && x.kind != REL_USES &&
						       x.kind != REL_IMPL))
					continue;
				highlight(out,
					  impl ? hd_impl_site_loc(&q, &st) : hd_site_loc(&q, &st),
					  2 /* Read */);
			}
		}
	}
	hd_req_end(&q);
	return sorted_items(out);
}
