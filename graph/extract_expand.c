/* graph/extract_expand.c — macro_rules! invocations, expanded and walked.
 *
 * An invocation of a macro whose definition we have (written in this file,
 * or lent by another file: pt_extractor_set_imports) is expanded on tokens
 * (graph/macro.h), the expansion rendered as text, parsed, and walked as
 * if written at the invocation: the items it declares are the file's
 * items, the calls in it are calls of the enclosing fn. While it is walked
 * x->src is the expansion's text (a layer); every token of it knows where
 * it was written, and every span the walk records is mapped back:
 *
 * - an item written whole in the invocation (`cfg_rt! { pub fn spawn() }`)
 *   keeps its own span; any other (a template's `impl $t { .. }`) takes the
 *   invocation's, the outermost one in the file;
 * - a reference (a call, a type) is placed where its token was written:
 *   the invocation's arguments, the template in this file, or the template
 *   in another file (then recorded relative to that definition: an xsite);
 *   a token the expander made has the invocation's place.
 *
 * Nested invocations in an expansion are expanded the same way, to a
 * bounded depth and a bounded number of tokens per file.
 */
#define _GNU_SOURCE
#include "extract_int.h"

#include <string.h>

#define MAX_EXPANSION_DEPTH 48
#define MAX_FILE_TOKENS     (4u << 20)

/* ---- definitions ------------------------------------------------------------------ */

void pt_extractor_set_imports(pt_extractor *x, const pt_macro_import *imp, size_t n)
{
	x->imps = imp;
	x->nimps = n;
}

void pt_extractor_set_scan(pt_extractor *x, const pt_facts *scan)
{
	x->scan = scan;
}

void ex_expand_begin(pt_extractor *x)
{
	const pt_facts *f = x->out;
	pt_vec_clear(&x->xdefs);
	for (size_t i = 0; i < f->macros.n; i++) {
		const fact_macro *m = &f->macros.v[i];
		const char *nm = pt_strpool_get(&f->pool, m->name);
		/* a written definition's text is the file's own, not the pool's
		 * copy (the pool moves); a generated one's is the pool's only,
		 * copied below */
		bool gen = (m->flags & FM_GEN) != 0;
		const char *text = pt_strpool_get(&f->pool, m->text);
		xdef d = {nm,
			  strlen(nm),
			  gen ? text : x->file + m->span.start_byte,
			  gen ? strlen(text) : m->span.end_byte - m->span.start_byte,
			  0,
			  m->span.start_byte,
			  "crate",
			  NULL,
			  false,
			  (m->flags & FM_DOC) != 0,
			  gen};
		pt_vec_push(&x->xdefs, d);
	}
	for (size_t i = 0; i < x->nimps; i++) {
		const pt_macro_import *m = &x->imps[i];
		xdef d = {m->name, strlen(m->name), m->text, m->len, (uint32_t)i + 1, 0, m->krate,
			  NULL,    false,           false,   m->gen};
		pt_vec_push(&x->xdefs, d);
	}
	/* names point into the pool, which grows: keep them as copies */
	for (size_t i = 0; i < f->macros.n; i++) {
		xdef *d = &x->xdefs.v[i];
		d->name = pt_xstrndup(d->name, d->nlen);
		if (d->gen)
			d->text = pt_xstrndup(d->text, d->len);
	}
	x->file_lines.n = 0;
	for (size_t i = 0; i < x->imp_lines.n; i++)
		x->imp_lines.v[i].n = 0;
	x->lay = NULL;
	x->exp_depth = 0;
	x->exp_tokens = 0;
	x->stmt_top = SIZE_MAX;
}

void ex_expand_end(pt_extractor *x)
{
	for (size_t i = 0; i < x->xdefs.n; i++) {
		pt_macro_def_free(x->xdefs.v[i].def);
		if (x->xdefs.v[i].src == 0)
			free((char *)x->xdefs.v[i].name);
		if (x->xdefs.v[i].src == 0 && x->xdefs.v[i].gen)
			free((char *)x->xdefs.v[i].text);
	}
	pt_vec_clear(&x->xdefs);
	x->imps = NULL;
	x->nimps = 0;
}

/* The definition invocation path (b, its name after the last `::`) names,
 * for an invocation at byte `at` of the file: the file's own last one
 * before it, else an import (the one of the crate the path names when
 * several), else the file's first one after it; NULL if none. */
static xdef *find_def(pt_extractor *x, const pt_strbuf *b, uint32_t at)
{
	const char *name = b->buf, *e = b->buf + b->len;
	for (const char *q = b->buf; q + 1 < e; q++)
		if (q[0] == ':' && q[1] == ':')
			name = q + 2;
	size_t n = (size_t)(e - name), qn = 0;
	const char *qual = name > b->buf ? b->buf : NULL;
	if (qual)
		qn = (size_t)((const char *)memmem(b->buf, b->len, "::", 2) - b->buf);
	xdef *before = NULL, *after = NULL, *imp = NULL;
	for (size_t i = 0; i < x->xdefs.n; i++) {
		xdef *d = &x->xdefs.v[i];
		if (d->nlen != n || memcmp(d->name, name, n) != 0 || d->doc)
			continue;
		if (d->src == 0) {
			if (d->at < at)
				before = d;
			else if (!after)
				after = d;
		} else if (!imp ||
			   (qual && strlen(d->krate) == qn && memcmp(d->krate, qual, qn) == 0)) {
			imp = d;
		}
	}
	bool local = !qual || (qn == 5 && memcmp(qual, "crate", 5) == 0) ||
		     (qn == 4 && memcmp(qual, "self", 4) == 0);
	if (before && local)
		return before;
	if (imp)
		return imp;
	return local ? after : NULL;
}

static pt_macro_def *parsed(xdef *d)
{
	if (d->def || d->bad)
		return d->def;
	pt_mtoks t = {0};
	pt_macro_lex(d->text, d->len, d->gen ? PT_MACRO_SYNTH : d->src, d->gen ? 0 : d->at, &t);
	d->def = pt_macro_def_new(t.v, t.n);
	d->bad = d->def == NULL;
	pt_vec_free(&t);
	return d->def;
}

/* ---- spans ------------------------------------------------------------------------ */

