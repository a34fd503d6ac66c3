/* tests/test_cargo.c — Cargo's model of a workspace, end to end through
 * index_run and the query API: which crate a name means (dependencies,
 * renames, optional ones behind features, dev- and target-specific ones,
 * two versions of one crate, workspace inheritance), the reach of a crate
 * (its dependency closure), cfg for the build's target and features, the
 * 2015 edition's paths, and the folder walk. Each workspace is written by
 * the test; the expected answers are written by hand from the Rust and the
 * manifests (what cargo and rustc would accept and call). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_main.h"

#include "../graph/index.h"
#include "ws_files.h"
#include "../graph/query.h"
#include "../graph/workspace.h"

typedef struct {
	char root[256], db[300];
	store *st;
	store_txn *txn;
	PT_VEC(char *) warnings;
	index_report first; /* the report of the run ws_make_build made */
} ws;

static void on_warn(void *ctx, const char *path, const char *what)
{
	ws *w = ctx;
	char *s = NULL;
	assert_true(asprintf(&s, "%s: %s", path, what) > 0);
	pt_vec_push(&w->warnings, s);
}

/* Index with build b (NULL: the stored one); returns the report. */
static index_report ws_index_build(ws *w, const pt_build *b)
{
	index_opts o = {.root = w->root, .jobs = 2, .build = b, .warn = on_warn, .ctx = w};
	index_report rep;
	if (w->txn) {
		store_txn_abort(w->txn);
		w->txn = NULL;
	}
	assert_int_equal(index_run(w->st, &o, &rep), 0);
	assert_int_equal(store_txn_begin(w->st, false, &w->txn), 0);
	return rep;
}

/* files: pairs of (path, text), NULL-terminated; indexed with build b. */
static void ws_make_build(ws *w, const pt_build *b, ...)
{
	memset(w, 0, sizeof *w);
	va_list ap;
	va_start(ap, b);
	ws_files_make(w->root, w->db, "/tmp/pt-cargo-XXXXXX", ap);
	va_end(ap);
	assert_int_equal(store_open(w->db, STORE_CREATE, &w->st), 0);
	w->first = ws_index_build(w, b);
}

#define ws_make(w, ...) ws_make_build((w), NULL, __VA_ARGS__)

static void ws_free(ws *w)
{
	store_txn_abort(w->txn);
	store_close(w->st);
	ws_files_remove(w->root);
	for (size_t i = 0; i < w->warnings.n; i++)
		free(w->warnings.v[i]);
	pt_vec_free(&w->warnings);
}

static bool warned(const ws *w, const char *needle)
{
	for (size_t i = 0; i < w->warnings.n; i++)
		if (strstr(w->warnings.v[i], needle))
			return true;
	return false;
}

/* How many entities a target names. */
static size_t count(ws *w, const char *target)
{
	query_ids ids = {0};
	query_targets(w->txn, target, &ids);
	size_t n = ids.n;
	pt_vec_free(&ids);
	return n;
}

#define PKG(name) "[package]\nname = \"" name "\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"

/* ---- which crate a name means --------------------------------------------- */

/* `bb = { package = "b" }`: the code says bb, never b. */
static void test_renamed_dependency(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "a/Cargo.toml",
		PKG("a") "[dependencies]\nbb = { package = \"b\", path = \"../b\" }\n",
		"a/src/lib.rs", "pub fn g() { bb::f(); }\npub fn h() { b::f(); }\n", "b/Cargo.toml",
		PKG("b"), "b/src/lib.rs", "pub fn f() {}\n", NULL);
	assert_answer(&w, "callees", "a::g", "b::f");
	assert_answer(&w, "callees", "a::h", "");
	ws_free(&w);
}

/* A crate reaches its dependency closure only: a method guessed by name
 * never lands in a crate it does not depend on, nor does a path. */
static void test_no_edge_without_dependency(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "a/Cargo.toml", PKG("a") "[dependencies]\nb = { path = \"../b\" }\n",
		"a/src/lib.rs",
		"pub fn g(x: Unknown) { x.frobnicate(); x.twiddle(); c::only_c(); }\n",
		"b/Cargo.toml", PKG("b") "[dependencies]\nd = { path = \"../d\" }\n",
		"b/src/lib.rs", "pub struct B; impl B { pub fn twiddle(&self) {} }\n",
		"c/Cargo.toml", PKG("c"), "c/src/lib.rs",
		"pub struct C; impl C { pub fn frobnicate(&self) {} }\npub fn only_c() {}\n",
		"d/Cargo.toml", PKG("d"), "d/src/lib.rs",
		"pub struct D; impl D { pub fn frobnicate(&self) {} }\n", NULL);
	/* c is no dependency of a; d is one of b, so a reaches it */
	assert_answer(&w, "callees", "a::g", "b::B::twiddle,d::D::frobnicate");
	ws_free(&w);
}

