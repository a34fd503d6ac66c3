/* fuzz/fuzz_export.c — the exporters on hostile names.
 *
 * Names in a graph come from file and folder names a cloned repository
 * chooses: any bytes but NUL and '/', invalid UTF-8, quotes, newlines,
 * terminal escapes, markup. The input is split at NUL bytes into the
 * names, qualified paths, signatures and file paths of a few entities (the
 * first byte picks how many, and their kinds), written to a real database
 * with edges between them; then every text writer of `export` runs on it.
 * Each output must stay its format, with every name one value of it:
 *
 *   dot      every line a node or an edge statement, one node per entity,
 *            labels with no unescaped quote, no control character
 *   mermaid  every line a node or an edge, labels with no quote, no
 *            markup character, no control character
 *   json     only valid UTF-8, no raw control character; decoding its
 *            strings (\udcHH as the byte HH, core/escape.h) gives back every
 *            name, qualified path, signature and file path exactly
 *   graphml  one node element per entity, data elements with no markup
 *            in their text, only characters XML 1.0 allows
 *
 * The database lives in a temporary directory (on /dev/shm when there is
 * one) for the process's life.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli/export.h"
#include "../core/escape.h"
#include "../store/records.h"
#include "fuzz_common.h"

/* ---- what cli/main.c would give the writers ------------------------------------- */

void cli_err(const char *fmt, ...)
{
	(void)fmt;
}

int cli_open_db(const cli_opts *o, const char *root, bool write, store **st)
{
	(void)o;
	(void)root;
	(void)write;
	*st = NULL;
	return 1;
}

void cli_reading_db(const char *dir)
{
	(void)dir;
}

/* check and diff index first (cli/check.c, cli/diff.c are linked in with
 * the writers); the fuzzer never runs them */
int cli_onboard(const cli_opts *o)
{
	(void)o;
	return 1;
}

/* ---- the graph ------------------------------------------------------------------------ */

#define MAX_ENTS 6

typedef struct {
	const char *name, *qpath, *sig, *file;
} names;

static store *db;
static char db_dir[64];

static void remove_db(void)
{
	store_close(db);
	store_remove(db_dir);
}

static void open_db(void)
{
	/* memory, when there is a tmpfs for it: every input commits */
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(db_dir, sizeof db_dir, "%s/pt-fuzz-export-%d", base, (int)getpid());
	store_remove(db_dir);
	FUZZ_CHECK(store_open(db_dir, STORE_CREATE | STORE_NOSYNC | STORE_NOCHECK, &db) == PT_OK);
	atexit(remove_db);
}

/* The next NUL-terminated piece of the input (empty at its end). */
static const char *next_piece(const char **p, const char *end, char **owned, size_t *k)
{
	const char *z = *p < end ? memchr(*p, 0, (size_t)(end - *p)) : NULL;
	size_t n = z ? (size_t)(z - *p) : (size_t)(end - *p);
	owned[*k] = pt_xstrndup(*p, n);
	*p += n + (z ? 1 : 0);
	return owned[(*k)++];
}

static int write_graph(const names *ns, size_t n, const uint8_t *kinds, export_graph *g)
{
	store_txn *txn;
	int rc = store_txn_begin(db, true, &txn);
	if (rc)
		return rc;
	rc = store_clear(txn);
	pt_strbuf b = {0};
	for (size_t i = 0; i < n && !rc; i++) {
		uint8_t key[8], fk[4];
		uint64_t id = 0x1000 + i;
		rec_entity e = {.id = id,
				.file = (uint32_t)i + 1,
				.kind = 1 + kinds[i] % (PT_KIND_MAX - 1),
				.name = ns[i].name,
				.qpath = ns[i].qpath,
				.sig = ns[i].sig};
		b.len = 0;
		rec_entity_encode(&e, &b);
		store_key_u64(key, id);
		store_key_u32(fk, e.file);
		rc = store_put(txn, TBL_ENTS, key, 8, b.buf, b.len);
		if (!rc)
			rc = store_put(txn, TBL_FILEIDS, fk, 4, ns[i].file, strlen(ns[i].file) + 1);
		pt_vec_push(&g->ents, id);
		/* an edge to the next entity, its site in this one's file */
		rec_edge ed = {.other = 0x1000 + (i + 1) % n,
			       .file = e.file,
			       .kind = 1 + kinds[i] % (REL_MAX - 1)};
		uint8_t v[REC_EDGE_SIZE];
		rec_edge_encode(&ed, v);
		if (!rc)
			rc = store_put(txn, TBL_OUT, key, 8, v, sizeof v);
		pt_vec_push(&g->edges, ed);
		pt_vec_push(&g->edge_src, id);
	}
	pt_strbuf_free(&b);
	if (rc) {
		store_txn_abort(txn);
		return rc;
	}
	return store_txn_commit(txn);
}

