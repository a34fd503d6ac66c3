/* graph/cfg.h — `#[cfg(..)]` predicates and the cfg set of a build.
 *
 * A cfg set is what rustc would be given for one crate: the target's
 * options (from its triple: `unix`, `target_os="linux"`, ...), the
 * crate's enabled features (`feature="std"`), `debug_assertions`, and any
 * `--cfg` the user passed. It is written as text, one option per line:
 * a name alone ("unix\n") or name=value without quotes ("target_os=linux\n"),
 * or "?name\n" for a name a build script may set: neither true nor false
 * (`cfg(x)` and `cfg(not(x))` both hold, as in Kleene's logic, so that code
 * is not dropped for a cfg only the build script knows).
 * The text form is what crates carry (pt_crate.cfg) and what the
 * evaluator reads; no allocation happens during evaluation.
 */
#ifndef PT_GRAPH_CFG_H
#define PT_GRAPH_CFG_H

#include "../core/base.h"

/* The triple of the machine this binary was built for, e.g.
 * "x86_64-unknown-linux-gnu". Static storage. */
const char *pt_cfg_host_triple(void);

/* Appends to out the target options of triple (arch, os, family, env,
 * vendor, pointer width, endianness, atomics, baseline target features,
 * panic strategy, `unix`/`windows`), derived from the triple's parts as
 * rustc's target specifications do. An unknown part gives what the known
 * parts imply (an unknown OS: target_os is that part, no family). */
void pt_cfg_target(const char *triple, pt_strbuf *out);

/* Whether predicate pred (the text inside `cfg(..)`: `unix`,
 * `all(feature = "std", not(windows))`, ...) may hold in cfg set set. What
 * the set does not name is false; a predicate that does not parse is true,
 * so that code is never dropped for a cfg we cannot read. */
bool pt_cfg_eval(const char *pred, const char *set);

/* Whether set holds the option "name" (value NULL) or name=value. */
bool pt_cfg_has(const char *set, const char *name, size_t nlen, const char *value, size_t vlen);

#endif
