/* graph/extract_int.h — the extractor's private state, shared by graph/extract*.c.
 *
 * The extractor is one walk over the syntax tree, split over four files:
 * extract.c (setup, the walk, items, attributes, uses, signatures, calls and
 * type references), extract_types.c (paths, types and generic parameters),
 * extract_locals.c (locals, patterns and receiver typing) and extract_macro.c
 * (macro invocations, re-parsed macro bodies, macro_rules! templates). They
 * share struct pt_extractor and the records below, a few small inline helpers
 * and the ex_ functions declared at the end. Only graph/extract*.c include this
 * header; graph/extract.h is the extractor's API.
 */
#ifndef PT_GRAPH_EXTRACT_INT_H
#define PT_GRAPH_EXTRACT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <tree_sitter/api.h>

#include "extract.h"
#include "macro.h"

#define MAX_SEGS      64 /* path segments we are willing to join */
#define LOCAL_BUCKETS 64

/* What a node means to the walk. */
enum {
	R_OTHER = 0,
	R_SOURCE,
	R_MOD,
	R_FN,
	R_FNSIG,
	R_STRUCT,
	R_ENUM,
	R_UNION,
	R_TRAIT,
	R_IMPL,
	R_TYPE_ITEM,
	R_ASSOC_TYPE,
	R_CONST,
	R_STATIC,
	R_VARIANT,
	R_MACRO_DEF,
	R_USE,
	R_EXTERN_CRATE,
	R_ATTR,
	R_PRUNE,
	R_MACRO,
	R_CALL,
	R_LET,
	R_LET_COND,
	R_ASSIGN,
	R_FOR,
	R_MATCH_ARM,
	R_CLOSURE,
	R_DECL_LIST,
	R_EXPR_STMT,
	R_IDENT,
	R_TYPE_IDENT,
	R_SCOPED_IDENT,
	R_SCOPED_TYPE,
	R_STRUCT_EXPR,
	R_TYPE_PARAMS,
	R_CONSTRAINED,
	R_TOKEN, /* anonymous: a keyword or punctuation leaf */
};

/* What ex_type_norm found: no path, a type's path, a trait's (`dyn A`, `impl A`). */
enum {
	TY_NONE,
	TY_PATH,
	TY_BOUND
};
/* ex_type_norm's options: unwrap Box/Rc/Arc once; every trait of `A + B`; the element
 * of a std container, slice, array or tuple (extract_types.c says more, at elem_type);
 * with TY_ELEM, a smart pointer to a named type kept as "Box<T>" (its own methods,
 * `clone` first, are not T's) instead of unwrapped. */
enum {
	TY_UNWRAP = 1,
	TY_ALL = 2,
	TY_ELEM = 4,
	TY_PTR = 8
};

/* Symbols the helpers compare against (named unless marked). */
typedef struct {
	TSSymbol ident, type_ident, field_ident, shorthand_field_ident, self, crate, super,
		primitive, scoped_ident, scoped_type, generic_type, generic_turbofish,
		generic_function, field_expr, reference_type, pointer_type, dynamic_type,
		abstract_type, bounded_type, hrtb, function_type, removed_bound, bracketed_type,
		qualified_type, paren_expr, reference_expr, struct_expr, call_expr, lifetime,
		parameter, constrained, optional_param, where_clause, where_predicate, use_list,
		scoped_use_list, use_as_clause, use_wildcard, field_decl, ordered_field_decl_list,
		visibility, attribute, token_tree, string_literal, raw_string_literal, metavar,
		macro_rule, binding_pattern, repetition_pattern, array_type, try_expr, index_expr,
		unary_expr, block, unsafe_block, range_expr, match_expr, closure_params,
		captured_pattern, tuple_type, tuple_expr, tuple_pattern, if_expr, let_condition,
		let_chain, rest_pattern, match_arm, expr_stmt, return_expr, break_expr,
		continue_expr, macro_inv, closure_expr, line_comment, block_comment, assign_expr,
		let_decl;
	/* anonymous tokens, for token trees */
	TSSymbol t_impl, t_for, t_lt, t_gt, t_shr, t_colons, t_amp, t_quote, t_dyn, t_comma, t_mut,
		t_bang, t_lparen, t_hash, t_lbrack, t_rbrack, t_lbrace, t_rbrace, t_dot, t_fn,
		t_struct, t_enum, t_union, t_trait, t_mod, t_pipe, t_let, t_at, t_star, t_rparen;
} symbols;