static void line_starts(lines *l, const char *s, size_t n)
{
	if (l->n)
		return;
	pt_vec_push(l, 0);
	for (const char *p = s, *e = s + n; p < e && (p = memchr(p, '\n', (size_t)(e - p)));)
		pt_vec_push(l, (uint32_t)(++p - s));
}

/* Line and column of byte `at` (relative to the text lines describes). */
static void point(const lines *l, uint32_t at, uint32_t *line, uint32_t *col)
{
	size_t lo = 0, hi = l->n;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (l->v[mid] <= at)
			lo = mid;
		else
			hi = mid;
	}
	*line = (uint32_t)lo;
	*col = at - l->v[lo];
}

/* The token of the layer that holds byte b (the last one starting at or
 * before it). */
static size_t token_at(const layer *L, uint32_t b)
{
	size_t lo = 0, hi = L->toks.n;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (L->offs[mid] <= b)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Where byte b of the layer was written: source and offset there; false
 * for a token the expander made. */
static bool origin(const layer *L, uint32_t b, bool end, uint32_t *src, uint32_t *off)
{
	if (!L->toks.n)
		return false;
	size_t k = token_at(L, end && b > 0 ? b - 1 : b);
	const pt_mtok *t = &L->toks.v[k];
	uint32_t in = b - L->offs[k];
	if (t->src == PT_MACRO_SYNTH || in > t->len)
		return false;
	*src = t->src;
	*off = t->off + in;
	return true;
}

/* A span of source src from bytes [a, b): the file's, or relative to an
 * import's text. */
static pt_span span_in(pt_extractor *x, uint32_t src, uint32_t a, uint32_t b)
{
	pt_span s = {a, b, 0, 0, 0, 0};
	lines *l;
	if (src == 0) {
		l = &x->file_lines;
		line_starts(l, x->file, x->file_len);
	} else {
		while (x->imp_lines.n < src) {
			lines empty = {0};
			pt_vec_push(&x->imp_lines, empty);
		}
		l = &x->imp_lines.v[src - 1];
		line_starts(l, x->imps[src - 1].text, x->imps[src - 1].len);
	}
	point(l, a, &s.start_line, &s.start_col);
	point(l, b, &s.end_line, &s.end_col);
	return s;
}

pt_span ex_map_site(pt_extractor *x, pt_span raw, uint32_t *src_out)
{
	uint32_t sa, a, sb, b;
	*src_out = 0;
	if (!x->lay)
		return raw;
	if (!origin(x->lay, raw.start_byte, false, &sa, &a) ||
	    !origin(x->lay, raw.end_byte, true, &sb, &b) || sa != sb || a > b ||
	    (sa > 0 && sa > x->nimps))
		return x->inv_span;
	*src_out = sa;
	return span_in(x, sa, a, b);
}

pt_span ex_map_item(pt_extractor *x, pt_span raw, bool *own)
{
	uint32_t src;
	*own = true;
	if (!x->lay)
		return raw;
	pt_span s = ex_map_site(x, raw, &src);
	*own = src == 0 && s.start_byte >= x->inv_a && s.end_byte <= x->inv_b &&
	       s.start_byte < s.end_byte && pt_span_ok(s);
	return *own ? s : x->inv_span;
}

/* ---- expansion --------------------------------------------------------------------- */

/* The tokens inside token tree tt, with their origins, into out (match
 * fields relative to out). */
static void input_tokens(pt_extractor *x, TSNode tt, pt_mtoks *out)
{
	uint32_t n = ts_node_child_count(tt);
	if (n < 2)
		return;
	uint32_t a = ts_node_end_byte(ts_node_child(tt, 0)),
		 b = ts_node_start_byte(ts_node_child(tt, n - 1));
	if (b <= a)
		return;
	if (!x->lay) {
		pt_macro_lex(x->src + a, b - a, 0, a, out);
		return;
	}
	const layer *L = x->lay;
	size_t k = token_at(L, a);
	if (k < L->toks.n && L->offs[k] < a)
		k++;
	size_t first = k;
	for (; k < L->toks.n && L->offs[k] < b; k++) {
		pt_mtok t = L->toks.v[k];
		if (t.kind == MT_OPEN || t.kind == MT_CLOSE)
			t.match = t.match >= first ? (uint32_t)(t.match - first) : 0;
		pt_vec_push(out, t);
	}
}

/* ---- expansions' trees kept between extractions ------------------------------------ */

void pt_extractor_keep_parses(pt_extractor *x, bool on)
{
	if (!on)
		ex_parses_free(&x->parses);
	x->parses.on = on;
}

void ex_parses_free(xparses *c)
{
	for (size_t i = 0; i < c->v.n; i++) {
		free(c->v.v[i].text);
		ts_tree_delete(c->v.v[i].tree);
	}
	pt_vec_free(&c->v);
	free(c->slots);
	c->slots = NULL;
	c->cap = 0;
}

/* Index every entry by hash again, in a table at least twice their number. */
static void parses_reindex(xparses *c)
{
	size_t cap = 64;
	while (cap < 2 * c->v.n + 2)
		cap *= 2;
	if (cap != c->cap) {
		free(c->slots);
		c->slots = pt_xmalloc(cap * sizeof *c->slots);
		c->cap = cap;
	}
	memset(c->slots, 0, cap * sizeof *c->slots);
	for (size_t k = 0; k < c->v.n; k++) {
		size_t i = (size_t)c->v.v[k].hash & (cap - 1);
		while (c->slots[i])
			i = (i + 1) & (cap - 1);
		c->slots[i] = (uint32_t)k + 1;
	}
}

void ex_parses_sweep(xparses *c)
{
	size_t m = 0;
	for (size_t k = 0; k < c->v.n; k++) {
		xparse e = c->v.v[k];
		if (!e.used) {
			free(e.text);
			ts_tree_delete(e.tree);
			continue;
		}
		e.used = false;
		c->v.v[m++] = e;
	}
	c->v.n = m;
	if (c->cap)
		parses_reindex(c);
}

TSTree *ex_parse_expansion(pt_extractor *x, const char *text, uint32_t len, bool *owned)
{
	xparses *c = &x->parses;
	uint64_t h = 0;
	*owned = !c->on;
	if (c->on && c->cap) {
		h = pt_hash64(text, len);
		for (size_t i = (size_t)h & (c->cap - 1); c->slots[i]; i = (i + 1) & (c->cap - 1)) {
			xparse *e = &c->v.v[c->slots[i] - 1];
			if (e->hash == h && e->len == len && memcmp(e->text, text, len) == 0) {
				e->used = true;
				return e->tree;
			}
		}
	}
	ts_parser_set_included_ranges(x->parser, NULL, 0);
	TSTree *t = ex_parse(x, NULL, text, len);
	if (!t)
		return NULL;
	if (c->on) {
		if (!c->cap)
			h = pt_hash64(text, len);
		xparse e = {h, pt_xmalloc(len + 1), len, true, t};
		memcpy(e.text, text, len);
		e.text[len] = 0;
		pt_vec_push(&c->v, e);
		if (2 * c->v.n + 2 > c->cap)
			parses_reindex(c);
		else {
			size_t i = (size_t)h & (c->cap - 1);
			while (c->slots[i])
				i = (i + 1) & (c->cap - 1);
			c->slots[i] = (uint32_t)c->v.n;
		}
	}
	return t;
}

/* Parse layer L's text and walk it at depth d in the current context. */
static void walk_layer(pt_extractor *x, layer *L, size_t d, bool items)
{
	const char *src = x->src;
	uint32_t len = x->len;
	layer *up = x->lay;
	size_t top = x->sub_top, stmt = x->stmt_top;
	bool owned;
	TSTree *t = ex_parse_expansion(x, L->text.buf, (uint32_t)L->text.len, &owned);
	if (!t)
		return;
	TSNode root = ts_tree_root_node(t);
	TSTreeCursor c = ts_tree_cursor_new(root);
	x->src = L->text.buf;
	x->len = (uint32_t)L->text.len;
	x->lay = L;
	x->sub_top = d + 1;
	x->stmt_top = items ? SIZE_MAX : d;
	x->in_macro++;
	x->exp_depth++;
	ex_clear_pending(x);
	ex_walk(x, &c, root, d);
	ex_clear_pending(x);
	x->exp_depth--;
	x->in_macro--;
	x->sub_top = top;
	x->stmt_top = stmt;
	x->lay = up;
	x->src = src;
	x->len = len;
	ts_tree_cursor_delete(&c);
	if (owned)
		ts_tree_delete(t);
}

/* The path of tokens t[i..] if it names a macro invocation (`a::b ! (..)`):
 * its text into out, the index of the group's opening through *open. */
static bool invocation_path(const pt_mtok *t, size_t n, size_t i, pt_strbuf *out, size_t *open)
{
	size_t j = i;
	out->len = 0;
	if (j < n && t[j].kind == MT_PUNCT && pt_mtok_is(&t[j], "::"))
		j++;
	while (j < n && t[j].kind == MT_IDENT) {
		const char *w = t[j].p;
		size_t wn = t[j].len;
		if (wn > 2 && w[0] == 'r' && w[1] == '#')
			w += 2, wn -= 2; /* `r#impl!` */
		if (out->len)
			pt_strbuf_add(out, "::", 2);
		pt_strbuf_add(out, w, wn);
		j++;
		if (j + 1 < n && pt_mtok_is(&t[j], "::") && t[j + 1].kind == MT_IDENT)
			j++;
		else
			break;
	}
	if (!out->len || j + 1 >= n || !pt_mtok_is(&t[j], "!") || t[j + 1].kind != MT_OPEN ||
	    t[j + 1].match <= j + 1 || t[j + 1].match >= n)
		return false;
	*open = j + 1;
	return true;
}

/* The `[` of an attribute whose `#` is t[i] (`#[..]`, `#![..]`), 0 if none. */
static size_t attribute(const pt_mtok *t, size_t n, size_t i)
{
	size_t j = i + 1 + (i + 1 < n && pt_mtok_is(&t[i + 1], "!"));
	return j < n && t[j].kind == MT_OPEN && t[j].p[0] == '[' && t[j].match < n ? j : 0;
}

/* Whether the walk reads the attribute opening at t[open]: derive, cfg,
 * cfg_attr (which may hold them), path, macro_use, the test and entry-point
 * markers (on_attribute's attr_flags), and paths (`#[tokio::test]`). The
 * others (docs, stability, lints, inline: most of what a template writes
 * around its items) are left out of the text to parse. */
static bool kept_attribute(const pt_mtok *t, size_t open)
{
	static const char *const keep[] = {"derive",
					   "cfg",
					   "cfg_attr",
					   "path",
					   "macro_use",
					   "macro_export",
					   "test",
					   "bench",
					   "no_mangle",
					   "export_name",
					   "proc_macro",
					   "proc_macro_derive",
					   "proc_macro_attribute"};
	if (open + 1 >= t[open].match || t[open + 1].kind != MT_IDENT)
		return true;
	if (open + 2 < t[open].match && pt_mtok_is(&t[open + 2], "::"))
		return true;
	for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++)
		if (pt_mtok_is(&t[open + 1], keep[k]))
			return true;
	return false;
}

