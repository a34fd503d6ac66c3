/* graph/extract.c — see extract.h.
 *
 * One pre-order pass over the syntax tree with a TSTreeCursor. The walk is
 * iterative and keeps one frame per depth in a growable array, so nesting
 * is bounded by memory, never by the C stack. Each frame saves the context
 * (enclosing item, module, fn, locals and generic params in scope) as it was
 * before its node was entered; leaving the node restores it, which gives
 * lexical scoping for free. Helpers that look inside a subtree either follow
 * fields a bounded number of steps or use the extractor's second cursor.
 *
 * Node kinds are compared by symbol id: the ids are looked up once per
 * extractor and mapped to a small role enum so the hot loop is a table
 * lookup and a switch. Strings are interned (deduplicated per file) into
 * the facts' pool, so receiver descriptors and generic bounds are plain
 * pool offsets and nothing in the walk allocates per node.
 *
 * This file holds the setup, the walk itself and what it does for items,
 * attributes and signatures; extract_refs.c what it does for uses, calls
 * and type references. The walk calls into extract_types.c for paths, types and generic parameters, into
 * extract_locals.c to type locals and receivers, and into extract_macro.c
 * for macro invocations; their shared state is in extract_int.h.
 */
#define _GNU_SOURCE
#include "extract_int.h"
#include "tree_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_rust(void);

#define SYM_ERROR ((TSSymbol)-1)
#define SIG_MAX   512

/* The node kinds that have a role, by name: pt_extractor_new looks their
 * symbol ids up once. */
static const struct {
	const char *name;
	uint8_t role;
} role_names[] = {
	{"source_file", R_SOURCE},
	{"mod_item", R_MOD},
	{"function_item", R_FN},
	{"function_signature_item", R_FNSIG},
	{"struct_item", R_STRUCT},
	{"enum_item", R_ENUM},
	{"union_item", R_UNION},
	{"trait_item", R_TRAIT},
	{"impl_item", R_IMPL},
	{"type_item", R_TYPE_ITEM},
	{"associated_type", R_ASSOC_TYPE},
	{"const_item", R_CONST},
	{"static_item", R_STATIC},
	{"enum_variant", R_VARIANT},
	{"macro_definition", R_MACRO_DEF},
	{"use_declaration", R_USE},
	{"extern_crate_declaration", R_EXTERN_CRATE},
	{"attribute_item", R_ATTR},
	{"inner_attribute_item", R_PRUNE},
	{"line_comment", R_PRUNE},
	{"block_comment", R_PRUNE},
	{"lifetime", R_PRUNE},
	{"label", R_PRUNE},
	{"string_literal", R_PRUNE},
	{"raw_string_literal", R_PRUNE},
	{"char_literal", R_PRUNE},
	{"visibility_modifier", R_PRUNE},
	{"token_tree", R_PRUNE},
	{"macro_invocation", R_MACRO},
	{"call_expression", R_CALL},
	{"let_declaration", R_LET},
	{"let_condition", R_LET_COND},
	{"assignment_expression", R_ASSIGN},
	{"for_expression", R_FOR},
	{"match_arm", R_MATCH_ARM},
	{"closure_expression", R_CLOSURE},
	{"declaration_list", R_DECL_LIST},
	{"expression_statement", R_EXPR_STMT},
	{"identifier", R_IDENT},
	{"type_identifier", R_TYPE_IDENT},
	{"scoped_identifier", R_SCOPED_IDENT},
	{"scoped_type_identifier", R_SCOPED_TYPE},
	{"struct_expression", R_STRUCT_EXPR},
	{"type_parameters", R_TYPE_PARAMS},
	{"constrained_type_parameter", R_CONSTRAINED},
};

/* ---- setup -------------------------------------------------------------- */

static TSSymbol sym(const TSLanguage *l, const char *name, bool named)
{
	return ts_language_symbol_for_name(l, name, (uint32_t)strlen(name), named);
}

static TSFieldId fid(const TSLanguage *l, const char *name)
{
	return ts_language_field_id_for_name(l, name, (uint32_t)strlen(name));
}

static void init_symbols(symbols *s, const TSLanguage *l)
{
	s->ident = sym(l, "identifier", true);
	s->type_ident = sym(l, "type_identifier", true);
	s->field_ident = sym(l, "field_identifier", true);
	s->shorthand_field_ident = sym(l, "shorthand_field_identifier", true);
	s->self = sym(l, "self", true);
	s->crate = sym(l, "crate", true);
	s->super = sym(l, "super", true);
	s->primitive = sym(l, "primitive_type", true);
	s->scoped_ident = sym(l, "scoped_identifier", true);
	s->scoped_type = sym(l, "scoped_type_identifier", true);
	s->generic_type = sym(l, "generic_type", true);
	s->generic_turbofish = sym(l, "generic_type_with_turbofish", true);
	s->generic_function = sym(l, "generic_function", true);
	s->field_expr = sym(l, "field_expression", true);
	s->reference_type = sym(l, "reference_type", true);
	s->pointer_type = sym(l, "pointer_type", true);
	s->dynamic_type = sym(l, "dynamic_type", true);
	s->abstract_type = sym(l, "abstract_type", true);
	s->bounded_type = sym(l, "bounded_type", true);
	s->hrtb = sym(l, "higher_ranked_trait_bound", true);
	s->function_type = sym(l, "function_type", true);
	s->removed_bound = sym(l, "removed_trait_bound", true);
	s->bracketed_type = sym(l, "bracketed_type", true);
	s->qualified_type = sym(l, "qualified_type", true);
	s->paren_expr = sym(l, "parenthesized_expression", true);
	s->reference_expr = sym(l, "reference_expression", true);
	s->struct_expr = sym(l, "struct_expression", true);
	s->call_expr = sym(l, "call_expression", true);
	s->lifetime = sym(l, "lifetime", true);
	s->parameter = sym(l, "parameter", true);
	s->constrained = sym(l, "constrained_type_parameter", true);
	s->optional_param = sym(l, "optional_type_parameter", true);
	s->where_clause = sym(l, "where_clause", true);
	s->where_predicate = sym(l, "where_predicate", true);
	s->use_list = sym(l, "use_list", true);
	s->scoped_use_list = sym(l, "scoped_use_list", true);
	s->use_as_clause = sym(l, "use_as_clause", true);
	s->use_wildcard = sym(l, "use_wildcard", true);
	s->field_decl = sym(l, "field_declaration", true);
	s->ordered_field_decl_list = sym(l, "ordered_field_declaration_list", true);
	s->visibility = sym(l, "visibility_modifier", true);
	s->attribute = sym(l, "attribute", true);
	s->token_tree = sym(l, "token_tree", true);
	s->string_literal = sym(l, "string_literal", true);
	s->raw_string_literal = sym(l, "raw_string_literal", true);
	s->metavar = sym(l, "metavariable", true);
	s->macro_rule = sym(l, "macro_rule", true);
	s->binding_pattern = sym(l, "token_binding_pattern", true);
	s->repetition_pattern = sym(l, "token_repetition_pattern", true);
	s->array_type = sym(l, "array_type", true);
	s->try_expr = sym(l, "try_expression", true);
	s->index_expr = sym(l, "index_expression", true);
	s->unary_expr = sym(l, "unary_expression", true);
	s->block = sym(l, "block", true);
	s->unsafe_block = sym(l, "unsafe_block", true);
	s->range_expr = sym(l, "range_expression", true);
	s->match_expr = sym(l, "match_expression", true);
	s->closure_params = sym(l, "closure_parameters", true);
	s->captured_pattern = sym(l, "captured_pattern", true);
	s->tuple_type = sym(l, "tuple_type", true);
	s->tuple_expr = sym(l, "tuple_expression", true);
	s->tuple_pattern = sym(l, "tuple_pattern", true);
	s->if_expr = sym(l, "if_expression", true);
	s->let_condition = sym(l, "let_condition", true);
	s->let_chain = sym(l, "let_chain", true);
	s->rest_pattern = sym(l, "remaining_field_pattern", true);
	s->match_arm = sym(l, "match_arm", true);
	s->expr_stmt = sym(l, "expression_statement", true);
	s->return_expr = sym(l, "return_expression", true);
	s->break_expr = sym(l, "break_expression", true);
	s->continue_expr = sym(l, "continue_expression", true);
	s->macro_inv = sym(l, "macro_invocation", true);
	s->closure_expr = sym(l, "closure_expression", true);
	s->line_comment = sym(l, "line_comment", true);
	s->block_comment = sym(l, "block_comment", true);
	s->assign_expr = sym(l, "assignment_expression", true);
	s->let_decl = sym(l, "let_declaration", true);
	s->t_lparen = sym(l, "(", false);
	s->t_rparen = sym(l, ")", false);
	s->t_star = sym(l, "*", false);
	s->t_hash = sym(l, "#", false);
	s->t_lbrack = sym(l, "[", false);
	s->t_lbrace = sym(l, "{", false);
	s->t_rbrace = sym(l, "}", false);
	s->t_rbrack = sym(l, "]", false);
	s->t_dot = sym(l, ".", false);
	s->t_fn = sym(l, "fn", false);
	s->t_struct = sym(l, "struct", false);
	s->t_enum = sym(l, "enum", false);
	s->t_union = sym(l, "union", false);
	s->t_trait = sym(l, "trait", false);
	s->t_mod = sym(l, "mod", false);
	s->t_pipe = sym(l, "|", false);
	s->t_let = sym(l, "let", false);
	s->t_at = sym(l, "@", false);
	s->t_impl = sym(l, "impl", false);
	s->t_for = sym(l, "for", false);
	s->t_lt = sym(l, "<", false);
	s->t_gt = sym(l, ">", false);
	s->t_shr = sym(l, ">>", false);
	s->t_colons = sym(l, "::", false);
	s->t_amp = sym(l, "&", false);
	s->t_quote = sym(l, "'", false);
	s->t_dyn = sym(l, "dyn", false);
	s->t_comma = sym(l, ",", false);
	s->t_mut = sym(l, "mutable_specifier", true);
	s->t_bang = sym(l, "!", false);
}