typedef struct {
	TSFieldId name, body, type, trait, path, value, function, pattern, parameters, return_type,
		type_parameters, bounds, left, alias, argument, macro, field, type_arguments,
		arguments, condition, right, element, consequence;
} fields;

/* What a receiver is known to be (pool offsets). */
typedef struct {
	uint8_t kind;
	uint32_t path, name;
} desc;

/* A local binding visible in the current fn body. */
typedef struct {
	uint32_t start, len; /* the name, as a range of x->names */
	desc d;
	int32_t prev; /* previous local in the same hash bucket */
	bool later;   /* `let x;`: no type, no value; what is first assigned
	                 to it gives its type (ex_assign) */
} local;

/* A generic type parameter in scope: its name a range of x->names; bounds
 * is a pool offset, 0 = none. */
typedef struct {
	uint32_t start, len, bounds;
} gparam;

/* One `T: Bound` seen while gathering an item's generics. */
typedef struct {
	uint32_t start, len, bound;
	bool declared;
} gpair;

typedef struct {
	int32_t parent;      /* innermost module/fn/impl/trait item, -1 = file */
	int32_t from;        /* innermost item of any kind */
	int32_t scope;       /* innermost module or fn, for uses */
	uint32_t fn_base;    /* first local of the innermost fn */
	uint32_t deref_self; /* bounds of T when the innermost impl is for
	                        `&T`, `&mut T` or `Box<T>`, T generic: what
	                        `**self` is; 0 = none */
} ctx;

typedef struct {
	TSNode node;
	uint8_t role;
	ctx saved;
	uint32_t nlocals, ngens;
} frame;

typedef struct {
	uint32_t off, len, hash, gen;
} islot;
typedef struct {
	uint32_t path;
	pt_span span;
} pending_derive;
typedef struct {
	TSSymbol sym;
	uint32_t start, end;
	TSPoint a, b;
} token;
typedef struct {
	uint32_t start, end;
} brange;
/* A macro_rules! definition the file may expand: its own (src 0) or one
 * another file lends (src k + 1 for import k). */
typedef struct {
	const char *name;
	size_t nlen;
	const char *text; /* from `macro_rules` to the closing delimiter */
	size_t len;
	uint32_t src, at;  /* origin of text: source and byte offset there */
	const char *krate; /* what `$crate` becomes */
	pt_macro_def *def; /* parsed on first use */
	bool bad;          /* would not parse */
	bool doc;          /* #[cfg(doc)]: rustdoc's stand-in, never expanded */
	bool gen;          /* FM_GEN: text is an expansion's (owned when src is 0),
	                      written nowhere: its tokens are placed as the
	                      expander's own (PT_MACRO_SYNTH) */
} xdef;

/* A fn body left out of an expansion's text: the `{` that stands for it
 * (a token index of the layer) and its tokens (in the layer's bodies). */
typedef struct {
	uint32_t open, first, n;
} stash;

/* A text being walked that is not the file's: a macro's expansion. Every
 * token of text is toks[k] at offs[k], with its origin. The bodies of the
 * fns it declares are not in the text: the walk reads their calls from
 * their tokens when it enters the fn (bodies, stashes). */
typedef struct {
	pt_strbuf text;
	pt_mtoks toks;
	uint32_t *offs;
	pt_mtoks bodies;
	PT_VEC(stash) stashes;
} layer;

/* Line starts of a source, computed when first needed. */
typedef PT_VEC(uint32_t) lines;

/* One parsed expansion kept between extractions: its text (owned copy)
 * and tree (owned). The tree of a text does not depend on where the text
 * came from, so an identical expansion takes it instead of a parse. */
typedef struct {
	uint64_t hash;
	char *text;
	uint32_t len;
	bool used; /* by the extraction under way */
	TSTree *tree;
} xparse;

/* The expansions' trees (pt_extractor_keep_parses): those the last
 * extraction used; slots index them by hash (open addressing, entry + 1). */
typedef struct {
	bool on;
	PT_VEC(xparse) v;
	uint32_t *slots;
	size_t cap;
} xparses;

/* Parse text with x's parser (its included ranges as set), from old when
 * not NULL: NULL, the parser reset, once this thread has spent x's timeout
 * in CPU time on it. */
TSTree *ex_parse(pt_extractor *x, const TSTree *old, const char *text, uint32_t len);
/* The tree of an expansion's text (borrowed from the cache: valid until
 * the extraction ends), parsed now if the cache does not hold it; NULL
 * when the parse fails. *owned tells whether the caller must delete it. */