static const pt_mtok synth_lbrace = {"{", 1, PT_MACRO_SYNTH, 0, 0, MT_OPEN, 0};
static const pt_mtok synth_rbrace = {"}", 1, PT_MACRO_SYNTH, 0, 0, MT_CLOSE, 0};

static void expand_tokens(pt_extractor *x, const pt_mtok *t, size_t n, pt_mtoks *out, int depth);

/* Expand invocation t[open] (its group) of definition xd into out: in
 * place of the invocation, inside braces when it stands where a value is
 * (not after `;`, `{`, `}` or an attribute). False when no rule fits. */
static bool splice(pt_extractor *x, xdef *xd, const pt_mtok *t, size_t open, pt_mtoks *out,
		   int depth)
{
	pt_macro_def *def = parsed(xd);
	pt_mtoks in = {0}, exp = {0};
	if (!def)
		return false;
	for (size_t k = open + 1; k < t[open].match; k++)
		pt_vec_push(&in, t[k]);
	pt_macro_match(&in, 0);
	int rc = pt_macro_expand(def, in.v, in.n, xd->krate, &exp);
	pt_vec_free(&in);
	if (rc == PT_OK) {
		const pt_mtok *prev = out->n ? &out->v[out->n - 1] : NULL;
		bool stmt = !prev || pt_mtok_is(prev, ";") || pt_mtok_is(prev, "{") ||
			    pt_mtok_is(prev, "}") || pt_mtok_is(prev, "]");
		/* statements where a value stands: a block (a type or a value
		 * stays as it is) */
		bool block = !stmt && exp.n && pt_mtok_is(&exp.v[0], "let");
		for (size_t k = 0; k < exp.n && !stmt && !block; k++) {
			block = exp.v[k].kind == MT_PUNCT && pt_mtok_is(&exp.v[k], ";");
			if (exp.v[k].kind == MT_OPEN)
				k = exp.v[k].match;
		}
		x->exp_tokens += exp.n;
		if (block)
			pt_vec_push(out, synth_lbrace);
		expand_tokens(x, exp.v, exp.n, out, depth + 1);
		if (block)
			pt_vec_push(out, synth_rbrace);
	}
	pt_vec_free(&exp);
	return rc == PT_OK;
}

