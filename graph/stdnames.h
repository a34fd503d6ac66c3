/* graph/stdnames.h — the methods the Rust standard library defines.
 *
 * A method call whose receiver type the code does not state can only be
 * guessed by name. When the one method of that name in the workspace is
 * also a name core, alloc or std define (`len`, `push`, `add`), the guess is
 * likely wrong and stays marked ambiguous; otherwise it is taken. The table
 * is generated at build time from Debian's rust-src by tools/gen_std_names
 * (build/gen/std_names.c).
 */
#ifndef PT_GRAPH_STDNAMES_H
#define PT_GRAPH_STDNAMES_H

#include <stdbool.h>
#include <stddef.h>

bool pt_is_std_method(const char *name, size_t len);
/* How many names the table holds (0: built without rust-src). */
size_t pt_std_method_count(void);

/* Whether the standard library declares an inherent method name of the
 * type whose last path segment is type ("u64", "str", "Vec", "Option";
 * "[]" for slices and arrays). Inherent methods win over trait methods:
 * `self.wrapping_add(x)` in `impl Tr for u64` calls u64's own. */
bool pt_std_inherent(const char *type, size_t tlen, const char *name, size_t len);
/* Whether the standard library has inherent impls of that type. */
bool pt_std_type(const char *type, size_t tlen);

#endif
