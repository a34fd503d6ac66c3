/* graph/stdnames.h — names of the methods the Rust standard library defines.
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

#endif