/* Copy t[0..n) to out, every invocation of a macro we have a definition of
 * expanded in place (recursively, as rustc expands until none is left):
 * one text to parse instead of one per level. The inside of other
 * invocations, of attributes and of nested definitions is copied as is. */
static void expand_tokens(pt_extractor *x, const pt_mtok *t, size_t n, pt_mtoks *out, int depth)
{
	pt_strbuf path = {0};
	for (size_t i = 0; i < n; i++) {
		size_t open, attr;
		if (t[i].kind == MT_IDENT && pt_mtok_is(&t[i], "macro_rules") && i + 3 < n &&
		    t[i + 3].kind == MT_OPEN && t[i + 3].match < n) {
			for (size_t k = i; k <= t[i + 3].match; k++)
				pt_vec_push(out, t[k]);
			i = t[i + 3].match;
		} else if (pt_mtok_is(&t[i], "#") && (attr = attribute(t, n, i)) != 0) {
			size_t close = t[attr].match;
			if (kept_attribute(t, attr))
				for (size_t k = i; k <= close; k++)
					pt_vec_push(out, t[k]);
			i = close;
		} else if ((t[i].kind == MT_IDENT || pt_mtok_is(&t[i], "::")) &&
			   (i == 0 || !pt_mtok_is(&t[i - 1], "::")) &&
			   invocation_path(t, n, i, &path, &open)) {
			xdef *xd = depth < MAX_EXPANSION_DEPTH && x->exp_tokens <= MAX_FILE_TOKENS
					   ? find_def(x, &path, x->inv_a)
					   : NULL;
			if (!xd || !splice(x, xd, t, open, out, depth))
				for (size_t k = i; k <= t[open].match; k++)
					pt_vec_push(out, t[k]);
			i = t[open].match;
		} else {
			pt_vec_push(out, t[i]);
		}
	}
	pt_strbuf_free(&path);
}

/* ---- expansions in fn bodies: their calls, from the tokens ------------------------- */

/* An invocation in a fn body expands to an expression or statements
 * (assert_eq!, a crate's own helpers): its calls are read from the tokens,
 * as rustc would see them, without parsing the text. Items it may declare
 * there are local to the fn (rustdoc does not list them either), and a
 * `let` it writes binds a name we then do not type. */

static bool tok_word(const pt_mtok *t, const char *w)
{
	return t->kind == MT_IDENT && pt_mtok_is(t, w);
}

static bool tok_punct(const pt_mtok *t, const char *w)
{
	return t->kind == MT_PUNCT && pt_mtok_is(t, w);
}

/* The names the expansion binds itself (closure params, `for x in`,
 * `let x`, `x @`): not the caller's locals. */
static bool bound_here(const pt_mtok *t, size_t n, const pt_mtok *name)
{
	for (size_t i = 1; i + 1 < n; i++) {
		if (t[i].kind != MT_IDENT || t[i].len != name->len ||
		    memcmp(t[i].p, name->p, name->len) != 0)
			continue;
		if (tok_punct(&t[i - 1], "|") || tok_word(&t[i - 1], "for") ||
		    tok_word(&t[i - 1], "let") || tok_word(&t[i - 1], "mut") ||
		    tok_punct(&t[i + 1], "@") || tok_punct(&t[i + 1], "|"))
			return true;
	}
	return false;
}

static pt_span tok_raw(const layer *L, size_t k)
{
	uint32_t a = L->offs[k];
	return (pt_span){a, a + L->toks.v[k].len, 0, 0, 0, L->toks.v[k].len};
}

#define MAX_STEPS 8

/* The path written before a call's `(` whose last name is t[nm], when it
 * is a call of a fn (`make()`, `Type::new()`): its text into b; false for
 * a local (a closure), a keyword, or a generic parameter's `T::f()`. */
static bool called_path(pt_extractor *x, const layer *L, long nm, pt_strbuf *b)
{
	const pt_mtok *t = L->toks.v;
	long a = nm;
	while (a >= 2 && tok_punct(&t[a - 1], "::") && t[a - 2].kind == MT_IDENT)
		a -= 2;
	if (a > 0 && (tok_punct(&t[a - 1], ".") || tok_punct(&t[a - 1], "::")))
		return false;
	b->len = 0;
	for (long j = a; j <= nm; j += 2)
		ex_add_seg(b, 0, t[j].p, t[j].len);
	const char *sep = memmem(b->buf, b->len, "::", 2);
	if (!sep)
		return !pt_macro_keyword(b->buf, b->len) && !ex_lookup_str(x, b->buf, b->len);
	return !ex_gen_find(x, b->buf, (size_t)(sep - b->buf));
}

/* The value of the receiver whose last token is t[j]: a start (`self`, a
 * local, a call of a fn, `(**self)`) and the steps after it (`.field`,
 * `.m(..)`, `?`, `[i]`), read backwards, as ex_recv_of reads a tree. */
static desc recv_chain_at(pt_extractor *x, const layer *L, long j, long *start);