/* ---- the checks ------------------------------------------------------------------------ */

static char *run_writer(export_writer w, store_txn *txn, const export_graph *g, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	cli_opts o = {0};
	FUZZ_CHECK(f && w(txn, g, &o, f) == EXIT_OK);
	fclose(f);
	return buf;
}

/* No control character but the line ends, and valid UTF-8 throughout. */
static void check_text(const char *s, size_t n)
{
	FUZZ_CHECK(strlen(s) == n && pt_utf8_valid(s, n));
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)s[i] >= 0x20 || s[i] == '\n');
}

static bool hex16(const char *p)
{
	for (int i = 0; i < 16; i++)
		if (!strchr("0123456789abcdef", p[i]))
			return false;
	return true;
}

/* `  n<id> [label="…\n(kind)"];` or `  n<id> -> n<id> [label="KIND"];` */
static void check_dot(const char *out, size_t len, size_t n)
{
	check_text(out, len);
	size_t nodes = 0, edges = 0;
	const char *p = strchr(out, '\n') + 1;
	p = strchr(p, '\n') + 1; /* the header's two lines */
	for (const char *e; (e = strchr(p, '\n')); p = e + 1) {
		if (strncmp(p, "}", 1) == 0)
			break;
		FUZZ_CHECK(strncmp(p, "  n", 3) == 0 && hex16(p + 3));
		const char *q = p + 19;
		if (strncmp(q, " -> n", 5) == 0) {
			edges++;
			continue;
		}
		FUZZ_CHECK(strncmp(q, " [label=\"", 9) == 0);
		q += 9;
		while (*q != '"') { /* inside the label only escaped quotes */
			FUZZ_CHECK(q < e);
			q += *q == '\\' ? 2 : 1;
		}
		FUZZ_CHECK(strncmp(q, "\"];\n", 4) == 0 && q + 3 == e);
		nodes++;
	}
	FUZZ_CHECK(nodes == n && edges == n && strcmp(p, "}\n") == 0);
}

/* `  n<id>["…"]` or `  n<id> -->|KIND| n<id>` */
static void check_mermaid(const char *out, size_t len, size_t n)
{
	check_text(out, len);
	size_t nodes = 0, edges = 0;
	const char *p = strchr(out, '\n') + 1;
	for (const char *e; (e = strchr(p, '\n')); p = e + 1) {
		FUZZ_CHECK(strncmp(p, "  n", 3) == 0 && hex16(p + 3));
		const char *q = p + 19;
		if (strncmp(q, " -->|", 5) == 0) {
			edges++;
			continue;
		}
		FUZZ_CHECK(strncmp(q, "[\"", 2) == 0 && strncmp(e - 2, "\"]", 2) == 0);
		for (const char *c = q + 2; c < e - 2; c++)
			FUZZ_CHECK(!strchr("\"<>`", *c));
		nodes++;
	}
	FUZZ_CHECK(nodes == n && edges == n && !*p);
}

/* Every JSON string of out, decoded, \udcHH giving back the byte HH. */
typedef PT_VEC(char *) strings;

static size_t hex4(const char *p)
{
	char h[5] = {p[0], p[1], p[2], p[3], 0};
	return (size_t)strtoul(h, NULL, 16);
}