static void init_fields(fields *f, const TSLanguage *l)
{
	f->name = fid(l, "name");
	f->body = fid(l, "body");
	f->type = fid(l, "type");
	f->trait = fid(l, "trait");
	f->path = fid(l, "path");
	f->value = fid(l, "value");
	f->function = fid(l, "function");
	f->pattern = fid(l, "pattern");
	f->parameters = fid(l, "parameters");
	f->return_type = fid(l, "return_type");
	f->type_parameters = fid(l, "type_parameters");
	f->bounds = fid(l, "bounds");
	f->left = fid(l, "left");
	f->alias = fid(l, "alias");
	f->argument = fid(l, "argument");
	f->macro = fid(l, "macro");
	f->field = fid(l, "field");
	f->type_arguments = fid(l, "type_arguments");
	f->arguments = fid(l, "arguments");
	f->condition = fid(l, "condition");
	f->right = fid(l, "right");
	f->element = fid(l, "element");
	f->consequence = fid(l, "consequence");
}

pt_extractor *pt_extractor_new(void)
{
	pt_extractor *x = pt_xcalloc(1, sizeof *x);
	x->lang = tree_sitter_rust();
	x->parser = ts_parser_new();
	if (!ts_parser_set_language(x->parser, x->lang)) {
		ts_parser_delete(x->parser);
		free(x);
		return NULL;
	}
	x->timeout = 2000000;
	x->nsym = ts_language_symbol_count(x->lang);
	x->role = pt_xcalloc(x->nsym, 1);
	for (uint32_t s = 0; s < x->nsym; s++)
		if (ts_language_symbol_type(x->lang, (TSSymbol)s) == TSSymbolTypeAnonymous)
			x->role[s] = R_TOKEN;
	for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
		TSSymbol s = sym(x->lang, role_names[i].name, true);
		if (s && s < x->nsym)
			x->role[s] = role_names[i].role;
	}
	init_symbols(&x->S, x->lang);
	init_fields(&x->F, x->lang);
	for (int i = 0; i < LOCAL_BUCKETS; i++)
		x->heads[i] = -1;
	x->sub_top = SIZE_MAX;
	return x;
}

void pt_extractor_free(pt_extractor *x)
{
	if (!x)
		return;
	if (x->cursors) {
		ts_tree_cursor_delete(&x->cur);
		ts_tree_cursor_delete(&x->aux);
	}
	ts_parser_delete(x->parser);
	free(x->role);
	free(x->itab);
	pt_vec_free(&x->frames);
	pt_vec_free(&x->locals);
	pt_strbuf_free(&x->names);
	pt_vec_free(&x->gens);
	pt_vec_free(&x->pairs);
	pt_vec_free(&x->derives);
	pt_strbuf_free(&x->pend_cfg);
	pt_vec_free(&x->toks);
	pt_vec_free(&x->walked);
	pt_vec_free(&x->rebound);
	pt_vec_free(&x->xdefs);
	ex_parses_free(&x->parses);
	pt_vec_free(&x->file_lines);
	for (size_t i = 0; i < x->imp_lines.cap && x->imp_lines.v; i++)
		if (i < x->imp_lines.n)
			pt_vec_free(&x->imp_lines.v[i]);
	pt_vec_free(&x->imp_lines);
	pt_strbuf_free(&x->tmp);
	pt_strbuf_free(&x->sig);
	pt_strbuf_free(&x->pre);
	pt_strbuf_free(&x->gb);
	pt_strbuf_free(&x->chain);
	free(x);
}

void pt_extractor_set_timeout(pt_extractor *x, uint64_t micros)
{
	x->timeout = micros;
}

/* ---- interning ---------------------------------------------------------- */

static void itab_grow(pt_extractor *x)
{
	uint32_t cap = x->icap ? x->icap * 2 : 1024;
	islot *t = pt_xcalloc(cap, sizeof *t);
	for (uint32_t i = 0; i < x->icap; i++) {
		islot s = x->itab[i];
		if (s.gen != x->gen)
			continue;
		uint32_t j = s.hash & (cap - 1);
		while (t[j].gen == x->gen)
			j = (j + 1) & (cap - 1);
		t[j] = s;
	}
	free(x->itab);
	x->itab = t;
	x->icap = cap;
}