static desc recv_chain(pt_extractor *x, const layer *L, long j)
{
	long start;
	return recv_chain_at(x, L, j, &start);
}

/* `Pin::new(&mut *x.f)` whose `(` is t[open] and `)` t[close]: the value
 * of its one argument, whose methods the Pin (a Box, an Arc) reaches;
 * RECV_NONE when the argument is no receiver chain. */
static desc wrapped_arg(pt_extractor *x, const layer *L, long open, long close)
{
	const pt_mtok *t = L->toks.v;
	long a = open + 1, start = -1;
	while (a < close &&
	       (tok_punct(&t[a], "&") || tok_punct(&t[a], "*") || tok_word(&t[a], "mut")))
		a++;
	if (a >= close)
		return (desc){0};
	desc d = recv_chain_at(x, L, close - 1, &start);
	return start == a ? d : (desc){0};
}

/* As recv_chain; *start: the index of the chain's first token. */
static desc recv_chain_at(pt_extractor *x, const layer *L, long j, long *start)
{
	const pt_mtok *t = L->toks.v;
	struct {
		char op;
		const pt_mtok *name;
	} st[MAX_STEPS];
	int ns = 0;
	desc d = {0};
	for (; j >= 0 && ns < MAX_STEPS;) {
		const pt_mtok *c = &t[j];
		if (tok_punct(c, "?")) {
			st[ns].op = '?', st[ns++].name = NULL, j--;
		} else if (c->kind == MT_CLOSE && c->p[0] == ']') {
			st[ns].op = '[', st[ns++].name = NULL, j = (long)c->match - 1;
		} else if (c->kind == MT_CLOSE && c->p[0] == ')') {
			long open = (long)c->match, nm = open - 1;
			/* `(**self)` in an impl for `&mut T` / `Box<T>`: T (see deref_bounds) */
			if (open + 4 == j && tok_punct(&t[open + 1], "*") &&
			    tok_punct(&t[open + 2], "*") && tok_word(&t[open + 3], "self") &&
			    x->cx.deref_self) {
				d = (desc){RECV_BOUND, x->cx.deref_self, 0};
				j = open;
				break;
			}
			if (nm >= 0 && tok_punct(&t[nm], ">")) { /* `m::<T>(..)` */
				int depth = 0;
				for (; nm >= 0; nm--) {
					depth += tok_punct(&t[nm], ">") - tok_punct(&t[nm], "<");
					if (depth == 0)
						break;
				}
				nm = nm >= 1 && tok_punct(&t[nm - 1], "::") ? nm - 2 : -1;
			}
			if (nm < 0 || t[nm].kind != MT_IDENT)
				return (desc){0};
			if (nm >= 1 && tok_punct(&t[nm - 1], ".")) {
				st[ns].op = ':', st[ns++].name = &t[nm], j = nm - 2;
				continue;
			}
			if (!called_path(x, L, nm, &x->gb))
				return (desc){0};
			d = (desc){RECV_RET, ex_intern_buf(x, &x->gb), 0};
			if (ex_wraps_its_argument(x->gb.buf, x->gb.len)) {
				desc ad = wrapped_arg(x, L, open, j);
				if (ad.kind != RECV_NONE)
					d = ad;
			}
			/* the chain starts at the path's first token */
			for (j = nm;
			     j >= 2 && tok_punct(&t[j - 1], "::") && t[j - 2].kind == MT_IDENT;)
				j -= 2;
			break;
		} else if ((c->kind == MT_IDENT || c->kind == MT_LITERAL) && j >= 1 &&
			   tok_punct(&t[j - 1], ".")) {
			st[ns].op = '.', st[ns++].name = c, j -= 2; /* `.field`, `.0` */
		} else if (c->kind == MT_IDENT && !(j >= 1 && tok_punct(&t[j - 1], "::"))) {
			const local *l = NULL;
			if (tok_word(c, "self"))
				d = ex_self_desc(x);
			else if (!bound_here(t, L->toks.n, c) &&
				 (l = ex_lookup_str(x, c->p, c->len)))
				d = l->d;
			break;
		} else {
			return (desc){0};
		}
	}
	if (j < 0 || ns == MAX_STEPS)
		return (desc){0};
	*start = j;
	for (int i = ns - 1; i >= 0 && d.kind != RECV_NONE; i--)
		d = st[i].name ? ex_chain_op(x, d, st[i].op, st[i].name->p, st[i].name->len)
			       : ex_chain_op(x, d, st[i].op, "", 0);
	return d;
}

/* After `name` at k: `(`, or `::<..>(`; the index of the `(`, 0 if none. */
static size_t call_paren(const pt_mtok *t, size_t n, size_t k)
{
	size_t j = k + 1;
	if (j + 1 < n && tok_punct(&t[j], "::") && tok_punct(&t[j + 1], "<")) {
		int depth = 0;
		for (j++; j < n; j++) {
			depth += tok_punct(&t[j], "<") - tok_punct(&t[j], ">");
			if (depth == 0)
				break;
		}
		j++;
	}
	return j < n && t[j].kind == MT_OPEN && t[j].p[0] == '(' ? j : 0;
}

/* Whether token k ends a path that stands alone in parentheses before a
 * call's `(`: `(Self::write_u16)(chunk, n)`, what a macro's `$write(..)`
 * becomes when `$write:expr` took a path of several tokens (an expression
 * fragment stays one operand). It calls that path. */
static bool paren_path_call(const pt_mtok *t, size_t n, size_t k)
{
	if (k + 2 >= n || t[k + 1].kind != MT_CLOSE || t[k + 1].p[0] != ')' ||
	    t[k + 2].kind != MT_OPEN || t[k + 2].p[0] != '(')
		return false;
	size_t a = k;
	while (a >= 2 && tok_punct(&t[a - 1], "::") && t[a - 2].kind == MT_IDENT)
		a -= 2;
	return a >= 1 && t[a - 1].kind == MT_OPEN && t[a - 1].p[0] == '(' &&
	       t[a - 1].match == k + 1;
}

