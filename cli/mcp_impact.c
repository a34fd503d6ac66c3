/* cli/mcp_impact.c — the impact tool: what a change touches and what may
 * break because of it.
 *
 * The change comes from git (`git diff --unified=0 REV`: the lines each
 * hunk leaves in the working tree) or, without git, from a list of files
 * (every item in them counts as changed). A changed line belongs to the
 * innermost item whose span holds it; the change is to the signature when
 * it falls between the item's first line and the brace or semicolon that
 * ends its header (for types, traits, consts and statics the whole item
 * is interface), else to the body. Then the blast radius of every changed
 * item, merged (each affected item once, at its smallest depth), ranked.
 *
 * git runs without a shell, with the revision checked and after
 * --end-of-options (so no argument becomes an option), with no external
 * diff, textconv or fsmonitor program, and without taking the index lock
 * (GIT_OPTIONAL_LOCKS=0): it reads, it writes nothing.
 */
#define _GNU_SOURCE
#include "mcp_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A diff longer than this is not read (the answer says so). */
#define MAX_DIFF  ((size_t)32 << 20)
#define GIT_MS    10000
#define BLAST_CAP 20000

typedef struct {
	uint32_t file;        /* file id */
	uint32_t first, last; /* 1-based lines, in the working tree */
} span;

typedef struct {
	PT_VEC(span) spans;
	PT_VEC(char *) files;   /* changed Rust files, as git names them */
	PT_VEC(char *) deleted; /* Rust files the change removes */
	PT_VEC(char *) unknown; /* changed Rust files not in the index */
	bool whole_files;       /* no git: every item of the files changed */
} change;

static void change_free(change *c)
{
	pt_vec_free(&c->spans);
	for (size_t i = 0; i < c->files.n; i++)
		free(c->files.v[i]);
	for (size_t i = 0; i < c->deleted.n; i++)
		free(c->deleted.v[i]);
	for (size_t i = 0; i < c->unknown.n; i++)
		free(c->unknown.v[i]);
	pt_vec_free(&c->files);
	pt_vec_free(&c->deleted);
	pt_vec_free(&c->unknown);
}

static bool rust_path(const char *p)
{
	if (!p) /* a diff without a "---" line before its "+++" */
		return false;
	size_t n = strlen(p);
	return n > 3 && strcmp(p + n - 3, ".rs") == 0;
}

