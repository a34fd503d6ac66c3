/* cli/mcp_answer.c — the list tools: where_defined, search, callers,
 * callees, references, what_implements, blast_radius, find_cycles,
 * entities_in_file; and the helpers every answer shares (entities, the
 * one target, lists cut to a limit and a budget).
 *
 * Every list is ranked (graph/rank.h) before it is cut, so what a budget
 * keeps is what matters most, and the answer says, per group, what it
 * left out and which call gets the next page.
 */
#define _GNU_SOURCE
#include "mcp_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes kept free in each rendering for the lines and fields that close a
 * list (counts, what was left out, the call for the next page). */
#define CLOSING 320
/* At most this many sites of one item are listed (site_count has all). */
#define MAX_SITES 3
/* The blast radius of a much-used item reaches most of a workspace: it
 * is walked to this many entities at most (the answer says so). */
#define BLAST_CAP 20000
/* Search looks at this many matches at most (the best ones). */
#define SEARCH_CAP 2000

/* ---- entities --------------------------------------------------------------- */

json_t *mcp_entity_json(store_txn *txn, uint64_t id, bool sig)
{
	rec_entity e;
	if (query_entity(txn, id, &e) != PT_OK)
		return NULL;
	bool out = e.file == PT_NO_FILE;
	json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:i}", "path", e.qpath, "kind",
			      pt_kind_name(e.kind), "file", query_file_path(txn, e.file), "line",
			      (json_int_t)(out ? 0 : e.sl + 1), "end_line",
			      (json_int_t)(out ? 0 : e.el + 1));
	if (o && sig && *e.sig)
		json_object_set_new(o, "signature", json_string(e.sig));
	if (o && (out || (e.flags & ENT_EXTERNAL)))
		json_object_set_new(o, "external", json_true());
	return o;
}

void mcp_entity_text(store_txn *txn, uint64_t id, pt_strbuf *out)
{
	rec_entity e;
	if (query_entity(txn, id, &e) != PT_OK) {
		pt_strbuf_adds(out, "(unknown)");
		return;
	}
	if (e.file == PT_NO_FILE)
		pt_strbuf_printf(out, "%s (%s, outside the workspace)", e.qpath,
				 pt_kind_name(e.kind));
	else
		pt_strbuf_printf(out, "%s (%s) %s:%u", e.qpath, pt_kind_name(e.kind),
				 query_file_path(txn, e.file), e.sl + 1);
}

void mcp_group_tag(int group, pt_strbuf *line)
{
	static const char *const tags[RANK_GROUPS] = {[RANK_CFG_OFF] = " [cfg'd out]",
						      [RANK_TEST] = " [test]",
						      [RANK_EXAMPLE] = " [example]",
						      [RANK_BENCH] = " [bench]"};
	if (group >= 0 && group < RANK_GROUPS && tags[group])
		pt_strbuf_adds(line, tags[group]);
}

void mcp_hint(mcp_answer *ans, const char *fmt, ...)
{
	pt_strbuf h = {0};
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
	const char *before = json_string_value(json_object_get(ans->out, "hint"));
	if (before)
		pt_strbuf_printf(&h, "%s ", before);
	pt_strbuf_adds(&h, msg);
	mcp_utf8_clean(h.buf, h.len);
	json_object_set_new(ans->out, "hint", json_stringn(h.buf, h.len));
	pt_strbuf_adds(&ans->text, msg);
	pt_strbuf_addc(&ans->text, '\n');
	free(msg);
	pt_strbuf_free(&h);
}

/* ---- lists ---------------------------------------------------------------------- */

static const char *const group_words[RANK_GROUPS] = {
	"in the module", "in the crate", "in other crates", "outside the workspace",
	"cfg'd out",     "in tests",     "in examples",     "in benches",
};

void mcp_list_begin(mcp_list *l, mcp_answer *ans, const mcp_args *a)
{
	memset(l, 0, sizeof *l);
	l->ans = ans;
	l->items = json_array();
	l->limit = a->limit > 0 ? (size_t)a->limit : 100;
	l->offset = a->offset > 0 ? (size_t)a->offset : 0;
	json_object_set_new(ans->out, "items", l->items);
	char *head = json_dumps(ans->out, JSON_COMPACT);
	l->json_len = head ? strlen(head) : 0;
	free(head);
}

