/* cli/mcp_context.c — the context tool: what to know before working on
 * one item, within a token budget.
 *
 * The budget is spent in this order: the title (path, location, parent),
 * room for the first three items of each section, the source (at most a
 * third of the budget, cut at a line end; the signature alone when there
 * is no room), then the five sections (called by, calls, implementations,
 * uses, used by). Each section's items are ranked (graph/rank.h); the
 * sections first get an equal share of what is left, in turn, and what a
 * section does not use goes to the next, so a short section never starves
 * a long one and a long one never crowds out the rest. Each section says
 * how many items it has and, per group, how many it left out.
 */
#define _GNU_SOURCE
#include "mcp_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_SECTIONS 5
/* Room for the closing of the answer (the hint, the index's state), for
 * each section's heading and counts, and how many items of each section
 * come before the source. */
#define CLOSING     240
#define HEADING     90
#define FIRST_ITEMS 3

bool mcp_source_lines(const mcp_server *s, const char *rel, uint32_t first, uint32_t last,
		      size_t max, pt_strbuf *out)
{
	pt_strbuf path = {0};
	size_t len = 0;
	pt_strbuf_printf(&path, "%s/%s", s->cfg.root, rel);
	char *text = *rel ? pt_read_file(path.buf, &len) : NULL;
	pt_strbuf_free(&path);
	if (!text)
		return false;
	const char *p = text, *end = text + len;
	for (uint32_t line = 1; line < first && p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	size_t start = out->len;
	for (uint32_t line = first; line <= last && p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl + 1 : end) - p);
		if (out->len - start + n > max)
			break;
		pt_strbuf_add(out, p, n);
		p += n;
	}
	free(text);
	mcp_utf8_clean(out->buf + start, out->len - start);
	return true;
}

/* ---- sections ------------------------------------------------------------------------ */

typedef struct {
	const char *key, *title, *tool;
	query_results r;
	rank_list order;
	size_t take;                       /* how many of order are shown */
	PT_VEC(size_t) text_len, json_len; /* per ranked item */
	size_t used_text, used_json;
} section;

/* Items of section i (ranked) and the size of each rendered. */
static void measure(store_txn *txn, section *sec)
{
	pt_strbuf line = {0};
	for (size_t i = 0; i < sec->order.n && i < 400; i++) {
		line.len = 0;
		const rank_entry *e = &sec->order.v[i];
		json_t *o = mcp_ref_item(txn, &sec->r, &sec->r.items.v[e->item], e->group, &line);
		size_t jl = o ? json_dumpb(o, NULL, 0, JSON_COMPACT) + 1 : 0;
		pt_vec_push(&sec->text_len, line.len + 1);
		pt_vec_push(&sec->json_len, jl);
		json_decref(o);
	}
	pt_strbuf_free(&line);
}

/* Take items of sec while each rendering stays within its share. */
static void take(section *sec, size_t text_share, size_t json_share)
{
	while (sec->take < sec->text_len.n) {
		size_t t = sec->text_len.v[sec->take], j = sec->json_len.v[sec->take];
		if (sec->used_text + t > text_share || sec->used_json + j > json_share)
			break;
		sec->used_text += t;
		sec->used_json += j;
		sec->take++;
	}
}

static size_t sub(size_t a, size_t b)
{
	return a > b ? a - b : 0;
}

/* text and json: what is left of each budget. */
static void share_out(section *secs, size_t text, size_t json)
{
	size_t nonempty = 0;
	for (int i = 0; i < N_SECTIONS; i++)
		nonempty += secs[i].order.n > 0;
	/* an equal share in turn; what one does not use goes to the next */
	for (int i = 0; i < N_SECTIONS; i++) {
		if (!secs[i].order.n)
			continue;
		take(&secs[i], text / nonempty, json / nonempty);
		nonempty--;
		text = sub(text, secs[i].used_text);
		json = sub(json, secs[i].used_json);
	}
	/* then, in order, whatever is still free */
	for (int i = 0; i < N_SECTIONS; i++) {
		size_t t0 = secs[i].used_text, j0 = secs[i].used_json;
		take(&secs[i], t0 + text, j0 + json);
		text = sub(text, secs[i].used_text - t0);
		json = sub(json, secs[i].used_json - j0);
	}
}

/* A type's implementations are the traits it implements: the item names
 * the trait, not the type again. */
static void traits_of_type(query_results *r)
{
	for (size_t i = 0; i < r->items.n; i++)
		r->items.v[i].id = r->items.v[i].other;
}

typedef struct {
	rec_edge e;
	uint32_t at;
} near_edge;