/* An optional dependency is there only when a feature enables it; the
 * build's --features (kept in the index for the next runs) choose. */
static void test_optional_dependency_and_build(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "a/Cargo.toml",
		PKG("a") "[dependencies]\nb = { path = \"../b\", optional = true }\n"
			 "[features]\nextra = [\"dep:b\"]\n",
		"a/src/lib.rs",
		"pub fn g() { b::f(); }\n#[cfg(feature = \"extra\")]\npub fn on() {}\n"
		"pub fn h() { on(); }\n#[cfg(feature = \"extra\")]\nmod m;\n",
		"a/src/m.rs", "use b::Tr;\npub struct S;\nimpl Tr for S {}\n", "b/Cargo.toml",
		PKG("b"), "b/src/lib.rs", "pub fn f() {}\npub trait Tr {}\n", NULL);
	assert_answer(&w, "callees", "a::g", "");
	assert_answer(&w, "callees", "a::h", "");
	/* the impl the build leaves out names b, which the build does not
	 * link: no second `b::Tr` (a placeholder) for it */
	assert_int_equal(count(&w, "b::Tr"), 1);
	assert_answer(&w, "impls", "b::Tr", "");
	pt_build b = {0};
	pt_build_add_features(&b, "extra");
	index_report rep = ws_index_build(&w, &b);
	assert_true(rep.build_changed);
	assert_answer(&w, "callees", "a::g", "b::f");
	assert_answer(&w, "callees", "a::h", "a::on");
	assert_answer(&w, "impls", "b::Tr", "a::m::S");
	/* the next run without a build keeps the stored one */
	rep = ws_index_build(&w, NULL);
	assert_false(rep.build_changed);
	assert_true(rep.up_to_date);
	assert_answer(&w, "callees", "a::g", "b::f");
	pt_build stored;
	assert_int_equal(index_build_get(w.st, &stored), 0);
	assert_string_equal(stored.features, "extra\n");
	pt_build_free(&stored);
	pt_build_free(&b);
	/* back to the default build */
	pt_build none = {0};
	rep = ws_index_build(&w, &none);
	assert_true(rep.build_changed);
	assert_answer(&w, "callees", "a::g", "");
	ws_free(&w);
}

/* dev-dependencies: for tests, examples and benches, not the library. */
static void test_dev_dependency(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "a/Cargo.toml", PKG("a") "[dev-dependencies]\nt = { path = \"../t\" }\n",
		"a/src/lib.rs", "pub fn g() { t::help(); }\n", "a/tests/it.rs",
		"fn check() { t::help(); a::g(); }\n", "t/Cargo.toml", PKG("t"), "t/src/lib.rs",
		"pub fn help() {}\n", NULL);
	assert_answer(&w, "callees", "a::g", "");
	assert_answer(&w, "callees", "it::check", "a::g,t::help");
	ws_free(&w);
}

/* [target.'cfg(..)'.dependencies] count for the build's target only. */
static void test_target_dependency(void **state)
{
	(void)state;
	ws w;
	const char *m =
		PKG("a") "[target.'cfg(windows)'.dependencies]\nwin = { path = \"../win\" }\n"
			 "[target.'cfg(unix)'.dependencies]\nnix = { path = \"../nix\" }\n";
	ws_make(&w, "a/Cargo.toml", m, "a/src/lib.rs",
		"pub fn g() { win::w(); nix::n(); }\n#[cfg(windows)] pub fn only_win() {}\n"
		"#[cfg(unix)] pub fn only_unix() {}\npub fn h() { only_win(); only_unix(); }\n",
		"win/Cargo.toml", PKG("win"), "win/src/lib.rs", "pub fn w() {}\n", "nix/Cargo.toml",
		PKG("nix"), "nix/src/lib.rs", "pub fn n() {}\n", NULL);
	assert_answer(&w, "callees", "a::g", "nix::n");
	assert_answer(&w, "callees", "a::h", "a::only_unix");
	pt_build b = {.target = pt_xstrdup("x86_64-pc-windows-msvc")};
	ws_index_build(&w, &b);
	assert_answer(&w, "callees", "a::g", "win::w");
	assert_answer(&w, "callees", "a::h", "a::only_win");
	ws_free(&w);
	/* the first run of an index asks a build: nothing is resolved again */
	ws_make_build(&w, &b, "a/Cargo.toml", m, "a/src/lib.rs", "pub fn g() { win::w(); }\n",
		      "win/Cargo.toml", PKG("win"), "win/src/lib.rs", "pub fn w() {}\n", NULL);
	assert_false(w.first.build_changed);
	assert_false(w.first.reresolved);
	assert_answer(&w, "callees", "a::g", "win::w");
	assert_true(ws_index_build(&w, NULL).up_to_date); /* and kept */
	assert_answer(&w, "callees", "a::g", "win::w");
	pt_build_free(&b);
	ws_free(&w);
}

