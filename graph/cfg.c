/* graph/cfg.c — see cfg.h. */
#include "cfg.h"

#include <stdio.h>
#include <string.h>

/* ---- the host -------------------------------------------------------------- */

const char *pt_cfg_host_triple(void)
{
	/* the compiler that built us knows the machine we run on */
#if defined(__x86_64__)
#define ARCH "x86_64"
#elif defined(__i386__)
#define ARCH "i686"
#elif defined(__aarch64__)
#define ARCH "aarch64"
#elif defined(__arm__)
#define ARCH "armv7"
#elif defined(__riscv) && __riscv_xlen == 64
#define ARCH "riscv64gc"
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
#define ARCH "powerpc64le"
#elif defined(__powerpc64__)
#define ARCH "powerpc64"
#elif defined(__s390x__)
#define ARCH "s390x"
#elif defined(__loongarch64)
#define ARCH "loongarch64"
#elif defined(__mips__) && defined(__MIPSEL__)
#define ARCH "mipsel"
#elif defined(__mips__)
#define ARCH "mips"
#else
#define ARCH "x86_64"
#endif
#if defined(__ANDROID__)
	return ARCH "-linux-android";
#elif defined(__linux__) && defined(__GLIBC__)
#if defined(__arm__)
	return ARCH "-unknown-linux-gnueabihf";
#else
	return ARCH "-unknown-linux-gnu";
#endif
#elif defined(__linux__)
	return ARCH "-unknown-linux-musl";
#elif defined(__APPLE__)
	return ARCH "-apple-darwin";
#elif defined(__FreeBSD__)
	return ARCH "-unknown-freebsd";
#elif defined(__NetBSD__)
	return ARCH "-unknown-netbsd";
#elif defined(__OpenBSD__)
	return ARCH "-unknown-openbsd";
#elif defined(_WIN32)
	return ARCH "-pc-windows-gnu";
#else
	return ARCH "-unknown-linux-gnu";
#endif
#undef ARCH
}

/* ---- a triple's options --------------------------------------------------- */

typedef struct {
	const char *p;
	size_t n;
} part;

static bool is(part s, const char *w)
{
	return s.n == strlen(w) && memcmp(s.p, w, s.n) == 0;
}

static bool starts(part s, const char *w)
{
	size_t k = strlen(w);
	return s.n >= k && memcmp(s.p, w, k) == 0;
}

static bool ends(part s, const char *w)
{
	size_t k = strlen(w);
	return s.n >= k && memcmp(s.p + s.n - k, w, k) == 0;
}

