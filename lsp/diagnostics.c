/* lsp/diagnostics.c — module dependency cycles as warnings.
 *
 * The same cycles, at the same sites, as `parseltongue check` and the CI
 * linter with their default policy (graph/lint.h): a cycle is one among
 * sibling modules (a module's dependencies on its own ancestors and
 * descendants never make one), ambiguous calls and #[cfg(test)] code do not
 * count, and each dependency of a cycle is shown at its `use` declarations,
 * else at its first sites. Pull clients ask (workspace/diagnostic,
 * textDocument/diagnostic); the others get textDocument/publishDiagnostics
 * after updates.
 */
#define _GNU_SOURCE
#include "server.h"

#include "../graph/index.h"
#include "../graph/lint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *lsp_cycle_diagnostics(lsp_server *s, lsp_root *r, store_txn *txn)
{
	(void)s;
	json_t *out = json_object(); /* uri → Diagnostic[] (graph coordinates) */
	lint_opts o;
	lint_report rep = {0};
	lint_opts_default(&o);
	if (lint_run(txn, &o, &rep) != PT_OK)
		rep.items.n = 0;
	for (size_t i = 0; i < rep.items.n; i++) {
		const lint_finding *f = &rep.items.v[i];
		const char *rel = query_file_path(txn, f->file);
		if (!*rel)
			continue;
		char *uri = lsp_root_file_uri(r, rel);
		json_t *arr = json_object_get(out, uri);
		if (!arr) {
			arr = json_array();
			json_object_set_new(out, uri, arr);
		}
		json_array_append_new(
			arr, json_pack("{s:{s:{s:I,s:I},s:{s:I,s:I}},s:i,s:s,s:s,s:o}", "range",
				       "start", "line", (json_int_t)f->line, "character",
				       (json_int_t)f->col, "end", "line", (json_int_t)f->end_line,
				       "character", (json_int_t)f->end_col, "severity", 2, "source",
				       "parseltongue", "code", "module-cycle", "message",
				       /* names may hold bytes that are not UTF-8 */
				       pt_json_bytes(lint_text(&rep, f->msg))));
		free(uri);
	}
	lint_report_free(&rep);
	return out;
}

/* ---- reporting ------------------------------------------------------------------ */

static uint64_t hash_json(const json_t *j)
{
	char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	uint64_t h = t ? pt_hash64(t, strlen(t)) : 0;
	free(t);
	return h;
}

/* r's diagnostics by uri, ranges converted, with an empty list for each
 * uri that had some and no longer has. With `changed`, only the uris
 * whose list differs from the last one recorded. Updates the record.
 * Call with s->diag_mu held. */
/* uri → diagnostics of folder r as its database is now, and the
 * database's generation then. Touches nothing shared. */
static json_t *compute_diagnostics(lsp_server *s, lsp_root *r, uint64_t *gen)
{
	store_txn *txn = NULL;
	json_t *d = NULL;
	*gen = 0;
	if (r->st && store_txn_begin(r->st, false, &txn) == PT_OK) {
		store_meta_get_u64(txn, META_GENERATION, gen);
		d = lsp_cycle_diagnostics(s, r, txn);
	}
	store_txn_abort(txn);
	if (!d)
		d = json_object();
	const char *uri;
	json_t *items;
	json_object_foreach(d, uri, items) lsp_convert_ranges(s, uri, items);
	return d;
}

static json_t *root_diagnostics(lsp_server *s, lsp_root *r, bool changed)
{
	uint64_t gen;
	json_t *d = compute_diagnostics(s, r, &gen);
	const char *uri;
	json_t *items;
	json_t *old = json_object(); /* uri → last hash, as a JSON integer */
	for (size_t i = 0; i < r->diag.n; i++) {
		json_object_set_new(old, r->diag.v[i].uri,
				    json_integer((json_int_t)r->diag.v[i].hash));
		if (!json_object_get(d, r->diag.v[i].uri))
			json_object_set_new(d, r->diag.v[i].uri, json_array());
		free(r->diag.v[i].uri);
	}
	r->diag.n = 0;
	void *tmp;
	json_object_foreach_safe(d, tmp, uri, items)
	{
		uint64_t h = hash_json(items);
		json_t *was = json_object_get(old, uri);
		if (json_array_size(items)) {
			lsp_diag_file f = {pt_xstrdup(uri), h};
			pt_vec_push(&r->diag, f);
		}
		if (changed && was && (uint64_t)json_integer_value(was) == h)
			json_object_del(d, uri);
	}
	json_decref(old);
	return d;
}

/* A push client drops what it was sent for files it had not opened
 * (eglot does): forget what was sent for uri, so the next publication,
 * which the didOpen re-index brings, sends it again. */
void lsp_diagnostics_forget(lsp_server *s, lsp_root *r, const char *uri)
{
	if (s->cap_pull_diag)
		return;
	pthread_mutex_lock(&s->diag_mu);
	for (size_t i = 0; i < r->diag.n; i++)
		if (strcmp(r->diag.v[i].uri, uri) == 0)
			r->diag.v[i].hash = 0;
	pthread_mutex_unlock(&s->diag_mu);
}