/* Two versions of one crate are two crates: each dependent reaches the
 * one its requirement accepts. */
static void test_two_versions(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", PKG("app") "[dependencies]\nc = \"1.2\"\n", "src/main.rs",
		"fn main() { c::f(); c::only_one(); c::only_two(); }\n",
		"vendor/c-1.4.0/Cargo.toml", "[package]\nname = \"c\"\nversion = \"1.4.0\"\n",
		"vendor/c-1.4.0/src/lib.rs", "pub fn f() {}\npub fn only_one() {}\n",
		"vendor/c-2.0.0/Cargo.toml", "[package]\nname = \"c\"\nversion = \"2.0.0\"\n",
		"vendor/c-2.0.0/src/lib.rs", "pub fn f() {}\npub fn only_two() {}\n",
		"vendor/old-1.0.0/Cargo.toml",
		"[package]\nname = \"old\"\nversion = \"1.0.0\"\n[dependencies]\nc = \"2\"\n",
		"vendor/old-1.0.0/src/lib.rs", "pub fn g() { c::only_one(); c::only_two(); }\n",
		NULL);
	assert_int_equal(count(&w, "c::f"), 2);
	assert_answer(&w, "callees", "app::main", "c::f,c::only_one");
	assert_answer(&w, "callees", "old::g", "c::only_two");
	ws_free(&w);
}

/* Features asked by any dependent are on for all (cargo unifies them). */
static void test_feature_unification(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n", "a/Cargo.toml",
		PKG("a") "[dependencies]\nx = { path = \"../x\", features = [\"fast\"] }\n",
		"a/src/lib.rs", "pub fn g() { x::quick(); }\n", "b/Cargo.toml",
		PKG("b") "[dependencies]\nx = { path = \"../x\", default-features = false }\n",
		"b/src/lib.rs", "pub fn g() { x::quick(); x::slow(); }\n", "x/Cargo.toml",
		PKG("x") "[features]\ndefault = [\"slowpath\"]\nslowpath = []\nfast = []\n",
		"x/src/lib.rs",
		"#[cfg(feature = \"fast\")] pub fn quick() {}\n"
		"#[cfg(feature = \"slowpath\")] pub fn slow() {}\n",
		NULL);
	assert_answer(&w, "callees", "a::g", "x::quick");
	/* b asks for neither, a asks for fast and (by default) slowpath */
	assert_answer(&w, "callees", "b::g", "x::quick,x::slow");
	ws_free(&w);
}

/* `workspace = true`: the entry, or the field, of [workspace.*]. */
static void test_workspace_inheritance(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml",
		"[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/skip\"]\n"
		"[workspace.package]\nedition = \"2015\"\nversion = \"0.3.0\"\n"
		"[workspace.dependencies]\nutil = { path = \"crates/util\", package = "
		"\"util-core\" }\n",
		"crates/a/Cargo.toml",
		"[package]\nname = \"a\"\nversion.workspace = true\nedition.workspace = true\n"
		"[dependencies]\nutil.workspace = true\n",
		"crates/a/src/lib.rs", "mod m;\nmod n;\n", "crates/a/src/m.rs",
		"use n::helper;\npub fn g() { helper(); util::u(); }\n", "crates/a/src/n.rs",
		"pub fn helper() {}\n", "crates/util/Cargo.toml",
		"[package]\nname = \"util-core\"\nversion = \"0.3.0\"\n", "crates/util/src/lib.rs",
		"pub fn u() {}\n", NULL);
	/* edition 2015 (inherited): `use n::helper` is crate-relative */
	assert_answer(&w, "callees", "a::m::g", "a::n::helper,util_core::u");
	ws_free(&w);
}

/* ---- cfg for the build ------------------------------------------------------- */

/* cfg_if! branches, globs that are alternatives of one another, and
 * modules whose file #[cfg_attr(.., path = ..)] chooses: what the build
 * has is what a call reaches. */