/* rustc's target_arch for the arch part of a triple. */
static const char *arch_of(part a)
{
	static const char *const map[][2] = {
		{"x86_64", "x86_64"},
		{"amd64", "x86_64"},
		{"i386", "x86"},
		{"i486", "x86"},
		{"i586", "x86"},
		{"i686", "x86"},
		{"aarch64", "aarch64"},
		{"arm64", "aarch64"},
		{"arm", "arm"},
		{"thumb", "arm"},
		{"riscv64", "riscv64"},
		{"riscv32", "riscv32"},
		{"wasm32", "wasm32"},
		{"wasm64", "wasm64"},
		{"powerpc64", "powerpc64"},
		{"powerpc", "powerpc"},
		{"s390x", "s390x"},
		{"mips64", "mips64"},
		{"mips", "mips"},
		{"sparc64", "sparc64"},
		{"sparcv9", "sparc64"},
		{"sparc", "sparc"},
		{"loongarch64", "loongarch64"},
		{"avr", "avr"},
		{"msp430", "msp430"},
		{"m68k", "m68k"},
		{"hexagon", "hexagon"},
		{"bpf", "bpf"},
		{"nvptx64", "nvptx64"},
		{"csky", "csky"},
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (starts(a, map[i][0]))
			return map[i][1];
	return NULL;
}

static const char *const vendors[] = {"unknown", "pc",        "apple",    "fortanix", "nvidia",
				      "wrs",     "sun",       "uwp",      "kmc",      "nintendo",
				      "sony",    "espressif", "unikraft", "win7"};

static const char *const unix_oses[] = {
	"linux",   "android", "macos",      "ios",       "tvos",    "watchos", "visionos",
	"freebsd", "netbsd",  "openbsd",    "dragonfly", "solaris", "illumos", "haiku",
	"redox",   "fuchsia", "emscripten", "espidf",    "horizon", "aix",     "hurd",
	"l4re",    "nto",     "vxworks",    "nuttx",     "cygwin",
};

typedef struct {
	const char *arch, *os, *env, *abi, *vendor;
	char osbuf[32], vendbuf[32];
	int width;
	bool big;
} target;

static void copy_part(char *dst, size_t cap, part s)
{
	size_t n = s.n < cap - 1 ? s.n : cap - 1;
	memcpy(dst, s.p, n);
	dst[n] = 0;
}

/* The OS (and the env, abi) from the parts after arch and vendor. */
static void os_env(target *t, const part *rest, size_t n)
{
	t->os = "none";
	t->env = t->abi = "";
	if (!n)
		return;
	part o = rest[0];
	if (starts(o, "darwin") || starts(o, "macos"))
		t->os = "macos";
	else if (starts(o, "wasi"))
		t->os = "wasi";
	else if (starts(o, "ios"))
		t->os = "ios";
	else if (starts(o, "freebsd"))
		t->os = "freebsd";
	else if (starts(o, "netbsd"))
		t->os = "netbsd";
	else {
		copy_part(t->osbuf, sizeof t->osbuf, o);
		t->os = t->osbuf;
	}
	for (size_t i = 1; i < n; i++) {
		part e = rest[i];
		if (starts(e, "gnu"))
			t->env = "gnu";
		else if (starts(e, "musl"))
			t->env = "musl";
		else if (is(e, "msvc"))
			t->env = "msvc";
		else if (is(e, "sgx"))
			t->env = "sgx";
		else if (starts(e, "uclibc"))
			t->env = "uclibc";
		else if (is(e, "newlib"))
			t->env = "newlib";
		else if (is(e, "sim"))
			t->env = "sim";
		else if (starts(e, "android"))
			t->os = "android";
		if (ends(e, "eabihf"))
			t->abi = "eabihf";
		else if (ends(e, "eabi"))
			t->abi = "eabi";
		else if (ends(e, "x32"))
			t->abi = "x32";
	}
}

static void parse_triple(const char *triple, target *t)
{
	part parts[8];
	size_t n = 0;
	for (const char *p = triple; *p && n < 8;) {
		const char *d = strchr(p, '-');
		size_t len = d ? (size_t)(d - p) : strlen(p);
		parts[n++] = (part){p, len};
		if (!d)
			break;
		p = d + 1;
	}
	memset(t, 0, sizeof *t);
	t->arch = n ? arch_of(parts[0]) : NULL;
	if (!t->arch && n) {
		copy_part(t->vendbuf, sizeof t->vendbuf, parts[0]);
		t->arch = t->vendbuf;
	}
	t->vendor = "unknown";
	size_t first = 1;
	for (size_t v = 0; n >= 3 && v < sizeof vendors / sizeof *vendors; v++)
		if (is(parts[1], vendors[v])) {
			t->vendor = vendors[v];
			first = 2;
		}
	if (n >= 4 && first == 1) /* arch-vendor-os-env with a vendor we do not know */
		first = 2;
	os_env(t, n > first ? parts + first : NULL, n > first ? n - first : 0);
	if (strcmp(t->os, "linux") == 0 && !*t->env)
		t->env = "gnu";
	if (n && is(parts[0], "x86_64") && strcmp(t->abi, "x32") == 0)
		t->width = 32;
	else if (!strcmp(t->arch, "avr") || !strcmp(t->arch, "msp430"))
		t->width = 16;
	else if (strstr(t->arch, "64") || !strcmp(t->arch, "s390x"))
		t->width = 64;
	else
		t->width = 32;
	if (!strcmp(t->arch, "powerpc64") && n && ends(parts[0], "le") && !*t->abi)
		t->abi = "elfv2";
	/* little-endian variants of big-endian families say so: powerpc64le, mipsel */
	bool little = n && (ends(parts[0], "le") || ends(parts[0], "el"));
	t->big = !strcmp(t->arch, "s390x") || !strcmp(t->arch, "sparc") ||
		 !strcmp(t->arch, "sparc64") || !strcmp(t->arch, "m68k") ||
		 (!strncmp(t->arch, "powerpc", 7) && !little) ||
		 (!strncmp(t->arch, "mips", 4) && !little);
}

static void opt(pt_strbuf *out, const char *name, const char *value)
{
	if (value)
		pt_strbuf_printf(out, "%s=%s\n", name, value);
	else
		pt_strbuf_printf(out, "%s\n", name);
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static void features_of(const target *t, pt_strbuf *out)
{
	static const char *const x86[] = {"fxsr", "sse", "sse2"};
	if (!strcmp(t->arch, "x86_64") || !strcmp(t->arch, "x86"))
		for (size_t i = 0; i < 3; i++)
			opt(out, "target_feature", x86[i]);
	if (!strcmp(t->arch, "aarch64")) {
		opt(out, "target_feature", "neon");
		opt(out, "target_feature", "fp-armv8");
	}
	if (!strcmp(t->arch, "arm") && !strcmp(t->abi, "eabihf")) {
		opt(out, "target_feature", "vfp2");
		opt(out, "target_feature", "v7");
	}
}

void pt_cfg_target(const char *triple, pt_strbuf *out)
{
	target t;
	parse_triple(triple && *triple ? triple : pt_cfg_host_triple(), &t);
	char w[8];
	snprintf(w, sizeof w, "%d", t.width);
	opt(out, "target_arch", t.arch);
	opt(out, "target_os", t.os);
	opt(out, "target_env", t.env);
	if (*t.abi)
		opt(out, "target_abi", t.abi);
	opt(out, "target_vendor", t.vendor);
	opt(out, "target_pointer_width", w);
	opt(out, "target_endian", t.big ? "big" : "little");
	bool wasm = !strncmp(t.arch, "wasm", 4);
	if (in_list(t.os, unix_oses, sizeof unix_oses / sizeof *unix_oses)) {
		opt(out, "target_family", "unix");
		opt(out, "unix", NULL);
	} else if (!strcmp(t.os, "windows")) {
		opt(out, "target_family", "windows");
		opt(out, "windows", NULL);
	}
	if (wasm)
		opt(out, "target_family", "wasm");
	static const char *const atomics[] = {"8", "16", "32"};
	bool bare = !strcmp(t.os, "none") || !strcmp(t.os, "unknown");
	for (size_t i = 0; i < 3 && t.width >= 32; i++)
		opt(out, "target_has_atomic", atomics[i]);
	if (t.width >= 32) {
		opt(out, "target_has_atomic", "ptr");
		if (t.width == 64 || !strcmp(t.arch, "x86") || (!strcmp(t.arch, "arm") && !bare) ||
		    wasm)
			opt(out, "target_has_atomic", "64");
	}
	/* 16-byte compare-and-swap: aarch64's baseline, and x86_64's where
	 * cmpxchg16b is (Apple, Windows) */
	if (!strcmp(t.arch, "aarch64") ||
	    (!strcmp(t.arch, "x86_64") && (!strcmp(t.vendor, "apple") || !strcmp(t.os, "windows"))))
		opt(out, "target_has_atomic", "128");
	features_of(&t, out);
	opt(out, "panic", (bare || (wasm && strcmp(t.os, "emscripten") != 0)) ? "abort" : "unwind");
	if (!bare)
		opt(out, "target_thread_local", NULL);
}

/* ---- evaluation ----------------------------------------------------------- */

bool pt_cfg_has(const char *set, const char *name, size_t nlen, const char *value, size_t vlen)
{
	for (const char *l = set; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (value ? (len == nlen + 1 + vlen && !memcmp(l, name, nlen) && l[nlen] == '=' &&
			     !memcmp(l + nlen + 1, value, vlen))
			  : (len == nlen && !memcmp(l, name, nlen)))
			return true;
		l = nl ? nl + 1 : NULL;
	}
	return false;
}

static void space(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static size_t word(const char **p)
{
	const char *s = *p;
	while ((**p >= 'a' && **p <= 'z') || (**p >= 'A' && **p <= 'Z') ||
	       (**p >= '0' && **p <= '9') || **p == '_')
		(*p)++;
	return (size_t)(*p - s);
}

/* Three values: a name a build script may set (listed "?name") is
 * neither true nor false until the script runs. */
enum {
	NO = 0,
	YES = 1,
	MAYBE = 2
};

static int pred(const char **p, const char *set, bool *ok, int depth);

/* all(..), any(..), not(..): *p just after the '(' (Kleene's logic). */
static int combine(const char **p, const char *set, bool *ok, int depth, int op)
{
	int acc = op == 1 ? NO : YES, n = 0;
	for (;;) {
		space(p);
		if (**p == ')') {
			(*p)++;
			break;
		}
		int v = pred(p, set, ok, depth + 1);
		if (!*ok)
			return YES;
		n++;
		if (op == 0)
			acc = (acc == NO || v == NO)         ? NO
			      : (acc == MAYBE || v == MAYBE) ? MAYBE
							     : YES;
		else if (op == 1)
			acc = (acc == YES || v == YES)       ? YES
			      : (acc == MAYBE || v == MAYBE) ? MAYBE
							     : NO;
		else
			acc = v == MAYBE ? MAYBE : v == YES ? NO : YES;
		space(p);
		if (**p == ',')
			(*p)++;
		else if (**p != ')')
			return *ok = false, YES;
	}
	if (op == 2 && n != 1)
		*ok = false;
	return acc;
}

static int option(const char *set, const char *w, size_t n, const char *v, size_t vn)
{
	if (pt_cfg_has(set, w, n, v, vn))
		return YES;
	if (!v) {
		for (const char *l = set; l && (l = strchr(l, '?'));) {
			if ((l == set || l[-1] == '\n') && !strncmp(l + 1, w, n) &&
			    l[1 + n] == '\n')
				return MAYBE;
			l++;
		}
	}
	return NO;
}

static int pred(const char **p, const char *set, bool *ok, int depth)
{
	space(p);
	const char *w = *p;
	size_t n = word(p);
	space(p);
	if (!n || depth > 32)
		return *ok = false, YES;
	if (**p == '(') {
		(*p)++;
		int op = (n == 3 && !memcmp(w, "all", 3))   ? 0
			 : (n == 3 && !memcmp(w, "any", 3)) ? 1
			 : (n == 3 && !memcmp(w, "not", 3)) ? 2
							    : -1;
		if (op < 0)
			return *ok = false, YES;
		return combine(p, set, ok, depth, op);
	}
	if (**p != '=')
		return option(set, w, n, NULL, 0);
	(*p)++;
	space(p);
	if (**p != '"')
		return *ok = false, YES;
	const char *v = ++*p, *e = strchr(v, '"');
	if (!e)
		return *ok = false, YES;
	*p = e + 1;
	return option(set, w, n, v, (size_t)(e - v));
}

bool pt_cfg_eval(const char *p, const char *set)
{
	bool ok = true;
	int v = pred(&p, set, &ok, 0);
	space(&p);
	return !ok || *p || v != NO;
}
