/* tools/gen_std_names.c — writes build/gen/std_names.c from the standard
 * library's sources (core, alloc and std), as two C tables:
 *
 *  - the sorted names of every fn declared inside an impl or trait, and of
 *    every fn a macro_rules! body declares (`uint_impl!` writes the integer
 *    methods: `leading_zeros` is a std name although no impl spells it);
 *  - the inherent methods of each type, keyed by the type's last path
 *    segment ("u64", "str", "[]" for slices and arrays, "Vec", "Option"):
 *    the fns of `impl Type { .. }` blocks, with those of the macros such a
 *    block invokes (`impl u64 { uint_impl! { .. } }`).
 *
 *   gen_std_names OUT.c DIR...
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../graph/extract.h"
#include "../graph/stdnames.h"

/* The generator itself is built before the tables exist. */
bool pt_is_std_method(const char *name, size_t len)
{
	(void)name;
	(void)len;
	return false;
}
size_t pt_std_method_count(void)
{
	return 0;
}
bool pt_std_inherent(const char *type, size_t tlen, const char *name, size_t len)
{
	(void)type;
	(void)tlen;
	(void)name;
	(void)len;
	return false;
}
bool pt_std_type(const char *type, size_t tlen)
{
	(void)type;
	(void)tlen;
	return false;
}

typedef PT_VEC(char *) names;

/* A macro_rules! definition: its name and the fns its body declares,
 * each name followed by '\n'. */
typedef struct {
	char *name, *fns;
} macro_fns;

/* An inherent impl of the std sources: its type key, its fns ('\n'-ended)
 * and the macros it invokes ('\n'-ended). */
typedef struct {
	char *type, *fns, *macros;
} impl_rec;

typedef struct {
	names methods;
	PT_VEC(macro_fns) macros;
	PT_VEC(impl_rec) impls;
} gen;

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The fn names text[0..n) declares (`fn name`), appended to out ('\n'-ended). */
static void scan_fns(const char *text, size_t n, pt_strbuf *out)
{
	for (size_t i = 0; i + 3 < n; i++) {
		if (memcmp(text + i, "fn ", 3) || (i && ident_char(text[i - 1])))
			continue;
		size_t s = i + 3, e = s;
		while (e < n && ident_char(text[e]))
			e++;
		if (e > s && !isdigit((unsigned char)text[s]) && text[s] != '$') {
			pt_strbuf_add(out, text + s, e - s);
			pt_strbuf_addc(out, '\n');
		}
	}
}

/* The key of an inherent impl's self type, from its header `impl<..> T`:
 * the last path segment of T without generics, "[]" for slices and
 * arrays; NULL for raw pointers and anything else. */
static char *type_key(const char *impl_self, const char *sig)
{
	if (*impl_self) {
		const char *last = impl_self, *e;
		while ((e = strstr(last, "::")))
			last = e + 2;
		return pt_xstrdup(last);
	}
	const char *p = strncmp(sig, "impl", 4) == 0 ? sig + 4 : sig;
	if (*p == '<') {
		int depth = 0;
		for (; *p; p++) {
			depth += *p == '<';
			depth -= *p == '>';
			if (!depth)
				break;
		}
		if (*p)
			p++;
	}
	while (*p == ' ')
		p++;
	return *p == '[' ? pt_xstrdup("[]") : NULL;
}

