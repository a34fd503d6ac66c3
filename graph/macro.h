/* graph/macro.h — macro_rules! by example, on tokens.
 *
 * Rust expands a `macro_rules!` invocation by matching its input tokens
 * against each rule's pattern and substituting what the metavariables took
 * into the rule's body. This module does that on its own tokens, without
 * tree-sitter: a lexer (Rust's tokens, operators glued as rustc glues them,
 * doc comments turned into `#[doc = ""]` as the compiler does for macro
 * input), the rules of a definition, the matcher (literal tokens, groups,
 * `$x:frag` for every fragment kind, `$(..) sep op` repetitions, nested, with
 * backtracking over the number of iterations) and the transcriber
 * (repetitions in lockstep, `$crate`). The extractor renders the output as
 * text, parses it and walks it as code written at the invocation.
 *
 * Every token carries its origin (a source number chosen by the caller and
 * a byte offset in that source), so that what the walk finds in an
 * expansion can be placed where it was written: the invocation's arguments,
 * or the body of the definition (in this file or another).
 *
 * It also scans a file for what the indexer must know before extracting
 * it: the macro_rules! definitions it holds and the macros it invokes
 * (pt_macro_scan), so that an invocation of a macro written in another
 * file can be expanded with that file's definition (graph/index.c chooses
 * the imports, pt_macro_imports).
 */
#ifndef PT_GRAPH_MACRO_H
#define PT_GRAPH_MACRO_H

#include <string.h>

#include "../core/base.h"
#include "../core/error.h"
#include "facts.h"

/* Token kinds. */
enum {
	MT_IDENT = 1, /* identifiers and keywords, `r#raw` ones too */
	MT_LIFETIME,  /* `'a`, `'static`, `'_` */
	MT_LITERAL,   /* numbers, chars, strings (raw, byte, C) */
	MT_PUNCT,     /* operators, glued as rustc does (`::`, `=>`, `..=`), but never
	                 `<`/`>` with another character: `>>` is two tokens (joint) */
	MT_OPEN,      /* `(`, `[`, `{` */
	MT_CLOSE,     /* `)`, `]`, `}` */
};

#define PT_MACRO_SYNTH UINT32_MAX /* the source of tokens the expander made */

/* One token. p borrows the lexed text (or a static string for tokens the
 * lexer or the expander make), so the text must outlive the token. */
typedef struct {
	const char *p;
	uint32_t len;
	uint32_t src;   /* origin: the caller's source number, or PT_MACRO_SYNTH */
	uint32_t off;   /* origin: byte offset in that source */
	uint32_t match; /* MT_OPEN / MT_CLOSE: index of the other delimiter */
	uint8_t kind;
	uint8_t joint; /* MT_PUNCT: the next character is punctuation too (`>` `>`) */
} pt_mtok;

typedef PT_VEC(pt_mtok) pt_mtoks;

/* Lex text[0..len): tokens appended to out, origin (src, base + offset).
 * Comments are skipped, doc comments become `# [ doc = "" ]` (`# ! [..]`
 * for inner ones) at the comment's place. Delimiters are matched (the match
 * fields are indexes into out); returns false when they do not balance
 * (the tokens are appended all the same, unmatched ones pointing at
 * themselves). */
bool pt_macro_lex(const char *text, size_t len, uint32_t src, uint32_t base, pt_mtoks *out);

/* Match the delimiters of out[from..] again (their match fields, relative to
 * out); false when they do not balance. */
bool pt_macro_match(pt_mtoks *out, size_t from);

/* Whether the word p (n bytes) is a Rust keyword (never a macro's or a
 * callee's name). */
bool pt_macro_keyword(const char *p, size_t n);

/* Whether token t's text is s. Inline: s is nearly always a literal, whose
 * length the compiler then knows (the expander asks it of every token). */
static inline bool pt_mtok_is(const pt_mtok *t, const char *s)
{
	size_t n = strlen(s);
	return t->len == n && memcmp(t->p, s, n) == 0;
}

/* A parsed definition: its rules, over its own copy of the tokens. */
typedef struct pt_macro_def pt_macro_def;

/* toks[0..n): a definition from `macro_rules` to its closing delimiter
 * (copied; the texts they point to must outlive the definition). NULL when
 * it is not one or has no rule. */