/* `a::b::f(` whose last name is token k. */
static void token_path_call(pt_extractor *x, const layer *L, size_t k)
{
	const pt_mtok *t = L->toks.v;
	size_t a = k;
	while (a >= 2 && tok_punct(&t[a - 1], "::") && t[a - 2].kind == MT_IDENT)
		a -= 2;
	/* a declaration's name; quote!'s `#var (..)` */
	if (a > 0 &&
	    (tok_word(&t[a - 1], "fn") || tok_word(&t[a - 1], "struct") ||
	     tok_word(&t[a - 1], "enum") || tok_word(&t[a - 1], "union") ||
	     tok_punct(&t[a - 1], "'") || tok_punct(&t[a - 1], ".") || tok_punct(&t[a - 1], "#")))
		return;
	pt_strbuf *b = &x->tmp;
	b->len = 0;
	for (size_t j = a; j <= k; j += 2)
		ex_add_seg(b, 0, t[j].p, t[j].len);
	if (a == k && (pt_macro_keyword(t[k].p, t[k].len) ||
		       (!bound_here(t, L->toks.n, &t[k]) && ex_lookup_str(x, t[k].p, t[k].len))))
		return;
	const char *sep = memmem(b->buf, b->len, "::", 2);
	const gparam *g = sep ? ex_gen_find(x, b->buf, (size_t)(sep - b->buf)) : NULL;
	if (g && g->bounds) {
		uint32_t nm = ex_intern(x, t[k].p, t[k].len), as = ex_assoc_seg(x, b, sep);
		fact_ref *r = ex_add_ref(x, FR_CALL_PATH, tok_raw(L, k), 0);
		r->recv_kind = RECV_BOUND;
		r->recv_path = g->bounds;
		r->name = nm;
		r->recv_name = as;
		return;
	}
	ex_add_ref(x, FR_CALL_PATH, tok_raw(L, k), ex_intern_buf(x, b));
}

/* The calls of expansion L, of the current fn. */
static void scan_expansion(pt_extractor *x, layer *L)
{
	const pt_mtok *t = L->toks.v;
	size_t n = L->toks.n;
	layer *up = x->lay;
	x->lay = L;
	for (size_t k = 0; k < n; k++) {
		if (tok_punct(&t[k], "#") && (k + 1 < n && t[k + 1].kind == MT_OPEN)) {
			k = t[k + 1].match;
			continue;
		}
		if (t[k].kind != MT_IDENT)
			continue;
		if (k + 2 < n && tok_punct(&t[k + 1], "!") && t[k + 2].kind == MT_OPEN) {
			size_t a = k;
			while (a >= 2 && tok_punct(&t[a - 1], "::") && t[a - 2].kind == MT_IDENT)
				a -= 2;
			x->tmp.len = 0;
			for (size_t j = a; j <= k; j += 2)
				ex_add_seg(&x->tmp, 0, t[j].p, t[j].len);
			ex_add_ref(x, FR_MACRO_CALL, tok_raw(L, k), ex_intern_buf(x, &x->tmp));
			continue;
		}
		if (paren_path_call(t, n, k)) {
			token_path_call(x, L, k);
			continue;
		}
		if (!call_paren(t, n, k))
			continue;
		if (k >= 1 && tok_punct(&t[k - 1], ".")) {
			desc d = k >= 2 ? recv_chain(x, L, (long)k - 2) : (desc){0};
			uint32_t nm = ex_intern(x, t[k].p, t[k].len);
			fact_ref *r = ex_add_ref(x, FR_CALL_METHOD, tok_raw(L, k), 0);
			r->name = nm;
			r->recv_kind = d.kind;
			r->recv_path = d.path;
			r->recv_name = d.name;
		} else if (!(k + 2 < n && tok_punct(&t[k + 1], "::") &&
			     t[k + 2].kind == MT_IDENT)) {
			token_path_call(x, L, k);
		}
	}
	x->lay = up;
}

/* ---- what an expansion assigns to the caller's locals ------------------------------ */

/* Whether token k was written in the file between bytes a and b (the
 * outermost invocation being expanded), not by a template. */
static bool written_in(const pt_mtok *k, uint32_t a, uint32_t b)
{
	return k->src == 0 && k->off >= a && k->off < b;
}

bool ex_written_in_invocation(const pt_extractor *x, TSNode n)
{
	uint32_t src, a, b;
	if (!x->lay)
		return true;
	return origin(x->lay, ts_node_start_byte(n), false, &src, &a) &&
	       origin(x->lay, ts_node_end_byte(n), true, &src, &b) && src == 0 && a >= x->inv_a &&
	       b <= x->inv_b;
}

/* Whether expansion L writes `name = ..` with name written in the
 * invocation and bound in the caller by a `let name;` still untyped: the
 * case of syn's `braced!(content in input)`, whose rule writes
 * `$content = braces.content`. Read on tokens, so that only such
 * expansions are parsed. */
static bool assigns_later_local(pt_extractor *x, const layer *L)
{
	const pt_mtok *t = L->toks.v;
	for (size_t k = 0; k + 1 < L->toks.n; k++) {
		if (t[k].kind != MT_IDENT || !tok_punct(&t[k + 1], "=") ||
		    (k > 0 && tok_punct(&t[k - 1], ".")) || !written_in(&t[k], x->inv_a, x->inv_b))
			continue;
		const local *l = ex_lookup_str(x, t[k].p, t[k].len);
		if (l && l->later && l->d.kind == RECV_NONE)
			return true;
	}
	return false;
}

/* Walk expression tree n of an expansion for its assignments to the
 * caller's first `caller` locals (ex_assign), binding on the way the names
 * the expansion binds itself: match arms (typed from their scrutinee) and
 * `let`s (to the end of their block). Closures are left out. */