static void add_file(pt_extractor *ex, const char *path, gen *G)
{
	size_t len;
	char *t = pt_read_file(path, &len);
	if (!t)
		return;
	pt_facts fa;
	pt_facts_init(&fa);
	if (pt_extractor_text(ex, t, len, &fa) != PT_OK)
		goto done;
	for (size_t i = 0; i < fa.items.n; i++) {
		const fact_item *it = &fa.items.v[i];
		const char *name = pt_strpool_get(&fa.pool, it->name);
		if (it->kind == PT_METHOD && *name)
			pt_vec_push(&G->methods, pt_xstrdup(name));
		if (it->kind == PT_MACRO && it->span.end_byte <= len) {
			pt_strbuf fns = {0};
			pt_strbuf_add(&fns, "", 0);
			scan_fns(t + it->span.start_byte, it->span.end_byte - it->span.start_byte,
				 &fns);
			macro_fns m = {pt_xstrdup(name), fns.buf};
			pt_vec_push(&G->macros, m);
		}
		char *key = it->kind == PT_IMPL && !it->impl_trait
				    ? type_key(pt_strpool_get(&fa.pool, it->impl_self),
					       pt_strpool_get(&fa.pool, it->sig))
				    : NULL;
		if (!key)
			continue;
		pt_strbuf fns = {0}, macs = {0};
		pt_strbuf_add(&fns, "", 0);
		pt_strbuf_add(&macs, "", 0);
		for (size_t j = i + 1; j < fa.items.n; j++)
			if (fa.items.v[j].parent == (int32_t)i && fa.items.v[j].kind == PT_METHOD)
				pt_strbuf_printf(&fns, "%s\n",
						 pt_strpool_get(&fa.pool, fa.items.v[j].name));
		for (size_t r = 0; r < fa.refs.n; r++)
			if (fa.refs.v[r].kind == FR_MACRO_CALL && fa.refs.v[r].from == (int32_t)i)
				pt_strbuf_printf(&macs, "%s\n",
						 pt_strpool_get(&fa.pool, fa.refs.v[r].path));
		impl_rec rec = {key, fns.buf, macs.buf};
		pt_vec_push(&G->impls, rec);
	}
done:
	pt_facts_free(&fa);
	free(t);
}

static void walk(pt_extractor *ex, const char *dir, gen *G)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *p;
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0)
			continue;
		struct stat st;
		size_t n = strlen(e->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			walk(ex, p, G);
		else if (n > 3 && strcmp(e->d_name + n - 3, ".rs") == 0)
			add_file(ex, p, G);
		free(p);
	}
	closedir(d);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Pushes "prefix" + each '\n'-ended name of list onto out. */
static void push_each(names *out, const char *prefix, const char *list)
{
	for (const char *p = list; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *s;
		if (asprintf(&s, "%s%.*s", prefix, (int)n, p) >= 0)
			pt_vec_push(out, s);
		p += n + (nl ? 1 : 0);
	}
}

/* The fns of the macros named in list (by last path segment). */
static void macro_methods(const gen *G, const char *prefix, const char *list, names *out)
{
	for (const char *p = list; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *name = p;
		for (const char *c = p; c + 1 < p + n; c++)
			if (c[0] == ':' && c[1] == ':')
				name = c + 2;
		size_t nn = (size_t)(p + n - name);
		for (size_t m = 0; m < G->macros.n; m++)
			if (strlen(G->macros.v[m].name) == nn &&
			    !memcmp(G->macros.v[m].name, name, nn))
				push_each(out, prefix, G->macros.v[m].fns);
		p += n + (nl ? 1 : 0);
	}
}

static void sort_unique(names *v)
{
	if (v->n)
		qsort(v->v, v->n, sizeof *v->v, cmp);
	size_t w = 0;
	for (size_t i = 0; i < v->n; i++) {
		if (w && strcmp(v->v[i], v->v[w - 1]) == 0) {
			free(v->v[i]);
			continue;
		}
		v->v[w++] = v->v[i];
	}
	v->n = w;
}

static void write_table(FILE *f, const char *name, const names *v)
{
	fprintf(f, "static const char *const %s[] = {\n", name);
	for (size_t i = 0; i < v->n; i++)
		fprintf(f, "\t\"%s\",\n", v->v[i]);
	fprintf(f, "\t\"\"\n};\n\n");
}