static uint64_t generation_now(lsp_root *r)
{
	uint64_t gen = 0;
	store_txn *txn = NULL;
	if (r->st && store_txn_begin(r->st, false, &txn) == PT_OK) {
		store_meta_get_u64(txn, META_GENERATION, &gen);
		store_txn_abort(txn);
	}
	return gen;
}

static bool folder_busy(lsp_root *r)
{
	pthread_mutex_lock(&r->mu);
	bool busy = r->queue.n || r->busy;
	pthread_mutex_unlock(&r->mu);
	return busy;
}

/* The folder's diagnostics for a pull, or those of one uri (NULL: none
 * there). The diagnostics thread makes them once the folder is idle
 * (roots.c), outside the lock, so a pull is usually a lookup, never a wait
 * on a walk of every module. While edits are still being indexed a
 * pull gets those of the commit before (the refresh request that follows
 * makes the client pull again); once the folder is idle, it gets those of
 * the last commit, made here if that thread has not made them yet. What is
 * returned is a copy: the cache itself is only touched under the lock
 * (jansson's reference counts are not fully thread-safe). */
/* Whether the cache holds the diagnostics of the last commit; *have:
 * whether it holds any. */
static bool pull_cache_fresh(lsp_server *s, lsp_root *r, bool *have)
{
	uint64_t now = generation_now(r);
	pthread_mutex_lock(&s->diag_mu);
	*have = r->pull_cache != NULL;
	bool fresh = *have && r->pull_gen == now;
	pthread_mutex_unlock(&s->diag_mu);
	return fresh;
}

/* Make the diagnostics (outside the lock) and keep them unless someone
 * kept newer ones meanwhile. */
static void pull_cache_make(lsp_server *s, lsp_root *r)
{
	uint64_t gen;
	json_t *d = compute_diagnostics(s, r, &gen);
	pthread_mutex_lock(&s->diag_mu);
	if (!r->pull_cache || r->pull_gen < gen) {
		json_decref(r->pull_cache);
		r->pull_cache = d;
		r->pull_gen = gen;
		d = NULL;
	}
	pthread_mutex_unlock(&s->diag_mu);
	json_decref(d);
}

static json_t *pull_diagnostics(lsp_server *s, lsp_root *r, const char *uri)
{
	bool have;
	if (!pull_cache_fresh(s, r, &have) && !(have && folder_busy(r)))
		pull_cache_make(s, r);
	pthread_mutex_lock(&s->diag_mu);
	json_t *out = uri ? json_object_get(r->pull_cache, uri) : r->pull_cache;
	out = out ? json_deep_copy(out) : NULL;
	pthread_mutex_unlock(&s->diag_mu);
	return out;
}

/* The indexer's part, after each commit: a new cache when the database
 * moved on. */
void lsp_refresh_pull_diagnostics(lsp_server *s, lsp_root *r)
{
	bool have;
	if (s->cap_pull_diag && !pull_cache_fresh(s, r, &have))
		pull_cache_make(s, r);
}

void lsp_publish_diagnostics(lsp_server *s, lsp_root *r)
{
	if (s->cap_pull_diag) {
		/* the indexer made them after the batch that led here */
		if (s->cap_diag_refresh)
			jrpc_request(s->out, "workspace/diagnostic/refresh", NULL);
		return;
	}
	pthread_mutex_lock(&s->diag_mu);
	json_t *d = root_diagnostics(s, r, true);
	const char *uri;
	json_t *items;
	json_object_foreach(d, uri, items)
		jrpc_notify(s->out, "textDocument/publishDiagnostics",
			    json_pack("{s:s,s:O}", "uri", uri, "diagnostics", items));
	json_decref(d);
	pthread_mutex_unlock(&s->diag_mu);
}

json_t *lsp_req_document_diagnostic(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)err;
	const char *uri =
		json_string_value(json_object_get(json_object_get(params, "textDocument"), "uri"));
	lsp_root *r = uri ? lsp_root_of(s, uri, NULL) : NULL;
	json_t *items = NULL;
	if (r) {
		items = pull_diagnostics(s, r, uri);
	}
	return json_pack("{s:s,s:o}", "kind", "full", "items", items ? items : json_array());
}

json_t *lsp_req_workspace_diagnostic(lsp_server *s, json_t *params, lsp_err *err)
{
	(void)params;
	(void)err;
	json_t *reports = json_array();
	for (size_t k = 0; k < lsp_roots_count(s); k++) {
		if (atomic_load(&s->roots.v[k]->retired))
			continue;
		json_t *d = pull_diagnostics(s, s->roots.v[k], NULL);
		const char *uri;
		json_t *items;
		json_object_foreach(d, uri, items) json_array_append_new(
			reports, json_pack("{s:s,s:s,s:n,s:O}", "kind", "full", "uri", uri,
					   "version", "items", items));
		json_decref(d);
	}
	return json_pack("{s:o}", "items", reports);
}