static void assigned_in(pt_extractor *x, TSNode n, uint32_t caller, int depth)
{
	TSSymbol s = ts_node_symbol(n);
	if (depth > 64 || s == x->S.closure_expr)
		return;
	if (s == x->S.match_expr) {
		desc sd = ex_recv_of(x, child(n, x->F.value));
		TSNode body = child(n, x->F.body);
		uint32_t na = null(body) ? 0 : ts_node_named_child_count(body);
		for (uint32_t i = 0; i < na; i++) {
			TSNode arm = ts_node_named_child(body, i), pat = child(arm, x->F.pattern);
			uint32_t mark = (uint32_t)x->locals.n;
			if (!null(pat))
				ex_bind_pattern(x, pat, sd);
			TSNode v = child(arm, x->F.value);
			if (!null(v))
				assigned_in(x, v, caller, depth + 1);
			ex_locals_truncate(x, mark);
		}
		return;
	}
	uint32_t mark = (uint32_t)x->locals.n, nc = ts_node_named_child_count(n);
	for (uint32_t i = 0; i < nc; i++) {
		TSNode c = ts_node_named_child(n, i);
		assigned_in(x, c, caller, depth + 1);
		if (ts_node_symbol(c) == x->S.let_decl)
			ex_leave_let(x, c);
	}
	if (s == x->S.assign_expr)
		ex_assign(x, n, caller, true);
	if (s == x->S.block)
		ex_locals_truncate(x, mark);
}

/* The caller's `let x;` locals expansion L (in a fn body) assigns take
 * the type of what it assigns: L's text is parsed and walked for that
 * alone (its calls are read from its tokens, scan_expansion). */
static void type_assigned(pt_extractor *x, layer *L)
{
	if (!assigns_later_local(x, L))
		return;
	bool owned;
	TSTree *t = ex_parse_expansion(x, L->text.buf, (uint32_t)L->text.len, &owned);
	if (!t)
		return;
	const char *src = x->src;
	uint32_t len = x->len, caller = (uint32_t)x->locals.n;
	layer *up = x->lay;
	x->src = L->text.buf;
	x->len = (uint32_t)L->text.len;
	x->lay = L;
	assigned_in(x, ts_tree_root_node(t), caller, 0);
	ex_locals_truncate(x, caller);
	x->lay = up;
	x->src = src;
	x->len = len;
	if (owned)
		ts_tree_delete(t);
}

/* ---- fn bodies of expansions -------------------------------------------------------- */

/* The `{` of the body of the fn whose `fn` is t[i] (`fn name .. {`), 0 if
 * it has none (a declaration, a fn pointer type). */
static size_t body_of(const pt_mtok *t, size_t n, size_t i)
{
	if (i + 1 >= n || t[i + 1].kind != MT_IDENT)
		return 0;
	for (size_t j = i + 2; j < n; j++) {
		if (t[j].kind == MT_OPEN && t[j].p[0] == '{')
			return t[j].match < n ? j : 0;
		if (t[j].kind == MT_OPEN)
			j = t[j].match;
		else if (t[j].kind == MT_CLOSE || tok_punct(&t[j], ";"))
			return 0;
	}
	return 0;
}

/* Copy t[0..n) to L's tokens, the bodies of the fns a template writes left
 * out (to L's stashes): a fn body is most of a template's text, and its
 * calls are all the walk needs of it. A body written in the invocation
 * itself, bytes [a, b) of the file (`cfg_rt! { pub fn spawn() { .. } }`),
 * stays: it is walked as the code it is, its locals typed by its `let`s
 * and patterns. */
/* Whether the body t(open, close) declares an item a token scan would
 * lose: an `impl`, `struct`, `enum`, `union` or `trait` at the start of
 * a statement (serde's templates write `struct PrimitiveVisitor; impl
 * Visitor for PrimitiveVisitor { .. }` inside `fn deserialize`). */
static bool declares_items(const pt_mtok *t, size_t open, size_t close)
{
	static const char *const kw[] = {"impl", "struct", "enum", "union", "trait"};
	for (size_t k = open + 1; k < close; k++) {
		const pt_mtok *p = &t[k - 1];
		bool starts = k == open + 1 || tok_punct(p, ";") || p->kind == MT_CLOSE ||
			      p->kind == MT_OPEN || tok_word(p, "pub");
		for (size_t w = 0; starts && w < sizeof kw / sizeof *kw; w++)
			if (tok_word(&t[k], kw[w]))
				return true;
	}
	return false;
}

static void skeleton(layer *L, const pt_mtok *t, size_t n, uint32_t a, uint32_t b)
{
	for (size_t i = 0; i < n; i++) {
		size_t open = tok_word(&t[i], "fn") ? body_of(t, n, i) : 0;
		if (open && written_in(&t[open], a, b) && written_in(&t[t[open].match], a, b))
			open = 0;
		/* a body that declares items is walked as code, like one
		 * written in the invocation */
		if (open && declares_items(t, open, t[open].match))
			open = 0;
		if (!open) {
			pt_vec_push(&L->toks, t[i]);
			continue;
		}
		for (size_t k = i; k <= open; k++)
			pt_vec_push(&L->toks, t[k]);
		stash st = {(uint32_t)L->toks.n - 1, (uint32_t)L->bodies.n,
			    (uint32_t)(t[open].match - open - 1)};
		for (size_t k = open + 1; k < t[open].match; k++)
			pt_vec_push(&L->bodies, t[k]);
		pt_vec_push(&L->stashes, st);
		pt_vec_push(&L->toks, t[t[open].match]);
		i = t[open].match;
	}
}

void ex_fn_body(pt_extractor *x, TSNode body)
{
	layer *L = x->lay;
	uint32_t at = ts_node_start_byte(body);
	size_t lo = 0, hi = L->stashes.n;
	while (lo < hi) { /* stashes are in text order */
		size_t mid = (lo + hi) / 2;
		if (L->offs[L->stashes.v[mid].open] < at)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == L->stashes.n || L->offs[L->stashes.v[lo].open] != at)
		return;
	const stash *st = &L->stashes.v[lo];
	layer B = {0};
	for (uint32_t k = 0; k < st->n; k++)
		pt_vec_push(&B.toks, L->bodies.v[st->first + k]);
	pt_macro_match(&B.toks, 0);
	B.offs = pt_xmalloc((B.toks.n + 1) * sizeof *B.offs);
	pt_macro_render(B.toks.v, B.toks.n, &B.text, B.offs);
	scan_expansion(x, &B);
	free(B.offs);
	pt_vec_free(&B.toks);
	pt_strbuf_free(&B.text);
}