/* A revision or range git may take: no option, no shell word. */
static bool valid_rev(const char *r)
{
	if (!*r || *r == '-' || strlen(r) > 200)
		return false;
	for (const char *p = r; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_./~^@{}:+-", *p))
			return false;
	return true;
}

/* ---- git ---------------------------------------------------------------------------- */

static int git(const mcp_server *s, const char *const *args, pt_strbuf *out)
{
	char *argv[32];
	size_t n = 0;
	static const char *const head[] = {"env",
					   "GIT_OPTIONAL_LOCKS=0",
					   "GIT_TERMINAL_PROMPT=0",
					   "git",
					   "-c",
					   "core.fsmonitor=false",
					   "-c",
					   "core.quotepath=off"};
	for (size_t i = 0; i < sizeof head / sizeof *head; i++)
		argv[n++] = (char *)head[i];
	for (size_t i = 0; args[i] && n < 31; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	return mcp_run_capture(s->cfg.root, argv, MAX_DIFF, GIT_MS, out);
}

/* "+++ b/path" or "+++ /dev/null" (git quotes a name with unusual bytes:
 * such a path is taken without its quotes, which is enough for Rust
 * sources). */
static char *diff_path(const char *line, size_t n)
{
	const char *p = line + 4;
	size_t k = n - 4;
	if (k && *p == '"') {
		p++;
		k -= k > 1 ? 2 : 1;
	}
	if (k >= 2 && p[1] == '/' && (p[0] == 'a' || p[0] == 'b')) {
		p += 2;
		k -= 2;
	}
	return pt_xstrndup(p, k);
}

static void add_span(store_txn *txn, change *c, const char *path, uint32_t first, uint32_t last)
{
	uint32_t f;
	if (!path || !rust_path(path) || query_file_id(txn, path, &f) != PT_OK)
		return;
	span sp = {f, first ? first : 1, last ? last : 1};
	pt_vec_push(&c->spans, sp);
}

static void parse_diff(store_txn *txn, const char *d, size_t len, change *c)
{
	char *minus = NULL, *plus = NULL;
	for (const char *p = d, *end = d + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (n >= 4 && strncmp(p, "--- ", 4) == 0) {
			free(minus);
			minus = diff_path(p, n);
		} else if (n >= 4 && strncmp(p, "+++ ", 4) == 0) {
			free(plus);
			plus = diff_path(p, n);
			uint32_t f;
			const char *name = strcmp(plus, "/dev/null") == 0 ? minus : plus;
			if (strcmp(plus, "/dev/null") == 0 && rust_path(minus))
				pt_vec_push(&c->deleted, pt_xstrdup(minus));
			else if (rust_path(name) && query_file_id(txn, name, &f) != PT_OK)
				pt_vec_push(&c->unknown, pt_xstrdup(name));
			else if (rust_path(name))
				pt_vec_push(&c->files, pt_xstrdup(name));
		} else if (n > 4 && strncmp(p, "@@ -", 4) == 0 && plus &&
			   strcmp(plus, "/dev/null") != 0) {
			/* @@ -a[,b] +c[,d] @@: lines c .. c+d-1 are new; d = 0 is a
			 * removal between c and c+1 */
			const char *q = memchr(p, '+', n);
			unsigned long first = q ? strtoul(q + 1, NULL, 10) : 0, count = 1;
			const char *comma = q ? q + 1 + strspn(q + 1, "0123456789") : NULL;
			if (comma && *comma == ',')
				count = strtoul(comma + 1, NULL, 10);
			if (first <= UINT32_MAX && count <= UINT32_MAX)
				add_span(txn, c, plus, (uint32_t)first,
					 (uint32_t)(count ? first + count - 1 : first + 1));
		}
		p = nl ? nl + 1 : end;
	}
	free(minus);
	free(plus);
}

/* Untracked Rust files (new files the agent wrote): changed whole. */
static void untracked(const mcp_server *s, store_txn *txn, change *c)
{
	static const char *const args[] = {"ls-files", "--others", "--exclude-standard", "-z", "--",
					   "*.rs",     NULL};
	pt_strbuf out = {0};
	if (git(s, args, &out) == 0)
		for (size_t i = 0; i < out.len;) {
			const char *p = out.buf + i;
			size_t n = strnlen(p, out.len - i);
			char *path = pt_xstrndup(p, n);
			uint32_t f;
			if (query_file_id(txn, path, &f) == PT_OK) {
				add_span(txn, c, path, 1, UINT32_MAX);
				pt_vec_push(&c->files, path);
			} else {
				free(path);
			}
			i += n + 1;
		}
	pt_strbuf_free(&out);
}

/* The change git sees: false with the reason in err. */
static bool from_git(const mcp_server *s, store_txn *txn, const mcp_args *a, change *c,
		     pt_strbuf *err)
{
	const char *rev = a->diff ? a->diff : "HEAD";
	const char *args[40] = {"diff",        "--no-color", "--no-ext-diff",    "--no-textconv",
				"--unified=0", "--relative", "--end-of-options", rev,
				"--"};
	size_t n = 9;
	for (size_t i = 0; a->files && i < json_array_size(a->files) && n < 20; i++)
		args[n++] = json_string_value(json_array_get(a->files, i));
	args[n] = NULL;
	pt_strbuf out = {0};
	int rc = git(s, args, &out);
	if (rc != 0) {
		pt_strbuf_printf(err,
				 "git diff %s failed in %s (not a git work tree, or not a revision "
				 "git knows): pass files instead, or a diff such as HEAD or "
				 "main...HEAD",
				 rev, s->cfg.root);
		pt_strbuf_free(&out);
		return false;
	}
	parse_diff(txn, out.buf ? out.buf : "", out.len, c);
	pt_strbuf_free(&out);
	/* the working tree is compared: new files count too */
	if (!strstr(rev, "..") && !a->files)
		untracked(s, txn, c);
	return true;
}

static bool from_files(store_txn *txn, const mcp_args *a, change *c, pt_strbuf *err)
{
	c->whole_files = true;
	for (size_t i = 0; i < json_array_size(a->files); i++) {
		const char *p = json_string_value(json_array_get(a->files, i));
		uint32_t f;
		if (query_file_id(txn, p, &f) != PT_OK) {
			pt_vec_push(&c->unknown, pt_xstrdup(p));
			continue;
		}
		pt_vec_push(&c->files, pt_xstrdup(p));
		add_span(txn, c, p, 1, UINT32_MAX);
	}
	if (!c->files.n && !c->unknown.n)
		pt_strbuf_adds(err, "no files given");
	return c->files.n || c->unknown.n;
}

/* ---- changed items ------------------------------------------------------------------- */

typedef struct {
	uint64_t id;
	bool signature;
	bool whole; /* in a file that changed as a whole (new, or no git) */
} changed;
typedef PT_VEC(changed) changed_list;
typedef PT_VEC(uint32_t) u32_list;

static bool interface_kind(int k)
{
	return k == PT_STRUCT || k == PT_ENUM || k == PT_UNION || k == PT_TRAIT ||
	       k == PT_TYPE_ALIAS || k == PT_CONST || k == PT_STATIC || k == PT_MACRO;
}

/* The last line of an item's header: where its body's `{` (or the `;`
 * of a declaration) is, outside parentheses and brackets. */
static uint32_t header_end(const mcp_server *s, store_txn *txn, const rec_entity *e)
{
	pt_strbuf src = {0};
	uint32_t line = e->sl + 1, end = e->sl + 1;
	if (mcp_source_lines(s, query_file_path(txn, e->file), e->sl + 1, e->el + 1, 1u << 20,
			     &src)) {
		int depth = 0;
		for (size_t i = 0; i < src.len; i++) {
			char ch = src.buf[i];
			if (ch == '\n')
				line++;
			else if (ch == '(' || ch == '[')
				depth++;
			else if ((ch == ')' || ch == ']') && depth > 0)
				depth--;
			else if ((ch == '{' || ch == ';') && !depth) {
				end = line;
				break;
			}
		}
	}
	pt_strbuf_free(&src);
	return end;
}

typedef struct {
	uint64_t id;
	uint64_t size;
	uint32_t sl, el; /* 1-based */
} span_ent;

static int cmp_size(const void *a, const void *b)
{
	const span_ent *x = a, *y = b;
	return x->size < y->size ? -1 : x->size > y->size;
}

static void mark(changed_list *out, uint64_t id, bool sig, bool whole)
{
	for (size_t j = 0; j < out->n; j++)
		if (out->v[j].id == id) {
			out->v[j].signature |= sig;
			out->v[j].whole &= whole;
			return;
		}
	changed ch = {id, sig, whole};
	pt_vec_push(out, ch);
}

/* The items of one span: each changed line's innermost item. */
static void span_items(const mcp_server *s, store_txn *txn, const span *sp, changed_list *out)
{
	query_ids ids = {0};
	query_file_entities(txn, sp->file, &ids);
	span_ent *v = pt_xcalloc(ids.n + 1, sizeof *v);
	size_t n = 0;
	uint32_t last_line = 0;
	for (size_t k = 0; k < ids.n; k++) {
		rec_entity e;
		if (query_entity(txn, ids.v[k], &e) != PT_OK)
			continue;
		v[n++] = (span_ent){ids.v[k], (uint64_t)e.end_byte - e.start_byte, e.sl + 1,
				    e.el + 1};
		if (e.el + 1 > last_line)
			last_line = e.el + 1;
	}
	qsort(v, n, sizeof *v, cmp_size);
	/* a whole file (new, or no git): every item counts, as interface */
	bool whole = sp->first <= 1 && sp->last == UINT32_MAX;
	bool *hit = pt_xcalloc(n + 1, sizeof *hit);
	uint32_t last = sp->last < last_line ? sp->last : last_line;
	for (uint32_t l = sp->first; !whole && l <= last; l++)
		for (size_t k = 0; k < n; k++)
			if (l >= v[k].sl && l <= v[k].el) {
				hit[k] = true; /* the smallest holding l: the innermost */
				break;
			}
	for (size_t k = 0; k < n; k++) {
		rec_entity e;
		if ((!whole && !hit[k]) || query_entity(txn, v[k].id, &e) != PT_OK)
			continue;
		bool sig = whole || interface_kind(e.kind) ||
			   (sp->first <= header_end(s, txn, &e) && sp->last >= v[k].sl);
		mark(out, v[k].id, sig, whole);
	}
	free(hit);
	free(v);
	pt_vec_free(&ids);
}

static void changed_items(const mcp_server *s, store_txn *txn, const change *c, changed_list *out)
{
	for (size_t i = 0; i < c->spans.n && out->n < BLAST_CAP; i++)
		span_items(s, txn, &c->spans.v[i], out);
}

/* ---- the answer ------------------------------------------------------------------------- */

static json_t *names(char **v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static void report_changed(store_txn *txn, const change *c, const changed_list *ch, mcp_answer *ans,
			   size_t limit)
{
	json_t *list = json_array();
	size_t shown = 0;
	pt_strbuf_printf(&ans->text, "changed: %zu item%s in %zu file%s%s\n", ch->n,
			 ch->n == 1 ? "" : "s", c->files.n, c->files.n == 1 ? "" : "s",
			 c->whole_files ? " (every item of the files given)" : "");
	size_t json_len = 0;
	for (size_t i = 0; i < ch->n; i++) {
		/* the changed list takes at most half of each budget */
		if (shown >= limit ||
		    (shown && (ans->text.len * 2 > ans->budget || json_len * 2 > ans->json_budget)))
			break;
		const char *what = ch->v[i].whole       ? "file"
				   : ch->v[i].signature ? "signature"
							: "body";
		json_t *o = mcp_entity_json(txn, ch->v[i].id, false);
		rank_group g = RANK_WORKSPACE;
		rank_group_of(txn, 0, ch->v[i].id, &g);
		if (!o)
			continue;
		json_object_set_new(o, "change", json_string(what));
		json_object_set_new(o, "group", json_string(rank_group_name(g)));
		json_len += json_dumpb(o, NULL, 0, JSON_COMPACT) + 1;
		json_array_append_new(list, o);
		pt_strbuf_adds(&ans->text, "- ");
		mcp_entity_text(txn, ch->v[i].id, &ans->text);
		pt_strbuf_printf(&ans->text, " — %s\n", what);
		shown++;
	}
	if (shown < ch->n)
		mcp_hint(ans, "%zu more changed items not shown: raise tokens or limit",
			 ch->n - shown);
	for (size_t i = 0; i < c->deleted.n; i++)
		pt_strbuf_printf(&ans->text, "deleted: %s\n", c->deleted.v[i]);
	if (c->deleted.n)
		mcp_hint(ans,
			 "%zu deleted file%s: %s items are gone from the graph, and calls to "
			 "them are now unresolved (search for their names)",
			 c->deleted.n, c->deleted.n == 1 ? "" : "s",
			 c->deleted.n == 1 ? "its" : "their");
	if (c->unknown.n)
		mcp_hint(ans,
			 "%zu changed Rust file%s not in the index (outside the workspace, "
			 "or skipped): %s%s",
			 c->unknown.n, c->unknown.n == 1 ? " is" : "s are", c->unknown.v[0],
			 c->unknown.n > 1 ? ", …" : "");
	json_object_set_new(ans->out, "changed", list);
	json_object_set_new(ans->out, "changed_total", json_integer((json_int_t)ch->n));
	json_object_set_new(ans->out, "files", names(c->files.v, c->files.n));
	json_object_set_new(ans->out, "deleted_files", names(c->deleted.v, c->deleted.n));
}

typedef struct {
	uint64_t id;
	uint32_t pos; /* in rank order */
} id_pos;

static int cmp_id_pos(const void *a, const void *b)
{
	const id_pos *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The rank positions to show: the first of each entity, none of the
 * changed ones, in rank order. Returns how many. */
static size_t first_of_each(const query_results *r, const rank_list *order, const changed_list *ch,
			    u32_list *keep)
{
	if (!order->n || !r->items.v)
		return 0;
	id_pos *v = pt_xcalloc(order->n + 1, sizeof *v);
	uint64_t *changed_ids = pt_xcalloc(ch->n + 1, sizeof *changed_ids);
	bool *first = pt_xcalloc(order->n + 1, sizeof *first);
	for (size_t i = 0; i < ch->n; i++)
		changed_ids[i] = ch->v[i].id;
	qsort(changed_ids, ch->n, sizeof *changed_ids, cmp_u64);
	for (size_t i = 0; i < order->n; i++)
		v[i] = (id_pos){r->items.v[order->v[i].item].id, (uint32_t)i};
	qsort(v, order->n, sizeof *v, cmp_id_pos);
	for (size_t i = 0; i < order->n; i++)
		if ((!i || v[i].id != v[i - 1].id) &&
		    !bsearch(&v[i].id, changed_ids, ch->n, sizeof *changed_ids, cmp_u64))
			first[v[i].pos] = true;
	for (size_t i = 0; i < order->n; i++)
		if (first[i])
			pt_vec_push(keep, (uint32_t)i);
	free(first);
	free(changed_ids);
	free(v);
	return keep->n;
}

/* The blast radius of every changed item, merged and ranked. */
static void report_affected(store_txn *txn, const changed_list *ch, const mcp_args *a,
			    mcp_answer *ans)
{
	query_results r = {0};
	rank_list order = {0};
	for (size_t i = 0; i < ch->n && r.items.n < BLAST_CAP; i++)
		query_blast_radius(txn, ch->v[i].id, (uint32_t)a->depth, BLAST_CAP, &r);
	rank_results_by_depth(txn, &r, &order);
	/* each item once: the first in rank order is the nearest; changed
	 * items are listed above already */
	u32_list keep = {0};
	size_t unique = first_of_each(&r, &order, ch, &keep);
	pt_strbuf_printf(&ans->text, "\nmay break (blast radius, depth %ld): %zu\n", a->depth,
			 unique);
	mcp_list l;
	pt_strbuf line = {0};
	mcp_list_begin(&l, ans, a);
	for (size_t k = 0; k < keep.n; k++) {
		const rank_entry *e = &order.v[keep.v[k]];
		const query_item *it = &r.items.v[e->item];
		json_t *o = mcp_entity_json(txn, it->id, false);
		line.len = 0;
		pt_strbuf_adds(&line, "- ");
		mcp_entity_text(txn, it->id, &line);
		pt_strbuf_printf(&line, " — depth %u", it->depth);
		mcp_group_tag(e->group, &line);
		json_t *via = json_array();
		for (uint32_t v = 0; v < it->via_n; v++) {
			rec_entity ve;
			if (query_entity(txn, r.via.v[it->via_off + v], &ve) != PT_OK)
				continue;
			json_array_append_new(via, json_string(ve.qpath));
			pt_strbuf_printf(&line, "%s%s", v == 0 ? " from " : " → ", ve.qpath);
			if (v + 2 >= it->via_n)
				break;
		}
		if (o) {
			json_object_set_new(o, "group", json_string(rank_group_name(e->group)));
			json_object_set_new(o, "depth", json_integer(it->depth));
			json_object_set_new(o, "relation", json_string(pt_rel_name(it->rel)));
			json_object_set_new(o, "via", via);
		} else {
			json_decref(via);
		}
		mcp_list_add(&l, o, pt_strbuf_cstr(&line), e->group);
	}
	mcp_list_end(&l, "impact", NULL, unique);
	/* the list helper names its array "items": impact calls it "affected" */
	json_object_set(ans->out, "affected", l.items);
	json_object_del(ans->out, "items");
	json_object_set_new(ans->out, "affected_total", json_integer((json_int_t)unique));
	pt_strbuf_free(&line);
	pt_vec_free(&keep);
	pt_vec_free(&order);
	query_results_free(&r);
}

void mcp_tool_impact(mcp_server *s, store_txn *txn, const mcp_args *a, mcp_answer *ans)
{
	change c = {0};
	changed_list ch = {0};
	if (a->diff && !valid_rev(a->diff)) {
		pt_strbuf_printf(&ans->error,
				 "diff '%s' is not a revision or range git takes (e.g. "
				 "HEAD, main, main...HEAD, HEAD~3..HEAD)",
				 a->diff);
		return;
	}
	bool use_git = !s->cfg.no_git && (a->diff || !a->files);
	if (!use_git && !a->files) {
		pt_strbuf_adds(&ans->error, "git is not available here: pass files (the files "
					    "that changed)");
		return;
	}
	if (use_git ? !from_git(s, txn, a, &c, &ans->error)
		    : !from_files(txn, a, &c, &ans->error)) {
		change_free(&c);
		return;
	}
	changed_items(s, txn, &c, &ch);
	json_object_set_new(ans->out, "status", json_string("ok"));
	json_object_set_new(ans->out, "base",
			    json_string(use_git ? (a->diff ? a->diff : "HEAD") : "files"));
	pt_strbuf_printf(&ans->text, "impact of %s%s\n", use_git ? "git diff " : "the files given",
			 use_git ? (a->diff ? a->diff : "HEAD (uncommitted changes)") : "");
	report_changed(txn, &c, &ch, ans, (size_t)a->limit);
	report_affected(txn, &ch, a, ans);
	pt_vec_free(&ch);
	change_free(&c);
}