static void test_cfg_choices(void **state)
{
	(void)state;
	ws w;
	const char *lib =
		"#[macro_use] mod macros;\n"
		"cfg_if! {\n"
		"    if #[cfg(windows)] {\n        mod windows;\n        pub use "
		"self::windows::*;\n"
		"    } else if #[cfg(unix)] {\n        mod unix;\n        pub use self::unix::*;\n"
		"    } else {\n        mod other;\n        pub use self::other::*;\n    }\n}\n"
		"cfg_if! {\n    if #[cfg(feature = \"extra\")] {\n"
		"        impl Clone for S { fn clone(&self) -> S { S } }\n    }\n}\n"
		"pub struct S;\n"
		"#[cfg_attr(unix, path = \"sys/unix.rs\")]\n"
		"#[cfg_attr(windows, path = \"sys/windows.rs\")]\nmod sys;\n"
		"pub fn g() { close(); sys::shutdown(); }\n";
	ws_make(&w, "Cargo.toml", PKG("t") "[features]\nextra = []\n", "src/lib.rs", lib,
		/* cfg_if! comes from the cfg-if crate, outside the workspace: no
		 * definition here (one that expands to nothing, as a stand-in,
		 * would now be expanded, and rustc would drop the items too) */
		"src/macros.rs", "macro_rules! unused { () => {} }\n", "src/windows.rs",
		"pub fn close() {}\n", "src/unix.rs", "pub fn close() {}\n", "src/other.rs",
		"pub fn close() {}\n", "src/sys/unix.rs", "pub fn shutdown() {}\n",
		"src/sys/windows.rs", "pub fn shutdown() {}\n", NULL);
	assert_answer(&w, "callees", "t::g", "t::sys::shutdown,t::unix::close");
	/* the impl's method is there, marked: the build leaves it out */
	rec_entity e;
	assert_int_equal(query_entity(w.txn, one(&w, "t::S::clone"), &e), 0);
	assert_true(e.flags & ENT_CFG_OFF);
	pt_build b = {.target = pt_xstrdup("x86_64-pc-windows-msvc")};
	pt_build_add_features(&b, "extra");
	ws_index_build(&w, &b);
	assert_answer(&w, "callees", "t::g", "t::sys::shutdown,t::windows::close");
	assert_int_equal(query_entity(w.txn, one(&w, "t::S::clone"), &e), 0);
	assert_false(e.flags & ENT_CFG_OFF);
	/* the file of `sys` is the windows one now */
	query_results r = {0};
	query_callees(w.txn, one(&w, "t::g"), 0, &r);
	bool win_file = false;
	for (size_t i = 0; i < r.items.n; i++) {
		rec_entity c;
		assert_int_equal(query_entity(w.txn, r.items.v[i].id, &c), 0);
		if (!strcmp(c.name, "shutdown"))
			win_file = !strcmp(query_file_path(w.txn, c.file), "src/sys/windows.rs");
	}
	query_results_free(&r);
	assert_true(win_file);
	pt_build_free(&b);
	ws_free(&w);
}

/* One file, two declarations: the one the build has names it, even when
 * the one it leaves out comes first (hashbrown's raw/mod.rs). */
static void test_file_declared_twice(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", PKG("t") "[features]\nraw = []\n", "src/lib.rs",
		"#[cfg(feature = \"raw\")]\npub mod raw {\n    #[path = \"mod.rs\"]\n"
		"    mod inner;\n    pub use inner::*;\n}\n#[cfg(not(feature = \"raw\"))]\nmod "
		"raw;\n"
		"pub fn g() { raw::h(); }\n",
		"src/raw/mod.rs", "pub fn h() { k(); }\nfn k() {}\n", NULL);
	assert_answer(&w, "callees", "t::g", "t::raw::h");
	assert_answer(&w, "callees", "t::raw::h", "t::raw::k");
	ws_free(&w);
}

/* What a build script may set (`cargo:rustc-cfg=NAME`) depends on the
 * machine it runs on: code under it, or under its negation, stays in the
 * build; absence flags of old compilers (`no_..`) are off. */
static void test_build_script_cfgs(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml", PKG("t"), "build.rs",
		"fn main() {\n    if modern() { println!(\"cargo:rustc-cfg=fast_path\"); }\n"
		"    else { println!(\"cargo:rustc-cfg=no_const_fn\"); }\n}\n"
		"fn modern() -> bool { true }\n",
		"src/lib.rs",
		"#[cfg(fast_path)] pub fn fast() {}\n#[cfg(not(fast_path))] pub fn slow() {}\n"
		"#[cfg(no_const_fn)] pub fn old() {}\n#[cfg(other)] pub fn other() {}\n"
		"pub fn g() { fast(); slow(); old(); other(); }\n",
		NULL);
	assert_answer(&w, "callees", "t::g", "t::fast,t::slow");
	ws_free(&w);
}

