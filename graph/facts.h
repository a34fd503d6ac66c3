/* graph/facts.h — what one Rust file says, before any name is resolved.
 *
 * The extractor (extract.c) turns one file's text into a pt_facts value with
 * tree-sitter; the resolver (resolve.c) turns the facts of every file of the
 * workspace into entities and edges. Facts are file-local: paths are the
 * text as written (normalised), scopes are indexes into this file's items.
 * They are cached in the store as one blob per file (pt_facts_encode/decode),
 * so an incremental run re-parses only the files that changed and
 * re-resolves everything from the cached facts.
 *
 * Strings: offsets into `pool` (offset 0 = ""). Paths are segments joined by
 * "::" with generic arguments, references and lifetimes removed:
 * `&mut ast::Foo<'a, T>` → "ast::Foo". A leading `::` is dropped.
 */
#ifndef PT_GRAPH_FACTS_H
#define PT_GRAPH_FACTS_H

#include "../core/base.h"
#include "../core/error.h"
#include "model.h"

enum {
	FI_PUB = 1u << 0,          /* any `pub`, `pub(crate)`, ... */
	FI_HAS_BODY = 1u << 1,     /* fn with a body (trait fns may lack one) */
	FI_MOD_EXTERNAL = 1u << 2, /* `mod x;` — the body is another file */
	FI_TRAIT_IMPL = 1u << 3,   /* impl with a trait */
	FI_MACRO_GEN = 1u << 4,    /* item a macro made, not written whole where
	                              it stands: any item of a macro_rules!
	                              expansion (graph/extract_expand.c) whose
	                              tokens are not all the invocation's own
	                              (`impl $t { fn get() }`, a template's
	                              `pub trait $name`), from a definition in
	                              the file or lent by another file of the
	                              workspace (import_key); span and name_span
	                              are the outermost invocation's in the
	                              file, parent the item enclosing it. Also
	                              the `impl Tr for Ty` token runs of an
	                              invocation of an unknown macro whose body
	                              does not parse as items (extract_macro.c:
	                              headers only, no methods). */
	FI_TEST = 1u << 6,         /* fn marked #[test] or #[bench] (also a
	                              path ending in `test`: #[tokio::test]) */
	FI_ENTRY = 1u << 7,        /* called from outside Rust's view: fn with
	                              #[no_mangle], #[export_name], a
	                              #[proc_macro*] attribute, or an
	                              `extern "ABI" fn` with a body */
	FI_IN_MACRO = 1u << 5,     /* item written whole inside an item-level
	                              macro invocation (`cfg_if! {..}` branches,
	                              `cfg_rt! { /// doc\n pub fn spawn() }`, or
	                              a template's `$($item)*` passing it on):
	                              real code, never a macro_rules! template,
	                              so spans are its own and its parent is the
	                              invocation's enclosing item. Every item
	                              found there (methods of its impls, nested
	                              fns...) has the flag; its uses and refs
	                              are extracted as usual, unflagged. Only
	                              cleanly parsed top-level items are kept;
	                              the tokens of the rest go to the
	                              FI_MACRO_GEN and macro-argument scans. */
};

/* One item definition. Kinds: PT_MODULE (inline `mod x {}` or `mod x;`),
 * PT_FUNCTION (free fn, or fn nested in a fn body), PT_METHOD (fn directly
 * inside an impl or trait), PT_STRUCT, PT_ENUM, PT_UNION, PT_TRAIT,
 * PT_IMPL, PT_TYPE_ALIAS (also associated `type X = ..;` in impls/traits),
 * PT_CONST, PT_STATIC, PT_MACRO (macro_rules! definition), PT_VARIANT (a
 * variant of an enum: its parent is the enum). */