/* Pool offset of s (n bytes), adding it once per file. s must not point
 * into the pool itself (adding may move it). */
uint32_t ex_intern(pt_extractor *x, const char *s, size_t n)
{
	if (n == 0)
		return 0;
	if ((x->icount + 1) * 2 > x->icap)
		itab_grow(x);
	uint32_t h = (uint32_t)pt_hash64(s, n), mask = x->icap - 1;
	for (uint32_t i = h & mask;; i = (i + 1) & mask) {
		islot *sl = &x->itab[i];
		if (sl->gen != x->gen) {
			uint32_t off = pt_strpool_add(&x->out->pool, s, n);
			*sl = (islot){off, (uint32_t)n, h, x->gen};
			x->icount++;
			return off;
		}
		if (sl->hash == h && sl->len == n &&
		    memcmp(pt_strpool_get(&x->out->pool, sl->off), s, n) == 0)
			return sl->off;
	}
}

uint32_t ex_intern_buf(pt_extractor *x, const pt_strbuf *b)
{
	return ex_intern(x, b->buf, b->len);
}

uint32_t ex_intern_ident(pt_extractor *x, TSNode n)
{
	size_t len;
	const char *s = ident(x, n, &len);
	return ex_intern(x, s, len);
}

/* ---- output records ------------------------------------------------------ */

fact_item *ex_item_at(pt_extractor *x, int32_t i)
{
	return &x->out->items.v[i];
}

int32_t ex_add_item(pt_extractor *x, TSNode n, uint8_t kind, TSNode name)
{
	fact_item it = {0};
	bool own = true;
	it.kind = kind;
	it.parent = x->cx.parent;
	it.span = ex_map_item(x, span_of(n), &own);
	if (!null(name)) {
		it.name_span = ex_map_name(x, name, it.span);
		it.name = ex_intern_ident(x, name);
	}
	TSNode first = ts_node_named_child(n, 0);
	if (!null(first) && ts_node_symbol(first) == x->S.visibility)
		it.flags |= FI_PUB;
	if (x->in_macro)
		it.flags |= own ? FI_IN_MACRO : FI_MACRO_GEN;
	/* a parent comes before its members: the resolver walks items in order */
	pt_assert(pt_span_ok(it.span) && it.parent < (int32_t)x->out->items.n);
	pt_vec_push(&x->out->items, it);
	return (int32_t)x->out->items.n - 1;
}

pt_span ex_map_name(pt_extractor *x, TSNode name, pt_span item)
{
	uint32_t src;
	pt_span s = ex_map_site(x, span_of(name), &src);
	return src == 0 ? s : item;
}

fact_ref *ex_add_ref(pt_extractor *x, uint8_t kind, pt_span site, uint32_t path)
{
	fact_ref r = {0};
	uint32_t src = 0;
	r.kind = kind;
	r.from = x->cx.from;
	r.path = path;
	r.span = ex_map_site(x, site, &src);
	/* a derive a template writes is the type's, made at the invocation (as
	 * rustdoc places it): not at the template's text */
	if (x->lay && kind == FR_DERIVE &&
	    (src || r.span.start_byte < x->inv_a || r.span.end_byte > x->inv_b)) {
		r.span = x->inv_span;
		src = 0;
	}
	pt_assert(pt_span_ok(r.span) && r.from < (int32_t)x->out->items.n);
	pt_vec_push(&x->out->refs, r);
	if (src) { /* written in a definition another file lends */
		const pt_macro_import *m = &x->imps[src - 1];
		fact_xsite xs = {(uint32_t)x->out->refs.n - 1,
				 ex_intern(x, m->path, strlen(m->path)), m->index};
		pt_vec_push(&x->out->xsites, xs);
	}
	return &x->out->refs.v[x->out->refs.n - 1];
}

/* ---- signatures ---------------------------------------------------------- */

/* Skip a comment starting at i (which is "//" or "/ *"); Rust block comments nest. */
static uint32_t skip_comment(const char *s, uint32_t i, uint32_t end)
{
	if (s[i + 1] == '/') {
		while (i < end && s[i] != '\n')
			i++;
		return i;
	}
	int depth = 0;
	while (i < end) {
		if (i + 1 < end && s[i] == '/' && s[i + 1] == '*') {
			depth++;
			i += 2;
		} else if (i + 1 < end && s[i] == '*' && s[i + 1] == '/') {
			i += 2;
			if (--depth == 0)
				break;
		} else {
			i++;
		}
	}
	return i;
}

bool ex_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0;
}

/* Copy a string literal starting at the quote at i verbatim; returns the
 * index after it. */
static uint32_t copy_string(pt_strbuf *b, const char *s, uint32_t i, uint32_t end)
{
	uint32_t j = i + 1;
	while (j < end && s[j] != '"')
		j += (s[j] == '\\' && j + 1 < end) ? 2 : 1;
	if (j < end)
		j++;
	for (uint32_t k = i; k < j && k < end; k++)
		pt_strbuf_addc(b, s[k] ? s[k] : ' ');
	return j;
}

/* Intern the signature text [start, end): comments dropped, whitespace runs
 * collapsed, trimmed, a trailing `strip` character removed, at most SIG_MAX
 * bytes cut at a UTF-8 boundary. */
static uint32_t make_sig(pt_extractor *x, uint32_t start, uint32_t end, char strip)
{
	pt_strbuf *b = &x->sig;
	const char *s = x->src;
	bool space = false;
	b->len = 0;
	if (end > x->len)
		end = x->len;
	for (uint32_t i = start; i < end && b->len <= SIG_MAX;) {
		char c = s[i];
		if (c == '/' && i + 1 < end && (s[i + 1] == '/' || s[i + 1] == '*')) {
			i = skip_comment(s, i, end);
			space = true;
		} else if (ex_is_space(c)) {
			space = true;
			i++;
		} else {
			if (space && b->len)
				pt_strbuf_addc(b, ' ');
			space = false;
			if (c == '"') {
				i = copy_string(b, s, i, end);
			} else {
				pt_strbuf_addc(b, c);
				i++;
			}
		}
	}
	if (b->len <= SIG_MAX && strip && b->len && b->buf[b->len - 1] == strip)
		b->len--;
	while (b->len && b->buf[b->len - 1] == ' ')
		b->len--;
	if (b->len > SIG_MAX) {
		size_t cut = SIG_MAX;
		while (cut > 0 && ((unsigned char)b->buf[cut] & 0xC0) == 0x80)
			cut--;
		b->len = cut;
	}
	return ex_intern_buf(x, b);
}

/* ---- attributes ----------------------------------------------------------- */

void ex_clear_pending(pt_extractor *x)
{
	x->pending = false;
	x->pend_path = 0;
	x->pend_cfg.len = 0;
	x->pend_flags = 0;
	pt_vec_clear(&x->derives);
}

/* Span from the start of a to the end of b. */
static pt_span span_join(TSNode a, TSNode b)
{
	pt_span s = span_of(a), e = span_of(b);
	s.end_byte = e.end_byte;
	s.end_line = e.end_line;
	s.end_col = e.end_col;
	return s;
}