pt_macro_def *pt_macro_def_new(const pt_mtok *toks, size_t n);
void pt_macro_def_free(pt_macro_def *d); /* accepts NULL */
/* The definition's name (borrowed, not NUL-terminated) and its length. */
const char *pt_macro_def_name(const pt_macro_def *d, size_t *len);

/* Limits of one expansion: input and output tokens, steps of the matcher
 * (backtracking over repetition counts is bounded by it) and its depth. */
#define PT_MACRO_MAX_INPUT  16384
#define PT_MACRO_MAX_OUTPUT 262144
#define PT_MACRO_MAX_STEPS  200000
/* How deep the matcher may recurse (two levels per token tree a repetition
 * takes): an input beyond it is a limit reached, never a stack exhausted,
 * even on a parser thread's 2 MB stack or under ASan. */
#define PT_MACRO_MAX_DEPTH 6000

/* Expand an invocation whose input is in[0..n) (the tokens inside its
 * delimiters, matched with indexes relative to in): the first rule that
 * matches, transcribed; tokens appended to out (their match fields
 * relative to out). krate is what `$crate` becomes (one identifier, e.g.
 * "crate", or the defining crate's name). Returns PT_OK, PT_ENOTFOUND when
 * no rule matches, PT_EINVAL when a limit is reached (out is then left as
 * it was). */
int pt_macro_expand(const pt_macro_def *d, const pt_mtok *in, size_t n, const char *krate,
		    pt_mtoks *out);

/* Render tokens as text that lexes back to the same tokens: spaced as
 * written where they were written next to each other, else one space
 * (none inside delimiters, before a call's parentheses, a comma or a
 * semicolon). offs (n entries, may be NULL) gets each token's offset in
 * text, which is appended to. */
void pt_macro_render(const pt_mtok *t, size_t n, pt_strbuf *text, uint32_t *offs);

/* ---- what a file defines and invokes ----------------------------------------- */

/* Scan text for the macro_rules! definitions it holds (anywhere, nested in
 * modules, blocks or other macros' input; not those whose name is a
 * metavariable) and the macros it invokes outside them: out->macros (each
 * with the names its own rules invoke) and out->invoked. Deterministic: the
 * same text gives the same facts, so what is cached can be compared with
 * what a new scan gives. */
void pt_macro_scan(const char *text, size_t len, pt_facts *out);

/* A definition one file lends another: what the extractor needs to expand
 * it there. Borrowed strings. */
typedef struct {
	const char *path; /* the defining file (workspace-relative) */
	uint32_t index;   /* the definition's index in that file's facts->macros */
	const char *name; /* the macro's name */
	const char *text; /* its text, from `macro_rules` to the closing delimiter */
	size_t len;
	const char *krate; /* what `$crate` names where it is expanded: "crate" in
	                      its own crate, else the defining crate's name */
	bool gen;          /* FM_GEN: text is an expansion's, written nowhere */
} pt_macro_import;

/* The key of a set of imports: changes when any of them changes (path,
 * index, name, text, krate), not when a definition only moves. */
uint64_t pt_macro_import_key(const pt_macro_import *imp, size_t n);

/* One file of the workspace, as pt_macro_imports sees it (borrowed). */
typedef struct {
	const char *path;      /* workspace-relative */
	const pt_facts *facts; /* its macros and invoked names (may be NULL) */
	int32_t pkg;           /* its package, -1 if none */
	int32_t area;          /* which crate of the package: src/ vs tests/, ... */
	const char *krate;     /* the package's library crate name ("" if none) */
} pt_macro_file;

typedef PT_VEC(pt_macro_import) pt_macro_imports_vec;

/* Every definition of the workspace by name, over files[0..n) (borrowed
 * until freed). */
typedef struct pt_macro_table pt_macro_table;
pt_macro_table *pt_macro_table_new(const pt_macro_file *files, size_t n);
void pt_macro_table_free(pt_macro_table *t); /* accepts NULL */

/* The definitions file i may expand that are written in other files: for
 * each macro it invokes or its own definitions invoke (and, transitively,
 * each macro those definitions invoke) that it does not define itself, the definition Rust's scoping
 * would most likely pick: one of the same crate (the nearest by folder),
 * else one exported (#[macro_export]) by another package, chosen by the
 * path's crate name, or when only one package exports that name; never one
 * under #[cfg(doc)] (FM_DOC: rustdoc's stand-in, no build expands it). Appended
 * to out in a canonical order (by path, then index). */
void pt_macro_imports(const pt_macro_table *t, size_t i, pt_macro_imports_vec *out);

#endif