bool mcp_list_add(mcp_list *l, json_t *item, const char *line, int group)
{
	mcp_answer *ans = l->ans;
	if (!item)
		return false;
	if (group < 0 || group >= RANK_GROUPS)
		group = RANK_WORKSPACE;
	if (++l->seen <= l->offset) { /* shown on an earlier page */
		json_decref(item);
		return false;
	}
	size_t jl = json_dumpb(item, NULL, 0, JSON_COMPACT) + 1, tl = strlen(line) + 1;
	bool fits = l->json_len + jl + CLOSING <= ans->json_budget &&
		    ans->text.len + tl + CLOSING <= ans->budget;
	/* one item is always shown: an answer with none helps no one */
	if (l->full || l->shown >= l->limit || (!fits && l->shown)) {
		l->full = true;
		l->omitted[group]++;
		json_decref(item);
		return false;
	}
	json_array_append_new(l->items, item);
	pt_strbuf_adds(&ans->text, line);
	pt_strbuf_addc(&ans->text, '\n');
	l->json_len += jl;
	l->shown++;
	return true;
}

void mcp_omitted_text(const size_t *omitted, pt_strbuf *out)
{
	bool first = true;
	for (int g = 0; g < RANK_GROUPS; g++) {
		if (!omitted[g])
			continue;
		pt_strbuf_printf(out, "%s%zu %s", first ? "" : ", ", omitted[g], group_words[g]);
		first = false;
	}
}

void mcp_list_end(mcp_list *l, const char *tool, const char *target, size_t total)
{
	mcp_answer *ans = l->ans;
	json_t *om = json_object();
	for (int g = 0; g < RANK_GROUPS; g++)
		if (l->omitted[g])
			json_object_set_new(om, rank_group_name(g),
					    json_integer((json_int_t)l->omitted[g]));
	size_t next = l->offset + l->shown;
	bool cut = next < total;
	json_object_set_new(ans->out, "total", json_integer((json_int_t)total));
	json_object_set_new(ans->out, "shown", json_integer((json_int_t)l->shown));
	json_object_set_new(ans->out, "offset", json_integer((json_int_t)l->offset));
	json_object_set_new(ans->out, "truncated", json_boolean(cut));
	json_object_set_new(ans->out, "omitted", om);
	if (!total)
		pt_strbuf_adds(&ans->text, "(none)\n");
	if (!cut)
		return;
	json_object_set_new(ans->out, "next_offset", json_integer((json_int_t)next));
	pt_strbuf h = {0};
	pt_strbuf_printf(&h, "%zu more not shown (", total - next);
	mcp_omitted_text(l->omitted, &h);
	pt_strbuf_printf(&h, "); next page: %s with", tool);
	if (target) {
		json_t *t = json_string(target);
		char *q = t ? json_dumps(t, JSON_ENCODE_ANY) : NULL;
		pt_strbuf_printf(&h, " target %s,", q ? q : "");
		free(q);
		json_decref(t);
	}
	pt_strbuf_printf(&h, " offset %zu (or raise tokens/limit)", next);
	mcp_hint(ans, "%s", pt_strbuf_cstr(&h));
	pt_strbuf_free(&h);
}

/* ---- the one target -------------------------------------------------------------- */

/* Candidates of an ambiguous target, the ones in the build first. */
static void candidates(store_txn *txn, const query_ids *ids, const mcp_args *a, mcp_answer *ans)
{
	query_results r = {0};
	rank_list order = {0};
	for (size_t i = 0; i < ids->n; i++) {
		query_item it = {.id = ids->v[i]};
		pt_vec_push(&r.items, it);
	}
	rank_results(txn, &r, &order);
	json_t *list = json_array();
	json_object_set_new(ans->out, "status", json_string("ambiguous"));
	json_object_set_new(ans->out, "candidates", list);
	json_object_set_new(ans->out, "total", json_integer((json_int_t)ids->n));
	mcp_hint(ans,
		 "'%s' names %zu items: call again with one of the candidates as the target (its "
		 "path, or FILE:LINE)",
		 a->target, ids->n);
	size_t shown = 0, json_len = 0;
	for (; shown < order.n && shown < 50; shown++) {
		uint64_t id = r.items.v[order.v[shown].item].id;
		json_t *e = mcp_entity_json(txn, id, false);
		size_t jl = e ? json_dumpb(e, NULL, 0, JSON_COMPACT) + 1 : 0;
		if (shown && (ans->text.len + CLOSING > ans->budget ||
			      json_len + jl + CLOSING > ans->json_budget)) {
			json_decref(e);
			break;
		}
		json_len += jl;
		if (e)
			json_array_append_new(list, e);
		pt_strbuf_adds(&ans->text, "- ");
		mcp_entity_text(txn, id, &ans->text);
		pt_strbuf_addc(&ans->text, '\n');
	}
	if (shown < ids->n)
		mcp_hint(ans, "%zu more candidates not shown: a longer path suffix narrows it",
			 ids->n - shown);
	pt_vec_free(&order);
	query_results_free(&r);
}