/* `#[derive(A, b::B)]`: one pending derive per path in the token tree. */
static void parse_derive(pt_extractor *x, TSNode tt)
{
	TSTreeCursor *c = &x->aux;
	TSNode first = {0}, last = {0};
	pt_strbuf *b = &x->tmp;
	b->len = 0;
	ts_tree_cursor_reset(c, tt);
	if (!ts_tree_cursor_goto_first_child(c))
		return;
	do {
		TSNode n = ts_tree_cursor_current_node(c);
		TSSymbol s = ts_node_symbol(n);
		if (s == x->S.ident) {
			size_t len;
			const char *t = ident(x, n, &len);
			ex_add_seg(b, 0, t, len);
			if (null(first))
				first = n;
			last = n;
		} else if (s != x->S.t_colons && !null(first)) {
			pending_derive d = {ex_intern_buf(x, b), span_join(first, last)};
			pt_vec_push(&x->derives, d);
			b->len = 0;
			first = (TSNode){0};
		}
	} while (ts_tree_cursor_goto_next_sibling(c));
}

/* `#[path = "x.rs"]`: the literal's text without its quotes. */
static uint32_t parse_path_attr(pt_extractor *x, TSNode lit)
{
	TSSymbol s = ts_node_symbol(lit);
	if (s != x->S.string_literal && s != x->S.raw_string_literal)
		return 0;
	uint32_t a = ts_node_start_byte(lit), b = ts_node_end_byte(lit);
	const char *t = x->src + a;
	const char *q1 = memchr(t, '"', b - a);
	const char *q2 = q1 ? memrchr(q1 + 1, '"', (size_t)(x->src + b - q1 - 1)) : NULL;
	if (!q2 || memchr(q1 + 1, 0, (size_t)(q2 - q1 - 1)))
		return 0;
	return ex_intern(x, q1 + 1, (size_t)(q2 - q1 - 1));
}

/* `#[cfg(pred)]`: pred's text, whitespace collapsed, joined to the others. */
static void add_cfg(pt_extractor *x, TSNode args)
{
	uint32_t a = ts_node_start_byte(args), b = ts_node_end_byte(args);
	if (b - a < 2 || b - a > 4096)
		return;
	if (x->pend_cfg.len)
		pt_strbuf_adds(&x->pend_cfg, ", ");
	bool space = false;
	for (uint32_t i = a + 1; i + 1 < b; i++) {
		char c = x->src[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = true;
			continue;
		}
		if (space && x->pend_cfg.len && x->pend_cfg.buf[x->pend_cfg.len - 1] != ' ')
			pt_strbuf_addc(&x->pend_cfg, ' ');
		space = false;
		pt_strbuf_addc(&x->pend_cfg, c ? c : ' ');
	}
}

/* `#[cfg_attr(pred, path = "x.rs")]`: one more alternative for the
 * module's file, kept in path_attr as "\x01pred\x02x.rs" after the
 * others (facts.h). Text-level: the predicate is everything before the
 * first comma at the top of the parentheses. */
static void cfg_attr_path(pt_extractor *x, TSNode args)
{
	const char *t = x->src + ts_node_start_byte(args), *e = x->src + ts_node_end_byte(args);
	if (e - t < 2 || *t != '(' || e - t > 4096)
		return;
	const char *p = t + 1, *comma = NULL;
	for (int depth = 0; p < e - 1 && !comma; p++) {
		if (*p == '"') {
			for (p++; p < e - 1 && *p != '"'; p++)
				p += *p == '\\';
		} else if (*p == '(' || *p == '[') {
			depth++;
		} else if (*p == ')' || *p == ']') {
			depth--;
		} else if (*p == ',' && depth == 0) {
			comma = p;
		}
	}
	if (!comma)
		return;
	const char *k = comma + 1;
	while (k < e && (*k == ' ' || *k == '\n' || *k == '\t' || *k == '\r'))
		k++;
	if (e - k < 6 || memcmp(k, "path", 4) != 0)
		return;
	const char *q1 = memchr(k, '"', (size_t)(e - k)), *q2 = NULL;
	if (q1)
		q2 = memchr(q1 + 1, '"', (size_t)(e - q1 - 1));
	for (const char *eq = k + 4; q1 && eq < q1; eq++)
		if (*eq != ' ' && *eq != '=' && *eq != '\t')
			return;
	if (!q2 || memchr(t, 0, (size_t)(e - t)) || memchr(t, '\x01', (size_t)(e - t)) ||
	    memchr(t, '\x02', (size_t)(e - t)))
		return;
	x->sig.len = 0;
	const char *prev = x->pend_path ? pt_strpool_get(&x->out->pool, x->pend_path) : "";
	if (*prev == '\x01')
		pt_strbuf_adds(&x->sig, prev);
	pt_strbuf_addc(&x->sig, '\x01');
	for (const char *c = t + 1; c < comma; c++)
		pt_strbuf_addc(&x->sig, (*c == '\n' || *c == '\t' || *c == '\r') ? ' ' : *c);
	pt_strbuf_addc(&x->sig, '\x02');
	pt_strbuf_add(&x->sig, q1 + 1, (size_t)(q2 - q1 - 1));
	x->pend_path = ex_intern_buf(x, &x->sig);
}

/* What an attribute's name says about how its item is reached: a test
 * harness or a caller outside the Rust code (the linker, the compiler's
 * proc-macro loader). */
static uint32_t attr_flags(const char *s, size_t len)
{
	static const char *const entry[] = {"no_mangle", "export_name", "proc_macro",
					    "proc_macro_derive", "proc_macro_attribute"};
	if (text_is(s, len, "test") || text_is(s, len, "bench"))
		return FI_TEST;
	for (size_t i = 0; i < sizeof entry / sizeof *entry; i++)
		if (text_is(s, len, entry[i]))
			return FI_ENTRY;
	return 0;
}

static void on_attribute(pt_extractor *x, TSNode n, size_t d)
{
	if (x->pending && x->pend_depth != d)
		ex_clear_pending(x);
	x->pending = true;
	x->pend_depth = d;
	TSNode a = ts_node_named_child(n, 0);
	if (null(a) || ts_node_symbol(a) != x->S.attribute)
		return;
	TSNode name = ts_node_named_child(a, 0);
	if (!null(name) && ts_node_symbol(name) == x->S.scoped_ident) {
		/* `#[tokio::test]`: only the last segment says what it is */
		TSNode last = child(name, x->F.name);
		size_t len;
		const char *s = null(last) ? NULL : ident(x, last, &len);
		if (s && text_is(s, len, "test"))
			x->pend_flags |= FI_TEST;
		return;
	}
	if (null(name) || ts_node_symbol(name) != x->S.ident)
		return;
	size_t len;
	const char *s = ident(x, name, &len);
	x->pend_flags |= attr_flags(s, len);
	TSNode args = child(a, x->F.arguments), value = child(a, x->F.value);
	if (text_is(s, len, "derive") && !null(args))
		parse_derive(x, args);
	else if (text_is(s, len, "cfg") && !null(args))
		add_cfg(x, args);
	else if (text_is(s, len, "path") && !null(value))
		x->pend_path = parse_path_attr(x, value);
	else if (text_is(s, len, "cfg_attr") && !null(args))
		cfg_attr_path(x, args);
}