TSTree *ex_parse_expansion(pt_extractor *x, const char *text, uint32_t len, bool *owned);
/* Drop the trees the extraction just made did not use. */
void ex_parses_sweep(xparses *c);
void ex_parses_free(xparses *c);

struct pt_extractor {
	TSParser *parser;
	uint64_t timeout;
	int mret_depth; /* nesting of method-return receivers being typed */
	const TSLanguage *lang;
	uint8_t *role; /* symbol id → role */
	uint32_t nsym;
	symbols S;
	fields F;
	TSTreeCursor cur, aux; /* the walk; helpers that scan a subtree */
	bool cursors;

	/* per-file state */
	const char *src;
	uint32_t len;
	pt_facts *out;
	ctx cx;
	PT_VEC(frame) frames;
	PT_VEC(local) locals;
	pt_strbuf names; /* names of locals and generic params: they outlive the
	                    text they were read from (a macro's expansion) */
	int32_t heads[LOCAL_BUCKETS];
	PT_VEC(gparam) gens;
	PT_VEC(gpair) pairs;
	PT_VEC(pending_derive) derives;
	PT_VEC(token) toks;
	PT_VEC(brange) walked;  /* top-level items re-parsed from invocations */
	PT_VEC(brange) rebound; /* names a macro's own tokens bind (`|x|`, `let x`) */
	bool hygienic;          /* scanning a template: its own names are not
	                          the invocation's locals */
	int in_macro;           /* nesting of re-parsed invocation bodies */
	size_t sub_top;         /* depth of their top-level items, SIZE_MAX = none */
	uint32_t skipped;       /* top-level re-parsed items dropped for errors */
	uint32_t pend_path;     /* #[path] of the pending attributes */
	pt_strbuf pend_cfg;     /* their #[cfg(..)] predicates, comma-joined */
	uint32_t inv_cfg;       /* the #[cfg(..)] of the macro invocation being entered,
	                           as "all(p, q)" interned, 0 if none (ex_on_macro) */
	uint32_t pend_flags;    /* FI_TEST / FI_ENTRY from their names */
	size_t pend_depth;
	bool pending;
	pt_strbuf tmp, sig, pre, gb;

	/* macro_rules! expansion (extract_expand.c) */
	const pt_macro_import *imps; /* what the next extraction may expand (borrowed) */
	const pt_facts *scan;        /* pt_macro_scan of its text, when known (borrowed) */
	size_t nimps;
	PT_VEC(xdef) xdefs; /* the file's definitions, then the imports' */
	const char *file;   /* the file's own text (x->src is a layer's while one is walked) */
	uint32_t file_len;
	lines file_lines;        /* line starts of the file */
	PT_VEC(lines) imp_lines; /* ... and of each import's text */
	xparses parses;          /* kept across extractions when on */
	layer *lay;              /* the expansion being walked, NULL for the file */
	pt_span inv_span;        /* the outermost invocation being expanded (in the file) */
	uint32_t inv_a, inv_b;
	int exp_depth;     /* nesting of expansions */
	size_t exp_tokens; /* tokens of every expansion of this file so far */
	size_t stmt_top;   /* depth of an expansion's root that holds statements,
	                         SIZE_MAX if none */
	pt_strbuf chain;   /* receiver chains being built (ex_chain_op) */

	islot *itab; /* string interning, valid when gen matches */
	uint32_t icap, icount, gen;
};

/* ---- small helpers ------------------------------------------------------ */

static inline bool null(TSNode n)
{
	return ts_node_is_null(n);
}
static inline TSNode child(TSNode n, TSFieldId f)
{
	return ts_node_child_by_field_id(n, f);
}

static inline pt_span span_of(TSNode n)
{
	TSPoint a = ts_node_start_point(n), b = ts_node_end_point(n);
	return (pt_span){
		ts_node_start_byte(n), ts_node_end_byte(n), a.row, a.column, b.row, b.column};
}

/* Text of an identifier-like node, without a raw `r#` prefix. */
static inline const char *ident(const pt_extractor *x, TSNode n, size_t *len)
{
	uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
	if (b > x->len || a > b || !x->src) {
		*len = 0;
		return "";
	}
	const char *s = x->src + a;
	*len = b - a;
	if (*len > 2 && s[0] == 'r' && s[1] == '#') {
		s += 2;
		*len -= 2;
	}
	return s;
}