/* A binary search of a sorted table for the key a[0..an) + b[0..bn). */
static const char lookup_fn[] =
	"static bool find(const char *const *t, size_t n, const char *a, size_t an,\n"
	"\t\t const char *b, size_t bn)\n{\n"
	"\tsize_t lo = 0, hi = n;\n"
	"\twhile (lo < hi) {\n"
	"\t\tsize_t mid = (lo + hi) / 2;\n"
	"\t\tconst char *s = t[mid];\n"
	"\t\tint c = strncmp(s, a, an);\n"
	"\t\tif (!c && strlen(s) < an) c = -1;\n"
	"\t\tif (!c) {\n"
	"\t\t\tc = strncmp(s + an, b, bn);\n"
	"\t\t\tif (!c) c = s[an + bn] ? 1 : 0;\n"
	"\t\t}\n"
	"\t\tif (!c) return true;\n"
	"\t\tif (c < 0) lo = mid + 1; else hi = mid;\n"
	"\t}\n\treturn false;\n}\n\n";

static int write_out(const char *path, const names *methods, const names *inherent,
		     const names *types)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	fprintf(f, "/* Generated by tools/gen_std_names: do not edit. */\n#include <string.h>\n"
		   "#include \"graph/stdnames.h\"\n\n");
	write_table(f, "names", methods);
	write_table(f, "inherent", inherent);
	write_table(f, "types", types);
	fputs(lookup_fn, f);
	fprintf(f,
		"size_t pt_std_method_count(void) { return %zu; }\n\n"
		"bool pt_is_std_method(const char *name, size_t len)\n{\n"
		"\treturn find(names, %zu, name, len, \"\", 0);\n}\n\n"
		"bool pt_std_inherent(const char *type, size_t tlen, const char *name, size_t "
		"len)\n{\n"
		"\tchar key[64];\n"
		"\tif (tlen + 1 >= sizeof key) return false;\n"
		"\tmemcpy(key, type, tlen);\n"
		"\tkey[tlen] = '\\t';\n"
		"\treturn find(inherent, %zu, key, tlen + 1, name, len);\n}\n\n"
		"bool pt_std_type(const char *type, size_t tlen)\n{\n"
		"\treturn find(types, %zu, type, tlen, \"\", 0);\n}\n",
		methods->n, methods->n, inherent->n, types->n);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: gen_std_names OUT.c DIR...\n");
		return 2;
	}
	gen G = {0};
	names inherent = {0}, types = {0};
	pt_extractor *ex = pt_extractor_new();
	for (int i = 2; i < argc; i++)
		walk(ex, argv[i], &G);
	pt_extractor_free(ex);
	for (size_t m = 0; m < G.macros.n; m++)
		push_each(&G.methods, "", G.macros.v[m].fns);
	for (size_t i = 0; i < G.impls.n; i++) {
		const impl_rec *r = &G.impls.v[i];
		char *prefix;
		if (asprintf(&prefix, "%s\t", r->type) < 0)
			continue;
		push_each(&inherent, prefix, r->fns);
		macro_methods(&G, prefix, r->macros, &inherent);
		pt_vec_push(&types, pt_xstrdup(r->type));
		free(prefix);
	}
	sort_unique(&G.methods);
	sort_unique(&inherent);
	sort_unique(&types);
	int rc = write_out(argv[1], &G.methods, &inherent, &types);
	fprintf(stderr, "gen_std_names: %zu method names, %zu inherent methods of %zu types\n",
		G.methods.n, inherent.n, types.n);
	for (size_t i = 0; i < G.methods.n; i++)
		free(G.methods.v[i]);
	for (size_t i = 0; i < inherent.n; i++)
		free(inherent.v[i]);
	for (size_t i = 0; i < types.n; i++)
		free(types.v[i]);
	for (size_t i = 0; i < G.macros.n; i++) {
		free(G.macros.v[i].name);
		free(G.macros.v[i].fns);
	}
	for (size_t i = 0; i < G.impls.n; i++) {
		free(G.impls.v[i].type);
		free(G.impls.v[i].fns);
		free(G.impls.v[i].macros);
	}
	pt_vec_free(&G.methods);
	pt_vec_free(&G.macros);
	pt_vec_free(&G.impls);
	pt_vec_free(&inherent);
	pt_vec_free(&types);
	return rc;
}