static int cmp_near(const void *a, const void *b)
{
	const near_edge *x = a, *y = b;
	if (x->e.other != y->e.other)
		return x->e.other < y->e.other ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* USES edges in one direction, one item per far end with its sites;
 * `use` declarations left out (they name, they do not use). */
static void uses(store_txn *txn, uint64_t id, int dir, query_results *r)
{
	PT_VEC(near_edge) v = {0};
	query_edges it;
	near_edge n = {0};
	query_edges_open(txn, id, dir, &it);
	while (query_edges_next(&it, &n.e)) {
		if (n.e.kind == REL_USES && !(n.e.flags & EDGE_IMPORT))
			pt_vec_push(&v, n);
		n.at++;
	}
	if (v.n) /* qsort with no array is undefined, even of nothing */
		qsort(v.v, v.n, sizeof *v.v, cmp_near);
	for (size_t i = 0; i < v.n; i++) {
		const rec_edge *e = &v.v[i].e;
		if (!i || e->other != v.v[i - 1].e.other) {
			query_item ni = {.id = e->other,
					 .for_id = id,
					 .rel = REL_USES,
					 .site_off = (uint32_t)r->sites.n};
			pt_vec_push(&r->items, ni);
		}
		query_site st = {e->file, e->sl, e->sc, e->el, e->ec};
		pt_vec_push(&r->sites, st);
		r->items.v[r->items.n - 1].site_n++;
	}
	pt_vec_free(&v);
}

static void gather(store_txn *txn, uint64_t id, const rec_entity *e, section *secs)
{
	static const char *const keys[N_SECTIONS] = {"called_by", "calls", "implementations",
						     "uses", "used_by"};
	static const char *const tools[N_SECTIONS] = {"callers", "callees", "what_implements", NULL,
						      "references"};
	bool is_trait = e->kind == PT_TRAIT || e->kind == PT_METHOD;
	const char *titles[N_SECTIONS] = {"called by", "calls",
					  is_trait ? "implemented by" : "implements", "uses",
					  "used by"};
	for (int i = 0; i < N_SECTIONS; i++)
		secs[i] = (section){.key = keys[i], .title = titles[i], .tool = tools[i]};
	query_callers(txn, id, 0, &secs[0].r);
	query_callees(txn, id, 0, &secs[1].r);
	query_what_implements(txn, id, 0, &secs[2].r);
	if (!is_trait)
		traits_of_type(&secs[2].r);
	uses(txn, id, QUERY_OUT, &secs[3].r);
	uses(txn, id, QUERY_IN, &secs[4].r);
	for (int i = 0; i < N_SECTIONS; i++)
		rank_results(txn, &secs[i].r, &secs[i].order);
}

static void emit_section(store_txn *txn, section *sec, const char *target, mcp_answer *ans,
			 json_t *sections, bool *cut)
{
	size_t omitted[RANK_GROUPS] = {0};
	json_t *shown = json_array(), *om = json_object();
	size_t total = sec->order.n;
	for (size_t i = sec->take; i < total; i++)
		omitted[sec->order.v[i].group]++;
	pt_strbuf_printf(&ans->text, "\n## %s (%zu", sec->title, total);
	if (sec->take < total) {
		*cut = true;
		pt_strbuf_printf(&ans->text, ", %zu shown; not shown: ", sec->take);
		mcp_omitted_text(omitted, &ans->text);
		pt_strbuf_adds(&ans->text, ";");
		for (int g = 0; g < RANK_GROUPS; g++)
			if (omitted[g])
				json_object_set_new(om, rank_group_name(g),
						    json_integer((json_int_t)omitted[g]));
		if (sec->tool)
			pt_strbuf_printf(&ans->text, " more with %s on \"%s\"", sec->tool, target);
		else
			pt_strbuf_adds(&ans->text, " more with a larger tokens");
	}
	pt_strbuf_adds(&ans->text, ")\n");
	pt_strbuf line = {0};
	for (size_t i = 0; i < sec->take; i++) {
		const rank_entry *e = &sec->order.v[i];
		line.len = 0;
		json_t *o = mcp_ref_item(txn, &sec->r, &sec->r.items.v[e->item], e->group, &line);
		if (o)
			json_array_append_new(shown, o);
		pt_strbuf_add(&ans->text, line.buf, line.len);
		pt_strbuf_addc(&ans->text, '\n');
	}
	pt_strbuf_free(&line);
	json_object_set_new(sections, sec->key,
			    json_pack("{s:i,s:o,s:o}", "total", (json_int_t)total, "shown", shown,
				      "omitted", om));
}

static void free_section(section *sec)
{
	query_results_free(&sec->r);
	pt_vec_free(&sec->order);
	pt_vec_free(&sec->text_len);
	pt_vec_free(&sec->json_len);
}

/* ---- the header and the source ---------------------------------------------------- */

static void title(store_txn *txn, const rec_entity *e, mcp_answer *ans)
{
	const char *file = query_file_path(txn, e->file);
	pt_strbuf_printf(&ans->text, "# %s %s\n", pt_kind_name(e->kind), e->qpath);
	if (*file)
		pt_strbuf_printf(&ans->text, "%s:%u-%u", file, e->sl + 1, e->el + 1);
	else
		pt_strbuf_adds(&ans->text, "outside the workspace");
	rec_entity p;
	if (e->parent && query_entity(txn, e->parent, &p) == PT_OK) {
		pt_strbuf_printf(&ans->text, ", in %s %s", pt_kind_name(p.kind), p.qpath);
		json_object_set_new(ans->out, "parent", json_string(p.qpath));
	}
	pt_strbuf_addc(&ans->text, '\n');
}

/* The item's source, at most max bytes (it appears in both renderings);
 * the signature alone when there is no room for more. */
static void source(mcp_server *s, store_txn *txn, const rec_entity *e, size_t max, mcp_answer *ans,
		   bool *cut)
{
	const char *file = query_file_path(txn, e->file);
	pt_strbuf src = {0};
	if (max >= 160 && *file && mcp_source_lines(s, file, e->sl + 1, e->el + 1, max, &src) &&
	    src.len) {
		uint32_t shown = 0, lines = e->el - e->sl + 1;
		for (size_t i = 0; i < src.len; i++)
			shown += src.buf[i] == '\n';
		bool part = shown < lines && !(src.buf[src.len - 1] != '\n' && shown + 1 >= lines);
		pt_strbuf_printf(&ans->text, "```rust\n%.*s%s```\n", (int)src.len, src.buf,
				 src.buf[src.len - 1] != '\n' ? "\n" : "");
		if (part) {
			*cut = true;
			pt_strbuf_printf(&ans->text, "(source cut: lines %u-%u of %s not shown)\n",
					 e->sl + 1 + shown, e->el + 1, file);
		}
		json_object_set_new(ans->out, "source", json_stringn(src.buf, src.len));
		json_object_set_new(ans->out, "source_truncated", json_boolean(part));
	} else if (*e->sig) {
		*cut |= *file != 0;
		pt_strbuf_printf(&ans->text, "```rust\n%s\n```\n", e->sig);
	}
	pt_strbuf_free(&src);
}

/* Room kept for the first items of every section before the source is
 * given its share: the callers a reviewer names first matter more than
 * the end of a long body. */
static size_t first_items(const section *secs)
{
	size_t n = 0;
	for (int i = 0; i < N_SECTIONS; i++) {
		if (!secs[i].order.n)
			continue;
		n += HEADING;
		for (size_t k = 0; k < secs[i].text_len.n && k < FIRST_ITEMS; k++)
			n += secs[i].text_len.v[k] > secs[i].json_len.v[k] ? secs[i].text_len.v[k]
									   : secs[i].json_len.v[k];
	}
	return n;
}

static size_t json_size(const json_t *o)
{
	return json_dumpb(o, NULL, 0, JSON_COMPACT);
}

void mcp_tool_context(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans)
{
	uint64_t id;
	rec_entity e;
	if (!mcp_one_target(txn, Q_CONTEXT, a->target, a, ans, &id) ||
	    query_entity(txn, id, &e) != PT_OK)
		return;
	bool cut = false;
	title(txn, &e, ans);
	section secs[N_SECTIONS];
	gather(txn, id, &e, secs);
	for (int i = 0; i < N_SECTIONS; i++)
		measure(txn, &secs[i]);
	size_t used = ans->text.len > json_size(ans->out) ? ans->text.len : json_size(ans->out);
	size_t budget = ans->budget < ans->json_budget ? ans->budget : ans->json_budget;
	/* the source: a third of the budget at most, after the first items */
	size_t room = sub(budget, used + CLOSING + first_items(secs));
	source(s, txn, &e, room < budget / 3 ? room : budget / 3, ans, &cut);
	size_t fixed = CLOSING;
	for (int i = 0; i < N_SECTIONS; i++)
		fixed += secs[i].order.n ? HEADING : 0;
	share_out(secs, sub(ans->budget, ans->text.len + fixed),
		  sub(ans->json_budget, json_size(ans->out) + fixed));
	json_t *sections = json_object();
	for (int i = 0; i < N_SECTIONS; i++) {
		if (secs[i].order.n)
			emit_section(txn, &secs[i], e.qpath, ans, sections, &cut);
		else
			json_object_set_new(
				sections, secs[i].key,
				json_pack("{s:i,s:[],s:{}}", "total", 0, "shown", "omitted"));
		free_section(&secs[i]);
	}
	json_object_set_new(ans->out, "sections", sections);
	size_t tokens =
		(ans->text.len * 10 + MCP_BYTES_PER_10_TOKENS - 1) / MCP_BYTES_PER_10_TOKENS;
	json_object_set_new(ans->out, "tokens", json_integer((json_int_t)tokens));
	json_object_set_new(ans->out, "truncated", json_boolean(cut));
	if (cut)
		mcp_hint(ans,
			 "cut to the budget of %ld tokens: raise tokens, or ask the tool a "
			 "section names for its whole list",
			 a->tokens);
}