bool mcp_one_target(store_txn *txn, int k, const char *target, const mcp_args *a, mcp_answer *ans,
		    uint64_t *id)
{
	query_ids ids = {0};
	cli_opts o = {.limit = 0};
	int rc = cli_targets_for(txn, (qkind)k, target, &o, &ids);
	bool one = false;
	if (rc)
		pt_strbuf_printf(&ans->error, "cannot read the graph: %s", pt_strerror(rc));
	else if (!ids.n)
		pt_strbuf_printf(&ans->error,
				 "'%s' names no item in the index. Try the search tool with part "
				 "of the name, a path suffix (Type::method), or FILE:LINE.",
				 target);
	else if (ids.n > 1)
		candidates(txn, &ids, a, ans);
	else {
		*id = ids.v[0];
		one = true;
		json_object_set_new(ans->out, "status", json_string("ok"));
		json_object_set_new(ans->out, "target", mcp_entity_json(txn, *id, true));
	}
	pt_vec_free(&ids);
	return one;
}

/* ---- items ------------------------------------------------------------------------ */

static void site_text(store_txn *txn, const query_site *s, uint32_t item_file, pt_strbuf *out)
{
	if (s->file == item_file)
		pt_strbuf_printf(out, ":%u", s->line + 1);
	else
		pt_strbuf_printf(out, "%s:%u", query_file_path(txn, s->file), s->line + 1);
}

/* callers, callees, references: the item and where it calls or uses. */
json_t *mcp_ref_item(store_txn *txn, const query_results *r, const query_item *it, int group,
		     pt_strbuf *line)
{
	rec_entity e;
	json_t *o = mcp_entity_json(txn, it->id, false);
	if (!o || query_entity(txn, it->id, &e) != PT_OK)
		return o;
	json_t *sites = json_array();
	static const char *const verbs[REL_MAX] = {
		[REL_CALLS] = "calls", [REL_USES] = "uses", [REL_IMPL] = "impl"};
	pt_strbuf_adds(line, "- ");
	mcp_entity_text(txn, it->id, line);
	pt_strbuf_printf(line, " — %s at ",
			 it->rel < REL_MAX && verbs[it->rel] ? verbs[it->rel] : "at");
	for (uint32_t i = 0; i < it->site_n; i++) {
		const query_site *s = &r->sites.v[it->site_off + i];
		if (i >= MAX_SITES) {
			pt_strbuf_printf(line, ", +%u more", it->site_n - MAX_SITES);
			break;
		}
		char at[4200];
		snprintf(at, sizeof at, "%s:%u:%u", query_file_path(txn, s->file), s->line + 1,
			 s->col + 1);
		json_array_append_new(sites, json_string(at));
		if (i)
			pt_strbuf_adds(line, ", ");
		site_text(txn, s, e.file, line);
	}
	mcp_group_tag(group, line);
	if (it->flags & EDGE_AMBIGUOUS) {
		pt_strbuf_adds(line, " [ambiguous: one of several candidates]");
		json_object_set_new(o, "ambiguous", json_true());
	}
	json_object_set_new(o, "group", json_string(rank_group_name(group)));
	if (it->rel != REL_CALLS)
		json_object_set_new(o, "relation", json_string(pt_rel_name(it->rel)));
	json_object_set_new(o, "sites", sites);
	json_object_set_new(o, "site_count", json_integer(it->site_n));
	return o;
}