/* ---- the 2015 edition ---------------------------------------------------- */

static void test_edition_2015_paths(void **state)
{
	(void)state;
	ws w;
	const char *lib = "extern crate b as bee;\nmod de;\nmod ser;\npub struct Top;\n"
			  "impl Top { pub fn new() -> Top { Top } }\n";
	ws_make(&w, "a/Cargo.toml",
		"[package]\nname = \"a\"\nversion = \"0.1.0\"\n[dependencies]\nb = { path = "
		"\"../b\" }\n",
		"a/src/lib.rs", lib, "a/src/de.rs", "pub fn visit() {}\n", "a/src/ser.rs",
		"use de::visit;\nuse bee::f;\n"
		"pub fn go() { visit(); f(); ::Top::new(); ::de::visit(); }\n",
		"b/Cargo.toml", PKG("b"), "b/src/lib.rs", "pub fn f() {}\n", NULL);
	assert_answer(&w, "callees", "a::ser::go", "a::Top::new,a::de::visit,b::f");
	ws_free(&w);
	/* the same `use de::visit` in 2018 names a crate `de`: there is none */
	ws_make(&w, "a/Cargo.toml",
		"[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2018\"\n",
		"a/src/lib.rs", "mod de;\nmod ser;\n", "a/src/de.rs", "pub fn visit() {}\n",
		"a/src/ser.rs", "use de::visit;\npub fn go() { visit(); }\n", NULL);
	assert_answer(&w, "callees", "a::ser::go", "");
	ws_free(&w);
}

/* ---- targets and the walk ------------------------------------------------- */

/* [lib] and [[bin]] paths, src/bin, examples; a `target` folder that is
 * not Cargo's build directory, and one that is. */
static void test_targets_and_walk(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "Cargo.toml",
		PKG("tool") "[lib]\nname = \"toolkit\"\npath = \"code/lib.rs\"\n"
			    "[[bin]]\nname = \"cli\"\npath = \"code/cli.rs\"\n",
		"code/lib.rs", "pub mod target;\n", "code/target/mod.rs", "pub fn aim() {}\n",
		"code/cli.rs", "fn main() { toolkit::target::aim(); }\n", "src/bin/extra.rs",
		"fn main() { toolkit::target::aim(); }\n", "examples/demo/main.rs",
		"fn main() { toolkit::target::aim(); }\n", "target/CACHEDIR.TAG",
		"Signature: 8a477f597d28d172789f06886806bc55\n", "target/debug/build/x/out/gen.rs",
		"pub fn generated() {}\n", NULL);
	assert_answer(&w, "callers", "toolkit::target::aim", "cli::main,demo::main,extra::main");
	assert_int_equal(count(&w, "generated"), 0);
	ws_free(&w);
}

/* A folder without Cargo.toml, a manifest that does not parse, a folder
 * that cannot be read: each is said. */
static void test_warnings(void **state)
{
	(void)state;
	ws w;
	ws_make(&w, "src/lib.rs", "pub fn f() {}\n", NULL);
	assert_true(warned(&w, "no Cargo.toml"));
	ws_free(&w);
	ws_make(&w, "Cargo.toml", "[package]\nname = \"t\nversion = 1\n", "src/lib.rs",
		"pub fn f() {}\n", NULL);
	assert_true(warned(&w, "Cargo.toml: line 2"));
	ws_free(&w);
	if (geteuid() == 0)
		return; /* root reads every folder */
	ws_make(&w, "Cargo.toml", PKG("t"), "src/lib.rs", "mod m;\n", "src/m/mod.rs",
		"pub fn f() {}\n", NULL);
	char p[400];
	snprintf(p, sizeof p, "%s/src/m", w.root);
	chmod(p, 0);
	ws_index_build(&w, NULL);
	assert_true(warned(&w, "src/m: cannot read this folder"));
	ws_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_renamed_dependency),
		cmocka_unit_test(test_no_edge_without_dependency),
		cmocka_unit_test(test_optional_dependency_and_build),
		cmocka_unit_test(test_dev_dependency),
		cmocka_unit_test(test_target_dependency),
		cmocka_unit_test(test_two_versions),
		cmocka_unit_test(test_feature_unification),
		cmocka_unit_test(test_workspace_inheritance),
		cmocka_unit_test(test_cfg_choices),
		cmocka_unit_test(test_build_script_cfgs),
		cmocka_unit_test(test_file_declared_twice),
		cmocka_unit_test(test_edition_2015_paths),
		cmocka_unit_test(test_targets_and_walk),
		cmocka_unit_test(test_warnings),
	};
	return pt_run_tests(tests, NULL, NULL);
}