/* Attach the pending attributes at depth d to item i. */
static void take_pending(pt_extractor *x, int32_t i, size_t d, bool derives)
{
	if (!x->pending || x->pend_depth != d)
		return;
	if (ex_item_at(x, i)->kind == PT_MODULE)
		ex_item_at(x, i)->path_attr = x->pend_path;
	ex_item_at(x, i)->flags |= x->pend_flags;
	if (x->pend_cfg.len) {
		x->sig.len = 0;
		pt_strbuf_printf(&x->sig, "all(%s)", x->pend_cfg.buf);
		ex_item_at(x, i)->cfg = ex_intern_buf(x, &x->sig);
	}
	for (size_t k = 0; derives && k < x->derives.n; k++) {
		fact_ref *r = ex_add_ref(x, FR_DERIVE, x->derives.v[k].span, x->derives.v[k].path);
		r->from = i;
	}
	ex_clear_pending(x);
}

/* ---- items ------------------------------------------------------------------ */

static bool in_impl_or_trait(const pt_extractor *x, size_t d)
{
	if (d == x->sub_top) { /* `impl S { items! { fn m() {} } }` */
		int32_t p = x->cx.parent;
		uint8_t k = p >= 0 ? x->out->items.v[p].kind : 0;
		return k == PT_IMPL || k == PT_TRAIT;
	}
	uint8_t r = up_role(x, d, 2);
	return up_role(x, d, 1) == R_DECL_LIST && (r == R_IMPL || r == R_TRAIT);
}

/* A fn's return type path; 0 for `impl Trait` and tuples; a generic
 * parameter (`-> T`, `-> Pin<&mut R>`) gives its name, which the
 * resolver reads with the fn's own bounds. */
static uint32_t ret_path(pt_extractor *x, TSNode rt)
{
	x->tmp.len = 0;
	if (null(rt) || ex_type_norm(x, rt, TY_UNWRAP | TY_ELEM, &x->tmp, 0) != TY_PATH)
		return 0;
	return ex_intern_buf(x, &x->tmp);
}

/* `extern "C" fn f() {..}`: callable from other languages. The
 * modifiers come before the name. */
static bool is_extern_fn(TSNode fn)
{
	uint32_t n = ts_node_named_child_count(fn);
	for (uint32_t i = 0; i < n; i++) {
		TSNode c = ts_node_named_child(fn, i);
		if (strcmp(ts_node_type(c), "function_modifiers") != 0)
			continue;
		for (uint32_t j = 0; j < ts_node_named_child_count(c); j++)
			if (strcmp(ts_node_type(ts_node_named_child(c, j)), "extern_modifier") == 0)
				return true;
		return false;
	}
	return false;
}

static void enter_fn(pt_extractor *x, TSNode n, size_t d)
{
	TSNode body = child(n, x->F.body);
	int32_t i = ex_add_item(x, n, in_impl_or_trait(x, d) ? PT_METHOD : PT_FUNCTION,
				child(n, x->F.name));
	take_pending(x, i, d, false);
	uint32_t sig = null(body) ? make_sig(x, ts_node_start_byte(n), ts_node_end_byte(n), ';')
				  : make_sig(x, ts_node_start_byte(n), ts_node_start_byte(body), 0);
	uint32_t gen = ex_push_generics(x, n);
	uint32_t ret = ret_path(x, child(n, x->F.return_type));
	fact_item *it = ex_item_at(x, i);
	it->sig = sig;
	it->generics = gen;
	it->ret_type = ret;
	it->flags |= null(body) ? 0 : FI_HAS_BODY;
	if (!null(body) && is_extern_fn(n))
		it->flags |= FI_ENTRY;
	x->cx.parent = x->cx.from = x->cx.scope = i;
	x->cx.fn_base = (uint32_t)x->locals.n;
	ex_bind_params(x, child(n, x->F.parameters));
	if (x->lay && !null(body))
		ex_fn_body(x, body);
}

/* A field's type path; a generic parameter of the item (`T`, `Box<T>`,
 * `&'a T`) gives the parameter's name, which ex_type_path leaves out. A
 * `Box<Expr>` field is "Box<Expr>": `self.body.clone()` is Box's clone
 * (syn's ast_struct! fields), `self.body.f()` Expr's f. */
static uint32_t field_type(pt_extractor *x, TSNode t)
{
	uint32_t p = ex_type_path(x, t, TY_UNWRAP | TY_ELEM | TY_PTR);
	if (p || null(t))
		return p;
	x->tmp.len = 0;
	if (ex_type_norm(x, t, TY_UNWRAP, &x->tmp, 0) != TY_PATH ||
	    memmem(x->tmp.buf, x->tmp.len, "::", 2))
		return 0;
	return ex_gen_find(x, x->tmp.buf, x->tmp.len) ? ex_intern_buf(x, &x->tmp) : 0;
}

/* prefix: "Variant." for the fields of an enum's variant, else "". */
static void add_fields(pt_extractor *x, int32_t owner, TSNode body, const char *prefix)
{
	TSTreeCursor *c = &x->aux;
	pt_strbuf *nm = &x->sig;
	bool tuple = ts_node_symbol(body) == x->S.ordered_field_decl_list;
	unsigned idx = 0;
	ts_tree_cursor_reset(c, body);
	if (!ts_tree_cursor_goto_first_child(c))
		return;
	do {
		TSNode n = ts_tree_cursor_current_node(c);
		fact_field f = {owner, 0, 0};
		nm->len = 0;
		pt_strbuf_adds(nm, prefix);
		if (tuple && ts_tree_cursor_current_field_id(c) == x->F.type) {
			pt_strbuf_printf(nm, "%u", idx++);
			f.name = ex_intern_buf(x, nm);
			f.type = field_type(x, n);
		} else if (!tuple && ts_node_symbol(n) == x->S.field_decl) {
			TSNode name = child(n, x->F.name);
			if (null(name))
				continue;
			size_t len;
			const char *t = ident(x, name, &len);
			pt_strbuf_add(nm, t, len);
			f.name = ex_intern_buf(x, nm);
			f.type = field_type(x, child(n, x->F.type));
		} else {
			continue;
		}
		pt_vec_push(&x->out->fields, f);
	} while (ts_tree_cursor_goto_next_sibling(c));
}

/* Fields of each variant of an enum, as "Variant.0" / "Variant.name". */
static void add_variant_fields(pt_extractor *x, int32_t owner, TSNode list)
{
	uint32_t n = ts_node_named_child_count(list);
	char prefix[300];
	for (uint32_t k = 0; k < n; k++) {
		TSNode v = ts_node_named_child(list, k), name = child(v, x->F.name),
		       body = child(v, x->F.body);
		if (null(name) || null(body) || strcmp(ts_node_type(v), "enum_variant") != 0)
			continue;
		size_t len;
		const char *t = ident(x, name, &len);
		if (len > 250)
			continue;
		snprintf(prefix, sizeof prefix, "%.*s.", (int)len, t);
		add_fields(x, owner, body, prefix);
	}
}