typedef struct {
	uint8_t kind;
	uint32_t flags;
	int32_t parent;      /* index of the enclosing item (module, fn, impl,
	                        trait); -1 = the file's own module */
	pt_span span;        /* the whole item, attributes excluded */
	pt_span name_span;   /* the name identifier; for impls the self type */
	uint32_t name;       /* identifier text; for impls "" */
	uint32_t sig;        /* signature: item text up to its body, whitespace
	                        runs collapsed to one space, at most 512 bytes */
	uint32_t path_attr;  /* modules: value of #[path = "..."], else 0; with
	                        #[cfg_attr(pred, path = "...")] attributes,
	                        their alternatives in order, each
	                        "\x01pred\x02path" (the first whose pred
	                        holds is the file) */
	uint32_t impl_self;  /* impls: self type path ("Foo", "ast::Foo", "Self"
	                        never); for a generic param (`impl<T> Tr for T`)
	                        the path is "" and FI flags unchanged; Box, Rc
	                        and Arc are not unwrapped here (`impl<T> Deref
	                        for Box<T>` → "Box") */
	uint32_t impl_trait; /* impls: trait path, or 0 */
	uint32_t ret_type;   /* fns: return type path ("Self", "Parser",
	                        "Option<Parser>" ...; a generic parameter of
	                        the fn or its impl by its name, "T"), 0 when
	                        none; Pin<P> is what P points to; std
	                        containers keep their element type as
	                        "Option<T>", "Result<T>", "Vec<T>",
	                        "VecDeque<T>", "NonNull<T>", "Iterator<T>"
	                        (`impl Iterator<Item = T>`, `dyn ..`), "[]<T>" (slices and arrays; not
	                        written when T has no path), nested
	                        ("Option<Vec<ast::Node>>"), tuples as
	                        "()<A,B>" ("_" for an element without a path:
	                        "Result<()<Pre,str>>"); Box/Rc/Arc unwrap.
	                        Type aliases (`type X = T;`, also in impls):
	                        the target T, written the same way; consts
	                        and statics: their type */
	uint32_t cfg;        /* the item's #[cfg(..)] predicates as "all(p, q)"
	                        (one per attribute), 0 if none */
	uint32_t generics;   /* fns/impls/traits/structs/enums/unions: generic
	                        params with trait bounds,
	                        "T:Visitor+Clone;U:Iterator", gathered from the
	                        <..> list and the where clause, 0 if none
	                        (params without bounds are not listed); an
	                        associated type with bounds (`type B: Tr + U;`
	                        in a trait) lists itself: "B:Tr+U" */
} fact_item;

/* One name a `use` binds. Groups are flattened:
 * `pub use a::{b, c as d, e::*, self}` gives ("a::b","b"), ("a::c","d"),
 * ("a::e","*"), ("a","a"). `use x as _` binds "_".
 * `extern crate a as b;` is reported as a use too: ("a","b"). */
enum {
	FU_PUB = 1u << 0,
	FU_EXTERN_CRATE = 1u << 1 /* `extern crate a as b;`: a names a crate */
};
typedef struct {
	int32_t scope;  /* item index of the enclosing module or fn; -1 = file */
	uint32_t path;  /* full path including `crate`/`self`/`super` heads */
	uint32_t alias; /* the bound name, "*" for a glob */
	uint32_t flags;
	pt_span span; /* the path as written in the use tree */
} fact_use;