static json_t *impl_item(store_txn *txn, const query_results *r, const query_item *it, int group,
			 pt_strbuf *line)
{
	rec_entity impl, trait;
	const query_site *s = &r->sites.v[it->site_off];
	if (query_entity(txn, it->id, &impl) != PT_OK ||
	    query_entity(txn, it->other, &trait) != PT_OK)
		return NULL;
	const char *type = impl.kind != PT_IMPL ? impl.qpath : cli_impl_self_text(impl.name);
	const char *file = query_file_path(txn, s->file);
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:s}", "kind",
			      it->derive ? "derive" : "impl", "type", type, "trait", trait.qpath,
			      "file", file, "line", (json_int_t)s->line + 1, "column",
			      (json_int_t)s->col + 1, "group", rank_group_name(group));
	const char *in_macro = it->flags & EDGE_MACRO ? " (in a macro)" : "";
	if (it->flags & EDGE_MACRO)
		json_object_set_new(o, "macro", json_true());
	if (it->derive)
		pt_strbuf_printf(line, "- derive(%s) on %s  %s:%u", trait.qpath, type, file,
				 s->line + 1);
	else if (*type)
		pt_strbuf_printf(line, "- impl %s for %s  %s:%u%s", trait.qpath, type, file,
				 s->line + 1, in_macro);
	else /* the self type is not the workspace's: the impl's own header says it */
		pt_strbuf_printf(line, "- %s  %s:%u%s", impl.sig, file, s->line + 1, in_macro);
	return o;
}

static json_t *blast_item(store_txn *txn, const query_results *r, const query_item *it, int group,
			  pt_strbuf *line)
{
	json_t *o = mcp_entity_json(txn, it->id, false);
	if (!o)
		return NULL;
	json_t *via = json_array();
	pt_strbuf_adds(line, "- ");
	mcp_entity_text(txn, it->id, line);
	pt_strbuf_printf(line, " — depth %u", it->depth);
	mcp_group_tag(group, line);
	for (uint32_t i = 0; i < it->via_n; i++) {
		rec_entity e;
		if (query_entity(txn, r->via.v[it->via_off + i], &e) != PT_OK)
			continue;
		json_array_append_new(via, json_string(e.qpath));
		/* the path's inside: the target and the item are said already */
		if (i > 0 && i + 1 < it->via_n)
			pt_strbuf_printf(line, "%s%s", i == 1 ? " via " : " → ", e.qpath);
	}
	json_object_set_new(o, "group", json_string(rank_group_name(group)));
	json_object_set_new(o, "depth", json_integer(it->depth));
	json_object_set_new(o, "relation", json_string(pt_rel_name(it->rel)));
	json_object_set_new(o, "via", via);
	return o;
}

/* ---- the ranked list tools ---------------------------------------------------------- */

typedef json_t *(*item_fn)(store_txn *txn, const query_results *r, const query_item *it, int group,
			   pt_strbuf *line);

static void ranked(store_txn *txn, const mcp_args *a, mcp_answer *ans, qkind k, const char *tool,
		   const char *noun, item_fn make)
{
	uint64_t id;
	if (!mcp_one_target(txn, k, a->target, a, ans, &id))
		return;
	query_results r = {0};
	rank_list order = {0};
	cli_opts o = {.depth = (uint32_t)a->depth, .limit = k == Q_BLAST ? BLAST_CAP : 0};
	cli_run_query(txn, k, id, &o, &r);
	if (k == Q_BLAST)
		rank_results_by_depth(txn, &r, &order);
	else
		rank_results(txn, &r, &order);
	pt_strbuf_printf(&ans->text, "%s ", noun);
	mcp_entity_text(txn, id, &ans->text);
	pt_strbuf_printf(
		&ans->text, ": %zu%s\n", r.items.n,
		r.truncated ? " or more (the walk stops there; a smaller depth is narrower)" : "");
	mcp_list l;
	pt_strbuf line = {0};
	mcp_list_begin(&l, ans, a);
	for (size_t i = 0; i < order.n; i++) {
		line.len = 0;
		json_t *item = make(txn, &r, &r.items.v[order.v[i].item], order.v[i].group, &line);
		mcp_list_add(&l, item, pt_strbuf_cstr(&line), order.v[i].group);
	}
	mcp_list_end(&l, tool, a->target, r.items.n);
	pt_strbuf_free(&line);
	pt_vec_free(&order);
	query_results_free(&r);
}

void mcp_tool_callers(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans)
{
	(void)s;
	ranked(txn, a, ans, Q_CALLERS, "callers", "callers of", mcp_ref_item);
}

void mcp_tool_callees(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans)
{
	(void)s;
	ranked(txn, a, ans, Q_CALLEES, "callees", "callees of", mcp_ref_item);
}

void mcp_tool_references(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans)
{
	(void)s;
	ranked(txn, a, ans, Q_REFS, "references", "references to", mcp_ref_item);
}

void mcp_tool_what_implements(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans)
{
	(void)s;
	ranked(txn, a, ans, Q_IMPL, "what_implements", "implementations of", impl_item);
}

void mcp_tool_blast_radius(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans)
{
	(void)s;
	ranked(txn, a, ans, Q_BLAST, "blast_radius", "what may break if this changes:", blast_item);
}