static void enter_adt(pt_extractor *x, TSNode n, size_t d, uint8_t kind)
{
	TSNode body = child(n, x->F.body);
	int32_t i = ex_add_item(x, n, kind, child(n, x->F.name));
	take_pending(x, i, d, true);
	ex_item_at(x, i)->sig =
		make_sig(x, ts_node_start_byte(n),
			 null(body) ? ts_node_end_byte(n) : ts_node_start_byte(body), ';');
	uint32_t gen = ex_push_generics(x, n);
	ex_item_at(x, i)->generics = gen;
	x->cx.from = i;
	if (!null(body) && kind != PT_ENUM)
		add_fields(x, i, body, "");
	else if (!null(body))
		add_variant_fields(x, i, body);
}

/* An impl's self type `&T`, `&mut T` or `Box<T>` (Rc, Arc) with T a
 * generic parameter: T's bounds, which is what `**self` is there (the
 * builtin derefs, not a Deref impl of the crate); else 0. */
static uint32_t deref_bounds(pt_extractor *x, TSNode t)
{
	if (null(t))
		return 0;
	if (ts_node_symbol(t) == x->S.reference_type)
		t = child(t, x->F.type);
	else if (ts_node_symbol(t) == x->S.generic_type &&
		 ex_is_smart_pointer(x, child(t, x->F.type)))
		t = ex_first_type_arg(x, t);
	else
		return 0;
	if (null(t) || ts_node_symbol(t) != x->S.type_ident)
		return 0;
	size_t n;
	const char *s = ident(x, t, &n);
	const gparam *g = ex_gen_find(x, s, n);
	return g ? g->bounds : 0;
}

static void enter_impl(pt_extractor *x, TSNode n, size_t d)
{
	TSNode body = child(n, x->F.body), self = child(n, x->F.type), trait = child(n, x->F.trait);
	int32_t i = ex_add_item(x, n, PT_IMPL, (TSNode){0});
	take_pending(x, i, d, false);
	uint32_t sig = make_sig(x, ts_node_start_byte(n),
				null(body) ? ts_node_end_byte(n) : ts_node_start_byte(body), ';');
	uint32_t gen = ex_push_generics(x, n);
	if (!null(trait) && !null(ex_find_child(x, n, x->S.t_bang)))
		trait = (TSNode){0}; /* `impl !Send for X` implements nothing */
	uint32_t ip = ex_type_path(x, self, 0), tp = ex_type_path(x, trait, 0);
	fact_item *it = ex_item_at(x, i);
	if (!null(self))
		it->name_span = ex_map_name(x, self, it->span);
	it->sig = sig;
	it->generics = gen;
	it->impl_self = ip;
	it->impl_trait = tp;
	it->flags |= null(trait) ? 0 : FI_TRAIT_IMPL;
	x->cx.parent = x->cx.from = i;
	x->cx.deref_self = deref_bounds(x, self);
}

static void enter_trait(pt_extractor *x, TSNode n, size_t d)
{
	TSNode body = child(n, x->F.body);
	int32_t i = ex_add_item(x, n, PT_TRAIT, child(n, x->F.name));
	take_pending(x, i, d, false);
	uint32_t sig = make_sig(x, ts_node_start_byte(n),
				null(body) ? ts_node_end_byte(n) : ts_node_start_byte(body), ';');
	uint32_t gen = ex_push_generics(x, n);
	ex_item_at(x, i)->sig = sig;
	ex_item_at(x, i)->generics = gen;
	x->cx.parent = x->cx.from = i;
	x->cx.deref_self = 0;
}

static void enter_mod(pt_extractor *x, TSNode n, size_t d)
{
	TSNode body = child(n, x->F.body);
	int32_t i = ex_add_item(x, n, PT_MODULE, child(n, x->F.name));
	take_pending(x, i, d, false);
	ex_item_at(x, i)->flags |= null(body) ? FI_MOD_EXTERNAL : 0;
	ex_item_at(x, i)->sig =
		null(body) ? make_sig(x, ts_node_start_byte(n), ts_node_end_byte(n), ';')
			   : make_sig(x, ts_node_start_byte(n), ts_node_start_byte(body), 0);
	x->cx.parent = x->cx.from = x->cx.scope = i;
}

/* type aliases, associated types, consts, statics: the text up to the
 * value (consts, statics) or the whole item (types). */
static void enter_simple(pt_extractor *x, TSNode n, size_t d, uint8_t kind)
{
	int32_t i = ex_add_item(x, n, kind, child(n, x->F.name));
	take_pending(x, i, d, false);
	TSNode value = (kind == PT_CONST || kind == PT_STATIC) ? child(n, x->F.value) : (TSNode){0};
	ex_item_at(x, i)->sig =
		null(value) ? make_sig(x, ts_node_start_byte(n), ts_node_end_byte(n), ';')
			    : make_sig(x, ts_node_start_byte(n), ts_node_start_byte(value), '=');
	if (kind == PT_CONST || kind == PT_STATIC)
		ex_item_at(x, i)->ret_type = ret_path(x, child(n, x->F.type));
	if (kind == PT_TYPE_ALIAS) {
		ex_push_generics(x, n);
		uint32_t target = ret_path(x, child(n, x->F.type));
		ex_item_at(x, i)->ret_type = target;
		TSNode bounds = child(n, x->F.bounds), name = child(n, x->F.name);
		uint32_t nb = null(bounds) || null(name) ? 0 : ts_node_named_child_count(bounds);
		pt_strbuf *g = &x->gb;
		g->len = 0;
		for (uint32_t k = 0; k < nb; k++) {
			TSNode b = ts_node_named_child(bounds, k);
			if (ts_node_symbol(b) == x->S.lifetime ||
			    ts_node_symbol(b) == x->S.removed_bound)
				continue;
			size_t at = g->len;
			pt_strbuf_adds(g, g->len ? "+" : "");
			x->tmp.len = 0;
			if (ex_type_norm(x, b, 0, &x->tmp, 0) == TY_NONE)
				g->len = at;
			else
				pt_strbuf_add(g, x->tmp.buf, x->tmp.len);
		}
		if (g->len) {
			size_t len;
			const char *nm = ident(x, name, &len);
			x->sig.len = 0;
			pt_strbuf_printf(&x->sig, "%.*s:%.*s", (int)len, nm, (int)g->len, g->buf);
			ex_item_at(x, i)->generics = ex_intern_buf(x, &x->sig);
		}
	}
	x->cx.from = i;
}

/* A variant of the enum being walked (cx.from): an item whose parent is the
 * enum; its fields stay the enum's ("Variant.field", add_variant_fields). */
static void enter_variant(pt_extractor *x, TSNode n, size_t d)
{
	int32_t parent = x->cx.parent, e = x->cx.from;
	if (e < 0 || ex_item_at(x, e)->kind != PT_ENUM)
		return;
	x->cx.parent = e;
	int32_t i = ex_add_item(x, n, PT_VARIANT, child(n, x->F.name));
	x->cx.parent = parent;
	take_pending(x, i, d, false);
	ex_item_at(x, i)->sig = make_sig(x, ts_node_start_byte(n), ts_node_end_byte(n), 0);
}

static void enter_macro_def(pt_extractor *x, TSNode n, size_t d)
{
	TSNode name = child(n, x->F.name);
	int32_t i = ex_add_item(x, n, PT_MACRO, name);
	take_pending(x, i, d, false);
	ex_item_at(x, i)->sig =
		make_sig(x, ts_node_start_byte(n),
			 null(name) ? ts_node_end_byte(n) : ts_node_end_byte(name), 0);
}