/* A receiver, as far as the code states its type. */
enum {
	RECV_NONE = 0,  /* unknown */
	RECV_TYPE,      /* recv_path is a type path (may be "Self"; containers
	                   and tuples as in fact_item.ret_type) */
	RECV_BOUND,     /* recv_path lists trait paths joined by '+' (generic
	                   param bound, `impl Tr` / `dyn Tr` argument) */
	RECV_FIELD,     /* field recv_name of a value of type recv_path */
	RECV_MRET = 5,  /* result of method recv_name called on a value of type
	                   recv_path (`let x = a.m(); x.n()`, `a.m().n()`); for
	                   `.clone()`/`.to_owned()` the type itself (RECV_TYPE) */
	RECV_RET = 4,   /* result of calling the fn at path recv_path
	                   (`Type::new`, `make`), to be typed by its ret_type */
	RECV_CHAIN = 6, /* steps from a start: recv_name is "K<steps>", K the
	                   start's kind ('T' type, 'R' fn result, 'B' bounds)
	                   and recv_path its path; each step is '.' field name,
	                   ':' method name (its result; '.' with "0", "1"..
	                   is also a tuple's element: `let (a, b) = e`), '?' the value inside
	                   an Option/Result (`e?`, `Some(x)`/`Ok(x)` patterns),
	                   '*' an item of iterating it (`for x in e`, closure
	                   params of `e.map(|x| ..)` and the like), '[' an
	                   element (`e[i]`), '!' an Option holding it
	                   (`Some(e)`). "T.kind:span" = `v.kind.span()`
	                   with v of type recv_path; "R:unwrap" = `f().unwrap()`
	                   with f at recv_path; "B:and" = `v.and(..)` with v
	                   bounded by recv_path. K 'G' is param j of a closure
	                   passed as argument k of a path call `f(a, |p| ..)`:
	                   recv_path is f's path and recv_name
	                   "Gk,j{a0;a1;..}" then steps, each ai the value of
	                   argument i as K, path and '|' steps ("_" when
	                   unknown or a closure); the resolver reads f's
	                   signature: the Fn/FnMut/FnOnce bound of param k
	                   gives the j-th type, a generic param of f standing
	                   for the argument whose param has that type. K 'H'
	                   is the same for a method call `r.m(a, |p| ..)`
	                   (`&|p| ..` too) whose method is not one that hands
	                   the closure its receiver's items: recv_path is
	                   the method's name, a0 is r and k counts it.
	                   At most 160 bytes. */
};

enum {
	FR_CALL_PATH = 1, /* `f()`, `m::f()`, `Type::f()`, `Self::f()`;
	                     `<T as Trait>::f()` gives path "Trait::f" and
	                     FR_QUALIFIED, and when T is a nameable type (not
	                     a generic parameter) recv_kind RECV_TYPE with
	                     recv_path T; `T::f()` with T a bounded generic
	                     gives recv_kind RECV_BOUND, recv_path the bounds,
	                     name "f" and path ""; `T::A::f()` the same with
	                     recv_name "A" (an associated type of the bounds) */
	FR_CALL_METHOD,   /* `recv.name()` */
	/* Both call kinds are also read from the tokens of macro arguments
	 * (`println!("{}", f(x))`, `write!(f, "{}", self.name())`) that were
	 * not parsed as items: `a::b::f(` gives a path call (site `f`), and
	 * `recv.name(` a method call typed only when recv is a plain local,
	 * `self` or `self.field` / `local.field`, else RECV_NONE. The same scan
	 * reads the body of a same-file macro_rules! rule an invocation fits
	 * (inside a fn body: calls of that fn; a template fn at item level:
	 * calls of the fn it makes), sites in the definition, `$x` bound to
	 * `self` or a local typed as that, the rule's own names hygienic. */
	FR_TYPE,       /* a type, trait, const or static named by path */
	FR_DERIVE,     /* one trait in #[derive(..)] on a struct/enum/union;
	                     `from` is that item */
	FR_MACRO_CALL, /* `name!(..)` — path is the macro path; also a
	                     `name!(..)` written in another macro's arguments */
};
enum {
	FR_QUALIFIED = 1u << 0
};

typedef struct {
	uint8_t kind;
	uint8_t recv_kind;
	uint16_t flags;
	int32_t from;  /* innermost enclosing item index (fn, method, struct,
	                        impl, const...); -1 = file module level */
	uint32_t path; /* callee / type / trait / macro path */
	uint32_t name; /* FR_CALL_METHOD and bound path calls: method name */
	uint32_t recv_path;
	uint32_t recv_name;
	pt_span span; /* the site: the callee's last name segment, the
	                        method name, the type path, the derive name */
} fact_ref;