/* ---- definitions, search, files ----------------------------------------------------- */

static json_t *def_item(store_txn *txn, uint64_t id, int group, pt_strbuf *line)
{
	rec_entity e;
	json_t *o = mcp_entity_json(txn, id, true);
	if (!o || query_entity(txn, id, &e) != PT_OK)
		return o;
	json_object_set_new(o, "group", json_string(rank_group_name(group)));
	if (e.file != PT_NO_FILE)
		json_object_set_new(o, "column", json_integer(e.sc + 1));
	pt_strbuf_adds(line, "- ");
	mcp_entity_text(txn, id, line);
	if (e.file != PT_NO_FILE && e.el != e.sl)
		pt_strbuf_printf(line, "-%u", e.el + 1);
	if (*e.sig)
		pt_strbuf_printf(line, ": `%s`", e.sig);
	mcp_group_tag(group, line);
	return o;
}

/* A list of entities, ranked with no target (in the build first). */
static void entity_list(store_txn *txn, const query_ids *ids, const mcp_args *a, mcp_answer *ans,
			const char *tool, size_t total)
{
	query_results r = {0};
	rank_list order = {0};
	for (size_t i = 0; i < ids->n; i++) {
		query_item it = {.id = ids->v[i]};
		pt_vec_push(&r.items, it);
	}
	rank_results(txn, &r, &order);
	mcp_list l;
	pt_strbuf line = {0};
	mcp_list_begin(&l, ans, a);
	for (size_t i = 0; i < order.n; i++) {
		line.len = 0;
		json_t *item =
			def_item(txn, r.items.v[order.v[i].item].id, order.v[i].group, &line);
		mcp_list_add(&l, item, pt_strbuf_cstr(&line), order.v[i].group);
	}
	mcp_list_end(&l, tool, NULL, total);
	pt_strbuf_free(&line);
	pt_vec_free(&order);
	query_results_free(&r);
}

void mcp_tool_where_defined(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans)
{
	(void)s;
	query_ids ids = {0};
	cli_opts o = {.limit = 0};
	int rc = cli_targets_for(txn, Q_WHERE, a->target, &o, &ids);
	if (rc || !ids.n) {
		pt_strbuf_printf(&ans->error,
				 "'%s' names no item in the index. Try the search tool with part "
				 "of the name, or FILE:LINE.",
				 a->target);
	} else {
		json_object_set_new(ans->out, "status", json_string("ok"));
		pt_strbuf_printf(&ans->text, "'%s' is defined at:\n", a->target);
		entity_list(txn, &ids, a, ans, "where_defined", ids.n);
	}
	pt_vec_free(&ids);
}

void mcp_tool_search(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans)
{
	(void)s;
	query_ids ids = {0};
	int kind = a->kind ? pt_kind_from_name(a->kind) : 0;
	/* enough hits to count what is left out, after the kind filter */
	query_search(txn, a->query, SEARCH_CAP, &ids, NULL);
	size_t w = 0;
	for (size_t i = 0; i < ids.n; i++) {
		rec_entity e;
		if (!kind || (query_entity(txn, ids.v[i], &e) == PT_OK && e.kind == kind))
			ids.v[w++] = ids.v[i];
	}
	ids.n = w;
	json_object_set_new(ans->out, "status", json_string("ok"));
	pt_strbuf_printf(&ans->text, "items matching '%s'%s%s (exact, prefix, fuzzy):\n", a->query,
			 kind ? ", kind " : "", kind ? a->kind : "");
	/* search keeps its own order (the match); no ranking */
	mcp_list l;
	pt_strbuf line = {0};
	mcp_list_begin(&l, ans, a);
	for (size_t i = 0; i < ids.n; i++) {
		rank_group g = RANK_WORKSPACE;
		rank_group_of(txn, 0, ids.v[i], &g);
		line.len = 0;
		json_t *item = def_item(txn, ids.v[i], g, &line);
		mcp_list_add(&l, item, pt_strbuf_cstr(&line), g);
	}
	mcp_list_end(&l, "search", NULL, ids.n);
	pt_strbuf_free(&line);
	pt_vec_free(&ids);
}