/* ---- the walk ------------------------------------------------------------------- */

static bool is_item_role(uint8_t r)
{
	return r >= R_MOD && r <= R_MACRO_DEF;
}

/* The error the grammar makes of Rust 2015's `try!(..)`: `try` alone,
 * just before the `!`. Not a syntax error of the file. */
static bool try_keyword(pt_extractor *x, TSNode n)
{
	size_t len;
	const char *s = ident(x, n, &len);
	TSNode next = ts_node_next_sibling(n);
	return text_is(s, len, "try") && !null(next) && x->src[ts_node_start_byte(next)] == '!';
}

/* Whether n's errors are all MISSING tokens (`thread_local!(static X: T =
 * e)` lacks only its `;`), not ERROR nodes (but Rust 2015's `try`). */
static bool only_missing(pt_extractor *x, TSNode n)
{
	TSTreeCursor *c = &x->aux;
	int depth = 0;
	ts_tree_cursor_reset(c, n);
	for (;;) {
		TSNode k = ts_tree_cursor_current_node(c);
		if (ts_node_symbol(k) == SYM_ERROR && !try_keyword(x, k))
			return false;
		if (ts_node_has_error(k) && ts_tree_cursor_goto_first_child(c)) {
			depth++;
			continue;
		}
		while (depth > 0 && !ts_tree_cursor_goto_next_sibling(c)) {
			ts_tree_cursor_goto_parent(c);
			depth--;
		}
		if (depth == 0)
			return true;
	}
}

/* Enter the node under the cursor at depth d; returns whether to descend. */
static bool enter(pt_extractor *x, TSTreeCursor *c, size_t d)
{
	TSNode n = ts_tree_cursor_current_node(c);
	uint8_t r = role_of(x, ts_node_symbol(n));
	pt_vec_reserve(&x->frames, d + 1);
	x->frames.n = d + 1;
	frame *f = &x->frames.v[d];
	f->node = n;
	f->role = r;
	f->saved = x->cx;
	f->nlocals = (uint32_t)x->locals.n;
	f->ngens = (uint32_t)x->gens.n;
	if (x->pending && d == x->pend_depth && r != R_ATTR && r != R_PRUNE && !is_item_role(r)) {
		/* `#[cfg(feature = "std")] declare_error_trait!(..);`: the
		 * invocation's condition is its items' (ex_on_macro) */
		if (x->pend_cfg.len &&
		    (r == R_MACRO ||
		     (r == R_EXPR_STMT && ts_node_named_child_count(n) > 0 &&
		      ts_node_symbol(ts_node_named_child(n, 0)) == x->S.macro_inv))) {
			x->sig.len = 0;
			pt_strbuf_printf(&x->sig, "all(%s)", x->pend_cfg.buf);
			x->inv_cfg = ex_intern_buf(x, &x->sig);
		}
		ex_clear_pending(x);
	}
	if (d == x->sub_top) {
		/* a top-level item of a re-parsed macro body: keep it only when it
		 * parsed cleanly, the tokens of the rest are scanned instead */
		if (ts_node_has_error(n) && !only_missing(x, n)) {
			x->skipped++;
			ex_clear_pending(x);
			return false;
		}
		brange w = {ts_node_start_byte(n), ts_node_end_byte(n)};
		pt_vec_push(&x->walked, w);
	}

	uint8_t pr = up_role(x, d, 1);
	if (pr == R_IMPL) {
		TSFieldId fi = ts_tree_cursor_current_field_id(c);
		if (fi == x->F.trait || fi == x->F.type)
			return false; /* impl headers are impl_self/impl_trait */
	} else if (pr == R_FOR && ts_tree_cursor_current_field_id(c) == x->F.body) {
		TSNode loop = x->frames.v[d - 1].node, pat = child(loop, x->F.pattern);
		if (!null(pat))
			ex_bind_pattern(
				x, pat,
				ex_chain_op(x, ex_recv_of(x, child(loop, x->F.value)), '*', "", 0));
	}

	switch (r) {
	case R_MOD: enter_mod(x, n, d); return true;
	case R_FN:
	case R_FNSIG: enter_fn(x, n, d); return true;
	case R_STRUCT: enter_adt(x, n, d, PT_STRUCT); return true;
	case R_ENUM: enter_adt(x, n, d, PT_ENUM); return true;
	case R_UNION: enter_adt(x, n, d, PT_UNION); return true;
	case R_TRAIT: enter_trait(x, n, d); return true;
	case R_IMPL: enter_impl(x, n, d); return true;
	case R_TYPE_ITEM:
	case R_ASSOC_TYPE: enter_simple(x, n, d, PT_TYPE_ALIAS); return true;
	case R_CONST: enter_simple(x, n, d, PT_CONST); return true;
	case R_STATIC: enter_simple(x, n, d, PT_STATIC); return true;
	case R_VARIANT: enter_variant(x, n, d); return true;
	case R_MACRO_DEF: enter_macro_def(x, n, d); return false;
	case R_USE: ex_on_use(x, n); return false;
	case R_EXTERN_CRATE: ex_on_extern_crate(x, n); return false;
	case R_ATTR: on_attribute(x, n, d); return false;
	case R_PRUNE:
	case R_TOKEN: return false;
	case R_MACRO: ex_on_macro(x, n, d); return false;
	case R_CALL: ex_on_call(x, n); return true;
	case R_MATCH_ARM: {
		TSNode pat = child(n, x->F.pattern);
		desc s = {0};
		if (d >= 2 && ts_node_symbol(x->frames.v[d - 2].node) == x->S.match_expr)
			s = ex_recv_of(x, child(x->frames.v[d - 2].node, x->F.value));
		if (!null(pat))
			ex_bind_pattern(x, pat, s);
		return true;
	}
	case R_CLOSURE: {
		TSNode params = child(n, x->F.parameters);
		if (!null(params))
			ex_bind_closure_params(x, params, d);
		return true;
	}
	case R_IDENT: ex_on_ident(x, c, n, d); return false;
	case R_TYPE_IDENT: ex_on_type_ident(x, c, n, d); return false;
	case R_SCOPED_IDENT: ex_on_scoped_ident(x, c, n, d); return false;
	case R_SCOPED_TYPE: return ex_on_scoped_type(x, n);
	default: return true;
	}
}

/* Leave the node at depth d: restore the context it was entered with. */
static void leave(pt_extractor *x, size_t d)
{
	const frame *f = &x->frames.v[d];
	x->cx = f->saved;
	ex_locals_truncate(x, f->nlocals);
	x->gens.n = f->ngens;
	if (x->pending && d < x->pend_depth)
		ex_clear_pending(x);
	if (f->role == R_ASSIGN)
		ex_assign(x, f->node, (uint32_t)x->locals.n, false);
	if (f->role == R_LET || f->role == R_LET_COND) {
		TSNode n = f->node;
		if (f->role == R_LET)
			ex_leave_let(x, n);
		else if (!null(child(n, x->F.pattern)))
			ex_bind_pattern(x, child(n, x->F.pattern),
					ex_recv_of(x, child(n, x->F.value)));
	}
}