/* A named field of a struct/union (tuple fields are "0", "1", ...). */
typedef struct {
	int32_t owner; /* item index of the struct/union */
	uint32_t name;
	uint32_t type; /* type path (containers as in ret_type); for a
	                        generic param of the item
	                        (`T`, `Box<T>`, `&'a T`) the param name "T",
	                        which names no type: see the owner's generics
	                        and its sig; "" for fn types and containers
	                        of elements without a path */
} fact_field;

/* A macro_rules! definition the file holds (graph/macro.h, pt_macro_scan):
 * what another file needs to expand its invocations there. */
enum {
	FM_EXPORT = 1u << 0, /* #[macro_export] (also through #[cfg_attr(..)]) */
	FM_DOC = 1u << 1,    /* #[cfg(doc)]: only rustdoc sees it (quote's documented
	                        stand-in beside the #[cfg(not(doc))] one a build expands) */
	FM_GEN = 1u << 2     /* written by an invocation of another definition of the
	                        file (a macro-writing macro): text is the expansion's,
	                        rendered, found nowhere in the file; span is the
	                        invocation's */
};
typedef struct {
	uint32_t name;
	uint32_t text;    /* from `macro_rules` to its closing delimiter */
	uint32_t invokes; /* the macros its rules invoke, paths as written
	                     (`$crate::inner`), each followed by '\n', sorted */
	uint32_t flags;   /* FM_* */
	pt_span span;     /* where text lies in this file */
} fact_macro;

/* A reference whose site is in another file: written in the body of a
 * definition that file lends (an import, see pt_extractor_text_imports).
 * The reference's span is then relative to the start of that definition's
 * text: bytes from its first byte, lines from its first line, columns
 * from its first column on that line (from the line's start after it). */
typedef struct {
	uint32_t ref;  /* index into refs (xsites are sorted by it) */
	uint32_t file; /* the defining file's path */
	uint32_t def;  /* the definition's index in that file's macros */
} fact_xsite;

/* Whole-file facts. Owns its arrays and pool. */
typedef struct {
	PT_VEC(fact_item) items;
	PT_VEC(fact_use) uses;
	PT_VEC(fact_ref) refs;
	PT_VEC(fact_field) fields;
	PT_VEC(fact_macro) macros;
	PT_VEC(fact_xsite) xsites;
	pt_strpool pool;
	uint32_t n_errors; /* tree-sitter ERROR/MISSING nodes seen */
	uint32_t n_lines;
	uint32_t invoked;    /* the macros invoked outside definitions, paths as
	                        written, each followed by '\n', sorted, distinct */
	uint32_t imported;   /* the files whose definitions were expanded here,
	                        each followed by '\n' */
	uint64_t import_key; /* pt_macro_import_key of the imports used, 0 if none */
	/* 0-based line of the first ERROR/MISSING node, when n_errors > 0.
	 * Set by the extractor for its warning; not encoded (a decoded blob
	 * has 0). */
	uint32_t first_error_line;
} pt_facts;

void pt_facts_init(pt_facts *f);
void pt_facts_free(pt_facts *f); /* accepts a zeroed value */

/* Serialise to one blob (appended to out). Little-endian, versioned. */
void pt_facts_encode(const pt_facts *f, pt_strbuf *out);
/* The same record, compressed with less effort (a faster zstd level):
 * what an editor's keystroke writes. pt_facts_decode reads both. */
void pt_facts_encode_fast(const pt_facts *f, pt_strbuf *out);
/* Parse a blob. Validates every index and offset; returns 0 or PT_ECORRUPT on a
 * malformed blob (f is then left empty). f must be initialised. */
int pt_facts_decode(const void *data, size_t len, pt_facts *f);
/* The same, for what the choice of imports needs only: macros, invoked,
 * imported and import_key (with their strings); the other arrays stay
 * empty. Much cheaper than a whole decode. */
int pt_facts_decode_macros(const void *data, size_t len, pt_facts *f);

#endif
