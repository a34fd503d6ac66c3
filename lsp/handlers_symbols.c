/* lsp/handlers_symbols.c — document and workspace symbols, and the custom
 * requests (parseltongue/...: blast radius, cycles, context, stats...),
 * answered like the standard ones (lsp/handlers_int.h). */
#define _GNU_SOURCE
#include "handlers_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../graph/index.h"

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
	char *name = hd_display_name(e);
	uint32_t n[4];
	hd_sel_span(e, n);
	json_t *o = json_pack("{s:o,s:i,s:o,s:o}", "name", pt_json_bytes(name), "kind",
			      hd_symbol_kind(e->kind), "range",
			      hd_range_json(q, rel, e->sl, e->sc, e->el, e->ec), "selectionRange",
			      hd_range_json(q, rel, n[0], n[1], n[2], n[3]));
	if (*e->sig)
		json_object_set_new(o, "detail", pt_json_bytes(e->sig));
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
	if (hd_req_begin(&q, s, uri ? lsp_root_of(s, uri, &rel) : NULL) &&
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
	hd_req_end(&q);
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
		if (hd_req_begin(&q, s, s->roots.v[k]))
			query_search(q.txn, query ? query : "", 256, &ids, NULL);
		for (size_t i = 0; i < ids.n && !lsp_is_cancelled(s); i++) {
			rec_entity e, p;
			if (query_entity(q.txn, ids.v[i], &e) != PT_OK || e.kind == PT_IMPL)
				continue;
			json_t *loc = hd_name_loc(&q, &e);
			if (!loc)
				continue;
			char *name = hd_display_name(&e);
			json_t *o = json_pack("{s:o,s:i,s:o}", "name", pt_json_bytes(name), "kind",
					      hd_symbol_kind(e.kind), "location", loc);
			if (e.parent && query_entity(q.txn, e.parent, &p) == PT_OK)
				json_object_set_new(o, "containerName", pt_json_bytes(p.qpath));
			json_array_append_new(out, o);
			free(name);
		}
		pt_vec_free(&ids);
		hd_req_end(&q);
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
		if (!hd_parse_hex_id(hex, id))
			return false;
		const char *uri = json_string_value(json_object_get(params, "uri"));
		if (uri)
			return hd_req_begin(q, s, lsp_root_of(s, uri, NULL));
		for (size_t i = 0; i < s->roots.n; i++) {
			rec_entity e;
			if (atomic_load(&s->roots.v[i]->retired))
				continue;
			if (!hd_req_begin(q, s, s->roots.v[i])) {
				hd_req_end(q);
				continue;
			}
			if (query_entity(q->txn, *id, &e) == PT_OK)
				return true;
			hd_req_end(q);
		}
		memset(q, 0, sizeof *q);
		return false;
	}
	if (!hd_at_cursor(q, s, params, &h, NULL) || !h.n)
		return false;
	*id = h.ids[0];
	return true;
}

static json_t *target_missing(req *q)
{
	hd_req_end(q);
	return json_null();
}

json_t *lsp_req_blast_radius(lsp_server *s, json_t *params, lsp_err *err)
{
	req q;
	uint64_t id;
	json_t *d = json_object_get(params, "depth"), *lim = json_object_get(params, "limit");
	if (d && !json_is_integer(d)) {
		hd_bad_params(err, "depth is a number");
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
		json_t *o = hd_entity_json(&q, it->id), *via = json_array();
		if (!o)
			continue;
		for (uint32_t k = 0; k < it->via_n; k++) {
			rec_entity e;
			if (query_entity(q.txn, res.via.v[it->via_off + k], &e) == PT_OK)
				json_array_append_new(via, pt_json_bytes(e.qpath));
		}
		json_object_set_new(o, "depth", json_integer(it->depth));
		json_object_set_new(o, "relation", json_string(pt_rel_name(it->rel)));
		json_object_set_new(o, "via", via);
		if (it->site_n) {
			json_t *l = hd_site_loc(&q, &res.sites.v[it->site_off]);
			if (l)
				json_object_set_new(o, "site", l);
		}
		json_array_append_new(items, o);
	}
	json_t *out =
		json_pack("{s:o,s:I,s:o,s:b}", "target", hd_entity_json(&q, id) ?: json_null(),
			  "depth", (json_int_t)depth, "items", items, "truncated", res.truncated);
	query_results_free(&res);
	hd_req_end(&q);
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
		json_t *l = hd_site_loc(&q, &res.sites.v[it->site_off]);
		if (l)
			json_object_set_new(o, "location", l);
		json_object_set_new(o, "implementor", hd_entity_json(&q, it->id) ?: json_null());
		json_array_append_new(items, o);
	}
	json_t *out = json_pack("{s:o,s:o}", "target", hd_entity_json(&q, id) ?: json_null(),
				"items", items);
	query_results_free(&res);
	hd_req_end(&q);
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
		hd_bad_params(err, "level is module, function or all");
		return NULL;
	}
	json_t *cycles = json_array();
	for (size_t k = 0; k < s->roots.n; k++) {
		req q;
		query_cycle_set c = {0};
		if (atomic_load(&s->roots.v[k]->retired))
			continue;
		if (hd_req_begin(&q, s, s->roots.v[k]) &&
		    query_cycles(q.txn, levels, &c) == PT_OK) {
			for (size_t i = 0; i < c.level.n; i++) {
				json_t *m = json_array();
				for (uint32_t j = c.starts.v[i]; j < c.starts.v[i + 1]; j++)
					hd_append(m, hd_entity_json(&q, c.members.v[j]));
				json_array_append_new(
					cycles,
					json_pack("{s:s,s:s,s:o}", "level",
						  c.level.v[i] == CYCLES_MODULE ? "module"
										: "function",
						  "root", s->roots.v[k]->uri, "members", m));
			}
		}
		query_cycle_set_free(&c);
		hd_req_end(&q);
	}
	return json_pack("{s:o}", "cycles", cycles);
}

json_t *lsp_req_generate_context(lsp_server *s, json_t *params, lsp_err *err)
{
	req q;
	uint64_t id;
	json_t *t = json_object_get(params, "tokens");
	if (t && !json_is_integer(t)) {
		hd_bad_params(err, "tokens is a number");
		return NULL;
	}
	if (!custom_target(&q, s, params, &id))
		return target_missing(&q);
	pt_strbuf b = {0};
	uint32_t used = 0;
	query_context(q.txn, id, t ? (uint32_t)json_integer_value(t) : 2000, &b, &used);
	json_t *out = json_pack("{s:o,s:s,s:I}", "target", hd_entity_json(&q, id) ?: json_null(),
				"text", b.buf ? b.buf : "", "tokens", (json_int_t)used);
	pt_strbuf_free(&b);
	hd_req_end(&q);
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
		json_t *o = json_pack(
			"{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:f,s:I,s:I,s:i}", "root", r->uri, "database",
			r->db, "state", state_name(r->state), "files", (json_int_t)files,
			"entities", (json_int_t)ents, "edges", (json_int_t)edges, "databaseBytes",
			(json_int_t)st.file_size, "lastUpdateMs",
			(double)r->last_update_us / 1000.0, "lastUpdateUnix", (json_int_t)last,
			"updates", (json_int_t)r->updates, "pendingUpdates",
			(int)(r->queue.n + r->retry.n) + (r->busy ? 1 : 0));
		if (r->error)
			json_object_set_new(o, "error", pt_json_bytes(r->error));
		if (r->read_only)
			json_object_set_new(o, "readOnly", json_true());
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