static int cmp_position(const void *x, const void *y, void *txn)
{
	rec_entity a, b;
	uint64_t ia = *(const uint64_t *)x, ib = *(const uint64_t *)y;
	if (query_entity(txn, ia, &a) != PT_OK || query_entity(txn, ib, &b) != PT_OK)
		return ia < ib ? -1 : ia > ib;
	if (a.sl != b.sl)
		return a.sl < b.sl ? -1 : 1;
	if (a.sc != b.sc)
		return a.sc < b.sc ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

void mcp_tool_entities_in_file(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans)
{
	(void)s;
	query_ids ids = {0};
	cli_opts o = {.limit = 0};
	int kind = a->kind ? pt_kind_from_name(a->kind) : 0;
	if (cli_targets_for(txn, Q_FILE, a->file, &o, &ids) != PT_OK) {
		pt_strbuf_printf(&ans->error,
				 "'%s' is not an indexed file: give a path relative to the "
				 "workspace root (as the other answers show them), e.g. src/lib.rs",
				 a->file);
		pt_vec_free(&ids);
		return;
	}
	size_t w = 0;
	for (size_t i = 0; i < ids.n; i++) {
		rec_entity e;
		if (!kind || (query_entity(txn, ids.v[i], &e) == PT_OK && e.kind == kind))
			ids.v[w++] = ids.v[i];
	}
	ids.n = w;
	if (ids.n) /* qsort with no array is undefined, even of nothing */
		qsort_r(ids.v, ids.n, sizeof *ids.v, cmp_position, txn);
	json_object_set_new(ans->out, "status", json_string("ok"));
	pt_strbuf_printf(&ans->text, "items in %s, in source order:\n", a->file);
	mcp_list l;
	pt_strbuf line = {0};
	mcp_list_begin(&l, ans, a);
	for (size_t i = 0; i < ids.n; i++) {
		rank_group g = RANK_WORKSPACE;
		rank_group_of(txn, 0, ids.v[i], &g);
		line.len = 0;
		json_t *item = def_item(txn, ids.v[i], g, &line);
		mcp_list_add(&l, item, pt_strbuf_cstr(&line), g);
	}
	mcp_list_end(&l, "entities_in_file", NULL, ids.n);
	pt_strbuf_free(&line);
	pt_vec_free(&ids);
}

/* ---- cycles ------------------------------------------------------------------------ */

/* A cycle's members in the answer: at most this many each. */
#define MAX_MEMBERS 20

static json_t *cycle_item(store_txn *txn, const query_cycle_set *c, size_t i, pt_strbuf *line)
{
	uint32_t a = c->starts.v[i], b = c->starts.v[i + 1];
	const char *level = c->level.v[i] == CYCLES_MODULE ? "module" : "function";
	json_t *members = json_array();
	pt_strbuf_printf(line, "- %s cycle of %u: ", level, b - a);
	for (uint32_t j = a; j < b; j++) {
		if (j - a >= MAX_MEMBERS) {
			pt_strbuf_printf(line, " → … %u more", b - j);
			break;
		}
		json_t *e = mcp_entity_json(txn, c->members.v[j], false);
		if (e)
			json_array_append_new(members, e);
		if (j > a)
			pt_strbuf_adds(line, " → ");
		mcp_entity_text(txn, c->members.v[j], line);
	}
	return json_pack("{s:s,s:i,s:o}", "level", level, "size", (json_int_t)(b - a), "members",
			 members);
}

void mcp_tool_find_cycles(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans)
{
	(void)s;
	int levels = CYCLES_MODULE | CYCLES_FUNCTION;
	if (a->level && strcmp(a->level, "module") == 0)
		levels = CYCLES_MODULE;
	else if (a->level && strcmp(a->level, "function") == 0)
		levels = CYCLES_FUNCTION;
	query_cycle_set c = {0};
	if (query_cycles(txn, levels, &c) != PT_OK) {
		pt_strbuf_adds(&ans->error, "cannot read the graph now; try again");
		query_cycle_set_free(&c);
		return;
	}
	json_object_set_new(ans->out, "status", json_string("ok"));
	pt_strbuf_printf(&ans->text, "%zu dependency cycle%s (%s):\n", c.level.n,
			 c.level.n == 1 ? "" : "s", a->level ? a->level : "modules and functions");
	mcp_list l;
	pt_strbuf line = {0};
	mcp_list_begin(&l, ans, a);
	for (size_t i = 0; i < c.level.n; i++) {
		line.len = 0;
		json_t *item = cycle_item(txn, &c, i, &line);
		mcp_list_add(&l, item, pt_strbuf_cstr(&line), RANK_WORKSPACE);
	}
	mcp_list_end(&l, "find_cycles", NULL, c.level.n);
	pt_strbuf_free(&line);
	query_cycle_set_free(&c);
}
