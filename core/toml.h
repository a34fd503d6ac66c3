/* core/toml.h — a TOML reader, for Cargo's manifests.
 *
 * Debian packages no C TOML library (only C++ ones), so this is a small
 * reader of TOML 1.0 as Cargo.toml and Cargo.lock use it: tables and
 * arrays of tables (`[a.b]`, `[[bin]]`), dotted and quoted keys
 * (`[target.'cfg(unix)'.dependencies]`, `serde.workspace = true`), inline
 * tables, arrays (over several lines, with comments and a trailing comma),
 * the four kinds of strings with every escape, integers (decimal, hex,
 * octal, binary, `_` separators), floats, booleans, and dates and times
 * (kept as their text). A document that breaks the grammar or defines a
 * key or a table twice is refused with the line and column of the fault.
 *
 * The document is read into one opaque value that owns every string; the
 * values in it are named by handles (pt_toml_ref) that stay valid until
 * pt_toml_free. Tables keep their keys in the order written. Nothing here
 * prints or allocates outside the document.
 */
#ifndef PT_CORE_TOML_H
#define PT_CORE_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pt_toml pt_toml;
typedef uint32_t pt_toml_ref;
#define PT_TOML_NONE UINT32_MAX

enum {
	PT_TOML_STRING = 1,
	PT_TOML_INT,
	PT_TOML_FLOAT,
	PT_TOML_BOOL,
	PT_TOML_DATETIME, /* its text, as a string */
	PT_TOML_ARRAY,
	PT_TOML_TABLE
};

/* Where and why a document was refused: 1-based line and column (bytes). */
typedef struct {
	uint32_t line, col;
	char msg[96];
} pt_toml_error;

/* Reads text (len bytes, need not end in NUL). Returns PT_OK with *out set
 * (caller frees with pt_toml_free), or PT_EINVAL with *err filled and *out
 * NULL. err may be NULL. */
int pt_toml_parse(const char *text, size_t len, pt_toml **out, pt_toml_error *err);
void pt_toml_free(pt_toml *t); /* accepts NULL */

/* The top-level table. */
pt_toml_ref pt_toml_root(const pt_toml *t);
/* PT_TOML_* of v, 0 for PT_TOML_NONE. */
int pt_toml_type(const pt_toml *t, pt_toml_ref v);
/* The value of key in table tab; PT_TOML_NONE when tab is no table or has
 * no such key. */
pt_toml_ref pt_toml_get(const pt_toml *t, pt_toml_ref tab, const char *key);
/* The members of a table or the elements of an array, in order: first,
 * then next until PT_TOML_NONE. Both accept PT_TOML_NONE. */
pt_toml_ref pt_toml_first(const pt_toml *t, pt_toml_ref v);
pt_toml_ref pt_toml_next(const pt_toml *t, pt_toml_ref v);
/* Number of members or elements; 0 for scalars. */
size_t pt_toml_count(const pt_toml *t, pt_toml_ref v);
/* The key a table member is stored under ("" for array elements). */
const char *pt_toml_key(const pt_toml *t, pt_toml_ref v);
/* A string's (or date's) text, NULL for other types. Borrowed from t. */
const char *pt_toml_str(const pt_toml *t, pt_toml_ref v);
/* A boolean's value, dflt for other types. */
bool pt_toml_bool(const pt_toml *t, pt_toml_ref v, bool dflt);
/* An integer's value, dflt for other types. */
int64_t pt_toml_int(const pt_toml *t, pt_toml_ref v, int64_t dflt);
/* A float's value, dflt for other types. */
double pt_toml_float(const pt_toml *t, pt_toml_ref v, double dflt);
/* pt_toml_str(pt_toml_get(t, tab, key)): NULL when absent or not a string. */
const char *pt_toml_get_str(const pt_toml *t, pt_toml_ref tab, const char *key);

#endif