/* Walk the tree under root with cursor c, root at depth d0 (frames below
 * d0 belong to an enclosing walk: a macro body is walked from inside the
 * walk of its file). */
void ex_walk(pt_extractor *x, TSTreeCursor *c, TSNode root, size_t d0)
{
	size_t d = d0;
	ts_tree_cursor_reset(c, root);
	bool down = enter(x, c, d0);
	for (;;) {
		if (down && ts_tree_cursor_goto_first_child(c)) {
			down = enter(x, c, ++d);
			continue;
		}
		for (;;) {
			leave(x, d);
			if (d > d0 && ts_tree_cursor_goto_next_sibling(c)) {
				down = enter(x, c, d);
				break;
			}
			if (d == d0 || !ts_tree_cursor_goto_parent(c))
				return;
			d--;
		}
	}
}

/* ERROR and MISSING nodes, looking only inside subtrees that have errors. */
/* ERROR and MISSING nodes under root; *first gets the line of the first. */
static uint32_t count_errors(pt_extractor *x, TSNode root, uint32_t *first)
{
	TSTreeCursor *c = &x->aux;
	uint32_t count = 0;
	int depth = 0;
	if (!ts_node_has_error(root))
		return 0;
	ts_tree_cursor_reset(c, root);
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(c);
		if ((ts_node_symbol(n) == SYM_ERROR && !try_keyword(x, n)) ||
		    ts_node_is_missing(n)) {
			if (!count++)
				*first = ts_node_start_point(n).row;
		}
		if (ts_node_has_error(n) && ts_tree_cursor_goto_first_child(c)) {
			depth++;
			continue;
		}
		while (depth > 0 && !ts_tree_cursor_goto_next_sibling(c)) {
			ts_tree_cursor_goto_parent(c);
			depth--;
		}
		if (depth == 0)
			return count;
	}
}

static uint32_t count_lines(const char *s, size_t len)
{
	uint32_t n = 0;
	const char *p = s, *end = s + len;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n + (len && s[len - 1] != '\n');
}

/* The file's macros and invoked list from a scan of the same text (f's
 * strings interned into out's pool). */
static void copy_scan(const pt_facts *f, pt_facts *out)
{
	for (size_t i = 0; i < f->macros.n; i++) {
		fact_macro m = f->macros.v[i];
		m.name = pt_strpool_adds(&out->pool, pt_strpool_get(&f->pool, m.name));
		m.text = pt_strpool_adds(&out->pool, pt_strpool_get(&f->pool, m.text));
		m.invokes = pt_strpool_adds(&out->pool, pt_strpool_get(&f->pool, m.invokes));
		pt_vec_push(&out->macros, m);
	}
	out->invoked = pt_strpool_adds(&out->pool, pt_strpool_get(&f->pool, f->invoked));
}

/* The files the imports come from, each once, '\n' after each. */
static uint32_t imported_files(pt_extractor *x)
{
	pt_strbuf *b = &x->tmp;
	b->len = 0;
	for (size_t i = 0; i < x->nimps; i++) {
		const char *p = x->imps[i].path;
		size_t n = strlen(p);
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(x->imps[k].path, p) == 0;
		if (!seen) {
			pt_strbuf_add(b, p, n);
			pt_strbuf_addc(b, '\n');
		}
	}
	return ex_intern_buf(x, b);
}

static void begin(pt_extractor *x, const char *text, uint32_t len, pt_facts *out, TSNode root)
{
	x->src = text;
	x->len = len;
	x->file = text;
	x->file_len = len;
	x->out = out;
	x->cx = (ctx){-1, -1, -1, 0, 0};
	if (!out->pool.b.buf)
		pt_strpool_init(&out->pool);
	if (++x->gen == 0) {
		memset(x->itab, 0, x->icap * sizeof *x->itab);
		x->gen = 1;
	}
	x->icount = 0;
	pt_vec_clear(&x->frames);
	pt_vec_clear(&x->gens);
	x->names.len = 0;
	pt_vec_clear(&x->walked);
	x->in_macro = 0;
	x->sub_top = SIZE_MAX;
	ex_clear_pending(x);
	if (!x->cursors) {
		x->cur = ts_tree_cursor_new(root);
		x->aux = ts_tree_cursor_new(root);
		x->cursors = true;
	}
}

int pt_extractor_text(pt_extractor *x, const char *text, size_t len, pt_facts *out)
{
	return pt_extractor_text_tree(x, text, len, NULL, NULL, out);
}

/* CPU time this thread has used, in microseconds; false if unknown. */
static bool thread_cpu_us(uint64_t *us)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return false;
	*us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	return true;
}

TSTree *ex_parse(pt_extractor *x, const TSTree *old, const char *text, uint32_t len)
{
	/* tree-sitter's timeout is wall time: on a loaded machine a large
	 * file would run out of it while other processes hold the CPU, and
	 * the graph would lose that file. A parse that stops early is taken
	 * up where it stopped (tree-sitter keeps its state) until this
	 * thread has spent the timeout in CPU time. */
	uint64_t t0 = 0, now = 0;
	bool clock = thread_cpu_us(&t0);
	for (;;) {
		TSTree *t = ts_parser_parse_string(x->parser, old, text, len);
		if (t)
			return t;
		if (!clock || !thread_cpu_us(&now) || now - t0 >= x->timeout)
			break;
	}
	ts_parser_reset(x->parser);
	return NULL;
}

int pt_extractor_text_tree(pt_extractor *x, const char *text, size_t len, const pt_tree *old,
			   pt_tree **out_tree, pt_facts *out)
{
	const pt_facts *scan = x->scan; /* for this extraction only */
	x->scan = NULL;
	if (out_tree)
		*out_tree = NULL;
	if (len > UINT32_MAX) {
		pt_extractor_set_imports(x, NULL, 0);
		return PT_EINVAL;
	}
	if (!text)
		text = "";
	ts_parser_set_timeout_micros(x->parser, x->timeout);
	ts_parser_set_included_ranges(x->parser, NULL, 0);
	TSTree *t = ex_parse(x, pt_tree_ts(old), text, (uint32_t)len);
	if (!t) {
		pt_extractor_set_imports(x, NULL, 0); /* borrowed for this extraction only */
		return PT_ETIMEDOUT;
	}
	TSNode root = ts_tree_root_node(t);
	begin(x, text, (uint32_t)len, out, root);
	if (scan)
		copy_scan(scan, out); /* what the first pass of the indexer found */
	else
		pt_macro_scan(text, len, out);
	out->import_key = pt_macro_import_key(x->imps, x->nimps);
	out->imported = imported_files(x);
	ex_expand_begin(x);
	ex_walk(x, &x->cur, root, 0);
	ex_locals_truncate(x, 0);
	ex_expand_end(x);
	ex_parses_sweep(&x->parses);
	uint32_t first = 0, errors = count_errors(x, root, &first);
	if (errors && !out->n_errors)
		out->first_error_line = first;
	out->n_errors += errors;
	out->n_lines += count_lines(text, len);
	if (out_tree)
		*out_tree = pt_tree_wrap(t);
	else
		ts_tree_delete(t);
	return PT_OK;
}