void ex_scan_args(pt_extractor *x, TSNode n, TSNode tt)
{
	layer L = {0};
	input_tokens(x, tt, &L.toks);
	if (!L.toks.n) {
		pt_vec_free(&L.toks);
		return;
	}
	bool outer = !x->lay;
	pt_span inv = x->inv_span;
	uint32_t ia = x->inv_a, ib = x->inv_b;
	if (outer) {
		x->inv_span = span_of(n);
		x->inv_a = ts_node_start_byte(n);
		x->inv_b = ts_node_end_byte(n);
	}
	L.offs = pt_xmalloc((L.toks.n + 1) * sizeof *L.offs);
	pt_macro_render(L.toks.v, L.toks.n, &L.text, L.offs);
	scan_expansion(x, &L);
	if (outer) {
		x->inv_span = inv;
		x->inv_a = ia;
		x->inv_b = ib;
	}
	free(L.offs);
	pt_vec_free(&L.toks);
	pt_strbuf_free(&L.text);
}

/* Empty generic lists out of an expansion: `impl <> AddrStream <> { .. }`
 * is what pin-project-lite writes for a struct without generics
 * (`impl <$($impl_generics)*> $ident <$($ty_generics)*>`), valid Rust that
 * means `impl AddrStream`, but the grammar takes no `<>` and the impl, with
 * its `project()`, was lost. A `<` right after `impl`, `fn`, a name or
 * `::`, with its `>` next, goes (with that `::`); nothing else can be
 * written so. Delimiters are matched again afterwards. */
static void drop_empty_generics(pt_mtoks *t)
{
	size_t w = 0;
	for (size_t r = 0; r < t->n; r++) {
		if (r + 1 < t->n && w > 0 && tok_punct(&t->v[r], "<") &&
		    tok_punct(&t->v[r + 1], ">") &&
		    (t->v[w - 1].kind == MT_IDENT || tok_punct(&t->v[w - 1], "::"))) {
			if (tok_punct(&t->v[w - 1], "::"))
				w--;
			r++;
			continue;
		}
		t->v[w++] = t->v[r];
	}
	t->n = w;
}

bool ex_expand_type(pt_extractor *x, TSNode n, pt_strbuf *out)
{
	/* the token tree is found without x->aux: callers walk with it
	 * (add_fields reads a struct's fields so) */
	TSNode m = child(n, x->F.macro), tt = {0};
	for (uint32_t i = ts_node_child_count(n); i-- > 0 && null(tt);)
		if (ts_node_symbol(ts_node_child(n, i)) == x->S.token_tree)
			tt = ts_node_child(n, i);
	if (!x->xdefs.n || null(m) || null(tt))
		return false;
	/* out may be x->tmp: the macro's path goes to a buffer of its own */
	pt_strbuf b = {0};
	pt_mtoks in = {0}, exp = {0};
	int q;
	bool ok = false;
	xdef *xd = NULL;
	if (ex_path_text(x, m, &b, &q, 0))
		xd = find_def(x, &b, x->lay ? x->inv_a : ts_node_start_byte(n));
	pt_macro_def *def = xd ? parsed(xd) : NULL;
	if (def) {
		input_tokens(x, tt, &in);
		ok = pt_macro_expand(def, in.v, in.n, xd->krate, &exp) == PT_OK && exp.n % 2 == 1;
	}
	/* a path: names joined by `::` */
	for (size_t i = 0; ok && i < exp.n; i++)
		ok = i % 2 ? pt_mtok_is(&exp.v[i], "::") : exp.v[i].kind == MT_IDENT;
	size_t start = out->len;
	for (size_t i = 0; ok && i < exp.n; i += 2)
		ex_add_seg(out, start, exp.v[i].p, exp.v[i].len);
	pt_vec_free(&in);
	pt_vec_free(&exp);
	pt_strbuf_free(&b);
	return ok;
}

bool ex_expand(pt_extractor *x, TSNode n, TSNode m, TSNode tt, size_t d, bool item_level)
{
	if (!x->xdefs.n || x->exp_depth >= MAX_EXPANSION_DEPTH || x->exp_tokens > MAX_FILE_TOKENS)
		return false;
	int q;
	x->tmp.len = 0;
	if (!ex_path_text(x, m, &x->tmp, &q, 0))
		return false;
	uint32_t at = x->lay ? x->inv_a : ts_node_start_byte(n);
	xdef *xd = find_def(x, &x->tmp, at);
	pt_macro_def *def = xd ? parsed(xd) : NULL;
	if (!def)
		return false;
	pt_mtoks in = {0}, exp = {0};
	layer L = {0};
	input_tokens(x, tt, &in);
	int rc = pt_macro_expand(def, in.v, in.n, xd->krate, &exp);
	pt_vec_free(&in);
	if (rc != PT_OK) {
		pt_vec_free(&exp);
		return false;
	}
	bool outer = !x->lay;
	pt_span inv = x->inv_span;
	uint32_t ia = x->inv_a, ib = x->inv_b;
	if (outer) {
		x->inv_span = span_of(n);
		x->inv_a = ts_node_start_byte(n);
		x->inv_b = ts_node_end_byte(n);
	}
	x->exp_tokens += exp.n;
	pt_mtoks all = {0};
	expand_tokens(x, exp.v, exp.n, &all, x->exp_depth + 1);
	pt_vec_free(&exp);
	drop_empty_generics(&all);
	pt_macro_match(&all, 0);
	if (!item_level) {
		L.toks = all;
	} else {
		skeleton(&L, all.v, all.n, x->inv_a, x->inv_b);
		pt_vec_free(&all);
	}
	pt_macro_match(&L.toks, 0);
	L.offs = pt_xmalloc((L.toks.n + 1) * sizeof *L.offs);
	pt_macro_render(L.toks.v, L.toks.n, &L.text, L.offs);
	if (!item_level) {
		type_assigned(x, &L);
		scan_expansion(x, &L);
		goto done;
	}
	walk_layer(x, &L, d + 1, item_level);
done:
	if (outer) {
		x->inv_span = inv;
		x->inv_a = ia;
		x->inv_b = ib;
	}
	free(L.offs);
	pt_vec_free(&L.toks);
	pt_vec_free(&L.bodies);
	pt_vec_free(&L.stashes);
	pt_strbuf_free(&L.text);
	return true;
}