static inline bool text_is(const char *s, size_t n, const char *lit)
{
	size_t m = strlen(lit);
	return n == m && memcmp(s, lit, n) == 0;
}

static inline uint8_t role_of(const pt_extractor *x, TSSymbol s)
{
	return s < x->nsym ? x->role[s] : R_OTHER;
}

/* Role of the frame `up` levels above depth d (R_OTHER past the root). */
static inline uint8_t up_role(const pt_extractor *x, size_t d, size_t up)
{
	return d >= up ? x->frames.v[d - up].role : R_OTHER;
}

/* ---- shared functions (ex_), by the file that defines them -------------------- */

/* extract.c */

/* Pool offset of s (n bytes), added once per file; s must not point into the pool. */
uint32_t ex_intern(pt_extractor *x, const char *s, size_t n);
/* ex_intern of a buffer's contents. */
uint32_t ex_intern_buf(pt_extractor *x, const pt_strbuf *b);
/* ex_intern of an identifier node's text, without a raw `r#` prefix. */
uint32_t ex_intern_ident(pt_extractor *x, TSNode n);
/* Output item i (borrowed: valid until the next ex_add_item). */
fact_item *ex_item_at(pt_extractor *x, int32_t i);
/* Append an item for node n, child of the current context's parent; returns its index. */
int32_t ex_add_item(pt_extractor *x, TSNode n, uint8_t kind, TSNode name);
/* Where an item's name is written in the file (for an item a template of this
 * file makes, in the template), else the item's span. */
pt_span ex_map_name(pt_extractor *x, TSNode name, pt_span item);
/* Append a reference from the current item (borrowed: valid until the next ex_add_ref). */
fact_ref *ex_add_ref(pt_extractor *x, uint8_t kind, pt_span site, uint32_t path);
/* Whether c is whitespace as signatures collapse it (NUL included). */
bool ex_is_space(char c);
/* Forget the attributes waiting for their item (derives, #[path], #[cfg]). */
void ex_clear_pending(pt_extractor *x);
/* Walk the tree under root with cursor c, root at depth d0 (frames below d0 are the caller's). */
void ex_walk(pt_extractor *x, TSTreeCursor *c, TSNode root, size_t d0);

/* extract_types.c */

/* Append path segment s to out, after "::" when out holds something past start. */
void ex_add_seg(pt_strbuf *out, size_t start, const char *s, size_t n);
/* Append the normalised path of n ("a::b::C"); returns its segment count, 0 if unnamable. */
int ex_path_text(pt_extractor *x, TSNode n, pt_strbuf *out, int *qual, int depth);
/* Whether type path base names Box, Rc or Arc. */
bool ex_is_smart_pointer(pt_extractor *x, TSNode base);
/* The first type argument of generic type g that is not a lifetime; null if none. */
TSNode ex_first_type_arg(pt_extractor *x, TSNode g);
/* Append the normalised path of type t (opts: TY_UNWRAP, TY_ALL, TY_ELEM); returns a TY_ kind. */
int ex_type_norm(pt_extractor *x, TSNode t, int opts, pt_strbuf *out, int depth);
/* The generic parameter in scope named s (innermost first); NULL if none. */
const gparam *ex_gen_find(const pt_extractor *x, const char *s, size_t n);
/* n's first child of symbol s, found with x->aux; null if none. */
TSNode ex_find_child(pt_extractor *x, TSNode n, TSSymbol s);
/* Bring item n's generic params into scope; returns its generics string (pool offset). */
uint32_t ex_push_generics(pt_extractor *x, TSNode n);
/* Pool offset of type t's normalised path; 0 when unknown or a generic param in scope. */
uint32_t ex_type_path(pt_extractor *x, TSNode t, int opts);

/* extract_locals.c */

/* Drop the locals bound after the first n, which brings back those they shadowed. */
void ex_locals_truncate(pt_extractor *x, uint32_t n);
/* The local named s visible in the innermost fn (borrowed: until locals change); NULL if none. */
const local *ex_lookup_str(const pt_extractor *x, const char *s, size_t n);
/* What `self` is: the type Self. */
desc ex_self_desc(pt_extractor *x);
/* One step (op '.', ':', '?', '*' or '[') from the value b describes; see RECV_CHAIN. */
desc ex_chain_op(pt_extractor *x, desc b, char op, const char *name, size_t n);
/* Whether callee f is a plain name bound as a local (a closure, a fn pointer). */
bool ex_is_local_call(pt_extractor *x, TSNode f);
/* Whether path text p[0..n) names a std constructor whose value reaches
 * its argument's methods (`Pin::new(&mut x)`, `Box::new(x)`, `Arc::new`). */