static void put_utf8(pt_strbuf *b, size_t c)
{
	if (c < 0x80) {
		pt_strbuf_addc(b, (char)c);
	} else if (c < 0x800) {
		pt_strbuf_addc(b, (char)(0xc0 | (c >> 6)));
		pt_strbuf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		pt_strbuf_addc(b, (char)(0xe0 | (c >> 12)));
		pt_strbuf_addc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		pt_strbuf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else {
		pt_strbuf_addc(b, (char)(0xf0 | (c >> 18)));
		pt_strbuf_addc(b, (char)(0x80 | ((c >> 12) & 0x3f)));
		pt_strbuf_addc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		pt_strbuf_addc(b, (char)(0x80 | (c & 0x3f)));
	}
}

static const char *json_string_at(const char *p, strings *out)
{
	pt_strbuf b = {0};
	pt_strbuf_add(&b, "", 0);
	for (p++; *p != '"'; p++) {
		FUZZ_CHECK(*p);
		if (*p != '\\') {
			pt_strbuf_addc(&b, *p);
			continue;
		}
		char c = *++p;
		const char *simple = strchr("\"\\/bfnrt", c);
		if (simple && c != 'u') {
			pt_strbuf_addc(&b, "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"]);
			continue;
		}
		FUZZ_CHECK(c == 'u');
		size_t u = hex4(p + 1);
		p += 4;
		if (u >= 0xdc80 && u <= 0xdcff) { /* a byte that is not UTF-8 */
			pt_strbuf_addc(&b, (char)(u - 0xdc00));
		} else if (u >= 0xd800 && u <= 0xdbff) {
			FUZZ_CHECK(p[1] == '\\' && p[2] == 'u');
			size_t lo = hex4(p + 3);
			p += 6;
			put_utf8(&b, 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
		} else {
			put_utf8(&b, u);
		}
	}
	pt_vec_push(out, b.buf);
	return p;
}

static bool has_string(const strings *s, const char *want)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], want) == 0)
			return true;
	return false;
}

static void check_json(const char *out, size_t len, const names *ns, size_t n)
{
	check_text(out, len);
	strings s = {0};
	for (const char *p = out; *p; p++)
		if (*p == '"')
			p = json_string_at(p, &s);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(has_string(&s, ns[i].name) && has_string(&s, ns[i].qpath));
		FUZZ_CHECK(has_string(&s, ns[i].sig) && has_string(&s, ns[i].file));
	}
	for (size_t i = 0; i < s.n; i++)
		free(s.v[i]);
	pt_vec_free(&s);
}

static void check_graphml(const char *out, size_t len, size_t n)
{
	FUZZ_CHECK(strlen(out) == len && pt_utf8_valid(out, len));
	size_t nodes = 0;
	for (const char *p = out, *e; (e = strchr(p, '\n')); p = e + 1) {
		for (const char *c = p; c < e; c++) /* XML 1.0 has no C0 but tab */
			FUZZ_CHECK((unsigned char)*c >= 0x20 || *c == '\t');
		nodes += strncmp(p, "    <node id=\"n", 15) == 0;
		if (strncmp(p, "      <data key=\"", 17) != 0)
			continue;
		const char *t = strchr(p + 17, '>') + 1, *end = e - 7;
		FUZZ_CHECK(t <= end && strncmp(end, "</data>", 7) == 0);
		for (const char *c = t; c < end; c++)
			FUZZ_CHECK(*c != '<' && *c != '>');
	}
	FUZZ_CHECK(nodes == n);
}

/* ---- the target ------------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db)
		open_db();
	if (size < 2)
		return 0;
	size_t n = 1 + data[0] % MAX_ENTS;
	uint8_t kinds[MAX_ENTS];
	for (size_t i = 0; i < n; i++)
		kinds[i] = i + 1 < size ? data[i + 1] : 0;
	const char *p = (const char *)data + 1 + n, *end = (const char *)data + size;
	if (p > end)
		p = end;
	char *owned[4 * MAX_ENTS];
	size_t k = 0;
	names ns[MAX_ENTS];
	for (size_t i = 0; i < n; i++) {
		ns[i].name = next_piece(&p, end, owned, &k);
		ns[i].qpath = next_piece(&p, end, owned, &k);
		ns[i].sig = next_piece(&p, end, owned, &k);
		ns[i].file = next_piece(&p, end, owned, &k);
	}
	export_graph g = {.whole = true};
	FUZZ_CHECK(write_graph(ns, n, kinds, &g) == PT_OK);
	store_txn *txn;
	FUZZ_CHECK(store_txn_begin(db, false, &txn) == PT_OK);
	size_t len;
	char *out = run_writer(export_dot, txn, &g, &len);
	check_dot(out, len, n);
	free(out);
	out = run_writer(export_mermaid, txn, &g, &len);
	check_mermaid(out, len, n);
	free(out);
	out = run_writer(export_json, txn, &g, &len);
	check_json(out, len, ns, n);
	free(out);
	out = run_writer(export_graphml, txn, &g, &len);
	check_graphml(out, len, n);
	free(out);
	store_txn_abort(txn);
	for (size_t i = 0; i < k; i++)
		free(owned[i]);
	pt_vec_free(&g.ents);
	pt_vec_free(&g.edges);
	pt_vec_free(&g.edge_src);
	return 0;
}