bool ex_wraps_its_argument(const char *p, size_t n);
/* What the code says about the value of expression e. */
desc ex_recv_of(pt_extractor *x, TSNode e);
/* Bind the names pattern pat introduces, typed from the value s describes (may be unknown). */
void ex_bind_pattern(pt_extractor *x, TSNode pat, desc s);
/* Bind the params of the closure at depth d, typed where the code tells. */
void ex_bind_closure_params(pt_extractor *x, TSNode params, size_t d);
/* Bind a fn's parameters: plain names typed from their declared types, patterns unknown. */
void ex_bind_params(pt_extractor *x, TSNode params);
/* Bind the names of `let` statement let, on leaving it (its value has been walked). */
void ex_leave_let(pt_extractor *x, TSNode let);
/* Assignment expression n (`x = e`): a local declared without type or value
 * (`let x;`) among the first `below` locals, still untyped, takes e's type.
 * With check, only when x was written in the invocation being expanded
 * (macro hygiene: a template's own names are never the caller's). */
void ex_assign(pt_extractor *x, TSNode n, uint32_t below, bool check);

/* extract_expand.c (besides pt_extractor_*) */

/* Whether node n of the expansion being walked was written in the
 * invocation's own text (its tokens were the invocation's input). */
bool ex_written_in_invocation(const pt_extractor *x, TSNode n);

/* extract_macro.c */

/* The A of path `T::A::f` in b (sep at its first `::`), interned; 0 for `T::f`. */
uint32_t ex_assoc_seg(pt_extractor *x, const pt_strbuf *b, const char *sep);
/* Macro invocation n at depth d: its reference, its items re-parsed, the calls in its tokens. */
void ex_on_macro(pt_extractor *x, TSNode n, size_t d);

/* extract_expand.c */

/* Before the walk: the file's own definitions and the imports, as x->xdefs. */
void ex_expand_begin(pt_extractor *x);
/* After the file: forget the definitions and layers. */
void ex_expand_end(pt_extractor *x);
/* Invocation n (macro path m, token tree tt) at depth d of a macro_rules!
 * we have: expanded, parsed, walked as code written there (items when
 * item_level, else statements). False when no definition fits. */
bool ex_expand(pt_extractor *x, TSNode n, TSNode m, TSNode tt, size_t d, bool item_level);
/* The calls written in the arguments of invocation n (token tree tt) of a
 * macro we have no definition of, in a fn body (`format!("{}", a.name())`):
 * read from its tokens, receivers typed as far as the tokens say. */
void ex_scan_args(pt_extractor *x, TSNode n, TSNode tt);
/* The fn whose body is node body was entered: when it is a body left out of
 * an expansion's text, its calls, read from its tokens. */
void ex_fn_body(pt_extractor *x, TSNode body);
/* A type written as an invocation n of a macro whose definition we have
 * (syn's `Token![#]`) and whose expansion is a path (`$crate::token::Pound`):
 * that path appended to out; false, out unchanged, otherwise. */
bool ex_expand_type(pt_extractor *x, TSNode n, pt_strbuf *out);
/* Site raw (bytes of the text being walked) as the file's, else the
 * invocation's; src_out: 0 for the file, k + 1 for import k (the span is
 * then relative to that definition's text). */
pt_span ex_map_site(pt_extractor *x, pt_span raw, uint32_t *src_out);
/* An item's span (raw: bytes of the text being walked): its own when the
 * invocation wrote it whole, else the invocation's; *own says which. */
pt_span ex_map_item(pt_extractor *x, pt_span raw, bool *own);

/* ---- extract_refs.c: uses, calls and type references -------------------- */

#define MAX_USE_DEPTH 128
void ex_on_use(pt_extractor *x, TSNode n);
void ex_on_extern_crate(pt_extractor *x, TSNode n);
void ex_on_call(pt_extractor *x, TSNode n);
void ex_on_ident(pt_extractor *x, TSTreeCursor *c, TSNode n, size_t d);
void ex_on_scoped_ident(pt_extractor *x, TSTreeCursor *c, TSNode n, size_t d);
void ex_on_type_ident(pt_extractor *x, TSTreeCursor *c, TSNode n, size_t d);
bool ex_on_scoped_type(pt_extractor *x, TSNode n);

#endif
