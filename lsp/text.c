/* lsp/text.c — see text.h. */
#define _GNU_SOURCE
#include "text.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

const char *lsp_enc_name(lsp_enc e)
{
	switch (e) {
	case LSP_UTF8: return "utf-8";
	case LSP_UTF16: return "utf-16";
	case LSP_UTF32: return "utf-32";
	}
	return "utf-16";
}

lsp_enc lsp_enc_from_name(const char *s)
{
	if (!s)
		return 0;
	if (strcmp(s, "utf-8") == 0)
		return LSP_UTF8;
	if (strcmp(s, "utf-16") == 0)
		return LSP_UTF16;
	if (strcmp(s, "utf-32") == 0)
		return LSP_UTF32;
	return 0;
}

/* Length of the UTF-8 sequence at s (n > 0 bytes left): 1..4, and 1 for
 * any byte that does not start a valid sequence. */
static size_t seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t k;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		k = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		k = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		k = 4;
	else
		return 1;
	if (k > n)
		return 1;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 1;
	/* overlong forms, UTF-16 surrogates and code points past U+10FFFF
	 * are invalid too: one unit a byte, as editors decode them (one
	 * U+FFFD each); found by fuzz/fuzz_text.c */
	unsigned d = s[1];
	if ((c == 0xE0 && d < 0xA0) || (c == 0xED && d > 0x9F) || (c == 0xF0 && d < 0x90) ||
	    (c == 0xF4 && d > 0x8F))
		return 1;
	return k;
}

/* Units one sequence of k bytes takes in encoding e. */
static uint32_t seq_units(size_t k, lsp_enc e)
{
	if (e == LSP_UTF8)
		return (uint32_t)k;
	if (e == LSP_UTF16)
		return k == 4 ? 2 : 1;
	return 1;
}

uint32_t lsp_units(const char *s, size_t n, lsp_enc e)
{
	if (e == LSP_UTF8)
		return (uint32_t)n;
	const unsigned char *p = (const unsigned char *)s;
	uint32_t u = 0;
	for (size_t i = 0; i < n;) {
		if (p[i] < 0x80) {
			i++;
			u++;
			continue;
		}
		size_t k = seq_len(p + i, n - i);
		u += seq_units(k, e);
		i += k;
	}
	return u;
}

size_t lsp_bytes_for_units(const char *s, size_t n, uint32_t units, lsp_enc e)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t u = 0;
	size_t i = 0;
	if (e == LSP_UTF8 && units >= n)
		return n;
	while (i < n) {
		size_t k = seq_len(p + i, n - i);
		uint32_t w = seq_units(k, e);
		if (u + w > units)
			break;
		u += w;
		i += k;
	}
	return i;
}

/* ---- line tables --------------------------------------------------------- */

void lsp_lines_init(lsp_lines *self, const char *text, size_t len)
{
	memset(self, 0, sizeof *self);
	self->text = text;
	self->len = len;
	pt_vec_push(&self->starts, 0);
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		pt_vec_push(&self->starts, (size_t)(nl + 1 - text));
		p = nl + 1;
	}
}

void lsp_lines_free(lsp_lines *self)
{
	pt_vec_free(&self->starts);
}

size_t lsp_lines_len(const lsp_lines *self, uint32_t l)
{
	if (l >= self->starts.n)
		return 0;
	size_t a = self->starts.v[l];
	size_t b = l + 1 < self->starts.n ? self->starts.v[l + 1] - 1 : self->len;
	if (b > a && self->text[b - 1] == '\r' && b < self->len)
		b--;
	return b - a;
}

size_t lsp_lines_offset(const lsp_lines *self, lsp_pos p, lsp_enc e)
{
	if (p.line >= self->starts.n)
		return self->len;
	size_t a = self->starts.v[p.line];
	return a + lsp_bytes_for_units(self->text + a, lsp_lines_len(self, p.line), p.character, e);
}

void lsp_lines_to_graph(const lsp_lines *self, lsp_pos p, lsp_enc e, uint32_t *line, uint32_t *col)
{
	if (p.line >= self->starts.n) {
		*line = (uint32_t)self->starts.n - 1;
		*col = (uint32_t)lsp_lines_len(self, *line);
		return;
	}
	size_t a = self->starts.v[p.line];
	*line = p.line;
	*col = (uint32_t)lsp_bytes_for_units(self->text + a, lsp_lines_len(self, p.line),
					     p.character, e);
}

lsp_pos lsp_lines_from_graph(const lsp_lines *self, uint32_t line, uint32_t col, lsp_enc e)
{
	lsp_pos p = {line, col};
	if (line >= self->starts.n) {
		/* the graph is ahead of (or behind) this text: keep the bytes */
		return p;
	}
	size_t a = self->starts.v[line], n = lsp_lines_len(self, line);
	if (col > n) {
		/* past the end: columns beyond the text count one unit a byte */
		p.character = lsp_units(self->text + a, n, e) + (col - (uint32_t)n);
		return p;
	}
	p.character = lsp_units(self->text + a, col, e);
	return p;
}

/* The line holding byte offset off (off ≤ len): the last start ≤ off. */
static size_t line_of(const lsp_lines *self, size_t off)
{
	size_t lo = 0, hi = self->starts.n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (self->starts.v[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

void lsp_lines_graph_at(const lsp_lines *self, size_t off, uint32_t *line, uint32_t *col)
{
	if (off > self->len)
		off = self->len;
	size_t l = line_of(self, off);
	*line = (uint32_t)l;
	*col = (uint32_t)(off - self->starts.v[l]);
}

lsp_pos lsp_lines_position(const lsp_lines *self, size_t off, lsp_enc e)
{
	uint32_t line, col;
	lsp_lines_graph_at(self, off, &line, &col);
	size_t a = self->starts.v[line];
	lsp_pos p = {line, lsp_units(self->text + a, col, e)};
	return p;
}

size_t lsp_text_offset(const char *text, size_t len, lsp_pos p, lsp_enc e)
{
	size_t a = 0;
	for (uint32_t l = 0; l < p.line; l++) {
		const char *nl = memchr(text + a, '\n', len - a);
		if (!nl)
			return len;
		a = (size_t)(nl + 1 - text);
	}
	const char *nl = memchr(text + a, '\n', len - a);
	size_t b = nl ? (size_t)(nl - text) : len;
	if (nl && b > a && text[b - 1] == '\r')
		b--;
	return a + lsp_bytes_for_units(text + a, b - a, p.character, e);
}

lsp_pos lsp_text_position(const char *text, size_t len, size_t offset, lsp_enc e)
{
	lsp_pos p = {0, 0};
	if (offset > len)
		offset = len;
	size_t a = 0;
	for (;;) {
		const char *nl = memchr(text + a, '\n', offset - a);
		if (!nl)
			break;
		a = (size_t)(nl + 1 - text);
		p.line++;
	}
	p.character = lsp_units(text + a, offset - a, e);
	return p;
}

/* ---- shared texts --------------------------------------------------------- */

struct lsp_doctext {
	atomic_uint refs;
	char *buf; /* owned, NUL-terminated; lines.text points here */
	lsp_lines lines;
};

/* A text taking ownership of buf (len bytes + NUL) and of starts. */
static lsp_doctext *doctext_wrap(char *buf, size_t len)
{
	lsp_doctext *t = pt_xcalloc(1, sizeof *t);
	atomic_init(&t->refs, 1);
	t->buf = buf;
	t->lines.text = buf;
	t->lines.len = len;
	return t;
}

lsp_doctext *lsp_doctext_new(const char *text, size_t len)
{
	char *buf = pt_xmalloc(len + 1);
	if (len)
		memcpy(buf, text, len);
	buf[len] = 0;
	lsp_doctext *t = doctext_wrap(buf, len);
	lsp_lines_init(&t->lines, buf, len);
	return t;
}

lsp_doctext *lsp_doctext_ref(lsp_doctext *self)
{
	atomic_fetch_add_explicit(&self->refs, 1, memory_order_relaxed);
	return self;
}

void lsp_doctext_unref(lsp_doctext *self)
{
	if (!self || atomic_fetch_sub_explicit(&self->refs, 1, memory_order_acq_rel) != 1)
		return;
	lsp_lines_free(&self->lines);
	free(self->buf);
	free(self);
}

const lsp_lines *lsp_doctext_lines(const lsp_doctext *self)
{
	return &self->lines;
}

/* The tree-sitter point just after inserting n bytes of s at point p. */
static pt_point point_after(pt_point p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			p.line++;
			p.col = 0;
		} else {
			p.col++;
		}
	}
	return p;
}

lsp_doctext *lsp_doctext_edit(const lsp_doctext *self, const lsp_change *c, lsp_enc e,
			      pt_tree_edit *ed)
{
	const lsp_lines *L = &self->lines;
	size_t a = lsp_lines_offset(L, c->range.start, e);
	size_t b = lsp_lines_offset(L, c->range.end, e);
	if (b < a) {
		size_t x = a;
		a = b;
		b = x;
	}
	if (ed) {
		memset(ed, 0, sizeof *ed);
		ed->start_byte = (uint32_t)a;
		ed->old_end_byte = (uint32_t)b;
		ed->new_end_byte = (uint32_t)(a + c->len);
		lsp_lines_graph_at(L, a, &ed->start.line, &ed->start.col);
		lsp_lines_graph_at(L, b, &ed->old_end.line, &ed->old_end.col);
		ed->new_end = point_after(ed->start, c->text, c->len);
	}
	size_t len = L->len - (b - a) + c->len;
	char *buf = pt_xmalloc(len + 1);
	memcpy(buf, L->text, a);
	if (c->len)
		memcpy(buf + a, c->text, c->len);
	memcpy(buf + a + c->len, L->text + b, L->len - b);
	buf[len] = 0;
	lsp_doctext *t = doctext_wrap(buf, len);
	/* The lines that start at or before a keep their starts; those whose
	 * line break was deleted ((a, b]) go; the inserted text's breaks add
	 * lines; the rest move by the change in length. */
	size_t keep = line_of(L, a) + 1, k = keep;
	while (k < L->starts.n && L->starts.v[k] <= b)
		k++;
	pt_vec_reserve(&t->lines.starts, keep + (L->starts.n - k) + 16);
	memcpy(t->lines.starts.v, L->starts.v, keep * sizeof *L->starts.v);
	t->lines.starts.n = keep;
	for (const char *p = c->text, *end = c->text + c->len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		pt_vec_push(&t->lines.starts, a + (size_t)(nl + 1 - c->text));
		p = nl + 1;
	}
	pt_vec_reserve(&t->lines.starts, t->lines.starts.n + (L->starts.n - k));
	for (; k < L->starts.n; k++)
		t->lines.starts.v[t->lines.starts.n++] = L->starts.v[k] - b + a + c->len;
	return t;
}

/* ---- texts of files on disk ---------------------------------------------- */

typedef struct {
	char *path;
	uint64_t key; /* pt_hash64 of path: most entries are told apart without a strcmp */
	lsp_doctext *text;
	size_t len;     /* the text's bytes, as counted in the budget */
	struct stat sb; /* the file as stat saw it just before it was read */
	uint64_t used;  /* when last returned (a counter): the least recent goes first */
	bool trusted;   /* its mtime was two seconds old when it was read */
} cached_file;

struct lsp_filecache {
	pthread_mutex_t mu;
	size_t max_bytes, bytes;
	uint64_t clock;
	PT_VEC(cached_file) v; /* a linear search, by key first */
};

lsp_filecache *lsp_filecache_new(size_t max_bytes)
{
	lsp_filecache *c = pt_xcalloc(1, sizeof *c);
	pthread_mutex_init(&c->mu, NULL);
	c->max_bytes = max_bytes;
	return c;
}

static void cached_drop(lsp_filecache *c, size_t i)
{
	cached_file *f = &c->v.v[i];
	c->bytes -= f->len;
	free(f->path);
	lsp_doctext_unref(f->text);
	memmove(f, f + 1, (c->v.n - i - 1) * sizeof *f);
	c->v.n--;
}

void lsp_filecache_free(lsp_filecache *self)
{
	if (!self)
		return;
	while (self->v.n)
		cached_drop(self, self->v.n - 1);
	pt_vec_free(&self->v);
	pthread_mutex_destroy(&self->mu);
	free(self);
}

static bool same_file(const struct stat *x, const struct stat *y)
{
	return x->st_dev == y->st_dev && x->st_ino == y->st_ino && x->st_size == y->st_size &&
	       x->st_mtim.tv_sec == y->st_mtim.tv_sec && x->st_mtim.tv_nsec == y->st_mtim.tv_nsec &&
	       x->st_ctim.tv_sec == y->st_ctim.tv_sec && x->st_ctim.tv_nsec == y->st_ctim.tv_nsec;
}

/* Keep t as path's text, dropping the least recently used texts beyond
 * the budget (a text bigger than the whole budget is not kept). */
static void cached_put(lsp_filecache *c, const char *path, uint64_t key, lsp_doctext *t,
		       const struct stat *sb)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	size_t n = t->lines.len;
	if (n > c->max_bytes)
		return;
	while (c->v.n && c->bytes + n > c->max_bytes) {
		size_t old = 0;
		for (size_t i = 1; i < c->v.n; i++)
			if (c->v.v[i].used < c->v.v[old].used)
				old = i;
		cached_drop(c, old);
	}
	cached_file f = {pt_xstrdup(path),
			 key,
			 lsp_doctext_ref(t),
			 n,
			 *sb,
			 ++c->clock,
			 sb->st_mtim.tv_sec + 2 <= now.tv_sec};
	pt_vec_push(&c->v, f);
	c->bytes += n;
}

lsp_doctext *lsp_filecache_get(lsp_filecache *self, const char *path)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return NULL;
	lsp_doctext *t = NULL;
	uint64_t key = pt_hash64(path, strlen(path));
	pthread_mutex_lock(&self->mu);
	for (size_t i = 0; i < self->v.n; i++) {
		cached_file *f = &self->v.v[i];
		if (f->key != key || strcmp(f->path, path) != 0)
			continue;
		if (f->trusted && same_file(&f->sb, &sb)) {
			f->used = ++self->clock;
			t = lsp_doctext_ref(f->text);
		} else {
			cached_drop(self, i);
		}
		break;
	}
	pthread_mutex_unlock(&self->mu);
	if (t)
		return t;
	/* read outside the lock: other threads' hits need not wait for it */
	size_t len = 0;
	char *buf = pt_read_file(path, &len);
	if (!buf)
		return NULL;
	buf = pt_xrealloc(buf, len + 1); /* kept a while: drop the read's spare room */
	t = doctext_wrap(buf, len);
	lsp_lines_init(&t->lines, buf, len);
	pthread_mutex_lock(&self->mu);
	bool there = false;
	for (size_t i = 0; i < self->v.n && !there; i++)
		there = self->v.v[i].key == key && strcmp(self->v.v[i].path, path) == 0;
	if (!there)
		cached_put(self, path, key, t, &sb);
	pthread_mutex_unlock(&self->mu);
	return t;
}

/* ---- edits ----------------------------------------------------------------- */

void lsp_apply_changes(pt_strbuf *buf, const lsp_change *ch, size_t n, lsp_enc e)
{
	for (size_t i = 0; i < n; i++) {
		const lsp_change *c = &ch[i];
		if (c->whole) {
			buf->len = 0;
			pt_strbuf_add(buf, c->text, c->len);
			continue;
		}
		const char *t = buf->buf ? buf->buf : "";
		size_t a = lsp_text_offset(t, buf->len, c->range.start, e);
		size_t b = lsp_text_offset(t, buf->len, c->range.end, e);
		if (b < a) {
			size_t x = a;
			a = b;
			b = x;
		}
		pt_strbuf out = {0};
		pt_strbuf_add(&out, t, a);
		pt_strbuf_add(&out, c->text, c->len);
		pt_strbuf_add(&out, t + b, buf->len - b);
		pt_strbuf_free(buf);
		*buf = out;
	}
	pt_strbuf_cstr(buf);
}

/* ---- documents ----------------------------------------------------------- */

typedef struct {
	char *uri;
	lsp_doctext *text; /* the current version (one reference) */
	int64_t version;
	pt_tree *tree;  /* last parse, edited to match text; NULL if none */
	uint64_t stamp; /* changes with every open and change: names this text */
} doc;

static void doc_free(doc *x)
{
	free(x->uri);
	lsp_doctext_unref(x->text);
	if (x->tree)
		pt_tree_free(x->tree);
}

struct lsp_docs {
	pthread_mutex_t mu;
	uint64_t stamps;
	PT_VEC(doc) v; /* few documents are open at once: a linear search */
};

lsp_docs *lsp_docs_new(void)
{
	lsp_docs *d = pt_xcalloc(1, sizeof *d);
	pthread_mutex_init(&d->mu, NULL);
	return d;
}

void lsp_docs_free(lsp_docs *self)
{
	if (!self)
		return;
	for (size_t i = 0; i < self->v.n; i++)
		doc_free(&self->v.v[i]);
	pt_vec_free(&self->v);
	pthread_mutex_destroy(&self->mu);
	free(self);
}

static doc *find(lsp_docs *d, const char *uri)
{
	for (size_t i = 0; i < d->v.n; i++)
		if (strcmp(d->v.v[i].uri, uri) == 0)
			return &d->v.v[i];
	return NULL;
}

void lsp_docs_open(lsp_docs *self, const char *uri, const char *text, size_t len, int64_t version)
{
	lsp_doctext *t = lsp_doctext_new(text, len), *old = NULL;
	pthread_mutex_lock(&self->mu);
	doc *x = find(self, uri);
	if (!x) {
		doc nd = {pt_xstrdup(uri), NULL, 0, NULL, 0};
		pt_vec_push(&self->v, nd);
		x = &self->v.v[self->v.n - 1];
	}
	if (x->tree)
		pt_tree_free(x->tree);
	x->tree = NULL;
	x->stamp = ++self->stamps;
	old = x->text;
	x->text = t;
	x->version = version;
	pthread_mutex_unlock(&self->mu);
	lsp_doctext_unref(old);
}

/* One change applied to x: a new text version, and the tree told. */
static void doc_apply(doc *x, const lsp_change *c, lsp_enc e)
{
	lsp_doctext *t;
	if (c->whole) {
		if (x->tree)
			pt_tree_free(x->tree); /* a new text: no old tree helps */
		x->tree = NULL;
		t = lsp_doctext_new(c->text, c->len);
	} else {
		pt_tree_edit ed;
		t = lsp_doctext_edit(x->text, c, e, &ed);
		if (x->tree)
			pt_tree_apply_edit(x->tree, &ed);
	}
	lsp_doctext_unref(x->text);
	x->text = t;
}

bool lsp_docs_change(lsp_docs *self, const char *uri, int64_t version, const lsp_change *ch,
		     size_t n, lsp_enc e)
{
	pthread_mutex_lock(&self->mu);
	doc *x = find(self, uri);
	if (x) {
		for (size_t i = 0; i < n; i++)
			doc_apply(x, &ch[i], e);
		x->version = version;
		x->stamp = ++self->stamps;
	}
	pthread_mutex_unlock(&self->mu);
	return x != NULL;
}

bool lsp_docs_close(lsp_docs *self, const char *uri)
{
	pthread_mutex_lock(&self->mu);
	doc *x = find(self, uri);
	if (x) {
		doc_free(x);
		*x = self->v.v[--self->v.n];
	}
	pthread_mutex_unlock(&self->mu);
	return x != NULL;
}

bool lsp_docs_is_open(lsp_docs *self, const char *uri)
{
	pthread_mutex_lock(&self->mu);
	bool r = find(self, uri) != NULL;
	pthread_mutex_unlock(&self->mu);
	return r;
}

lsp_doctext *lsp_docs_text(lsp_docs *self, const char *uri)
{
	pthread_mutex_lock(&self->mu);
	doc *x = find(self, uri);
	lsp_doctext *t = x ? lsp_doctext_ref(x->text) : NULL;
	pthread_mutex_unlock(&self->mu);
	return t;
}

bool lsp_docs_get(lsp_docs *self, const char *uri, char **text, size_t *len, int64_t *version)
{
	pthread_mutex_lock(&self->mu);
	doc *x = find(self, uri);
	if (x) {
		*text = pt_xstrndup(x->text->lines.text, x->text->lines.len);
		*len = x->text->lines.len;
		if (version)
			*version = x->version;
	}
	pthread_mutex_unlock(&self->mu);
	return x != NULL;
}

size_t lsp_docs_list(lsp_docs *self, char ***uris)
{
	pthread_mutex_lock(&self->mu);
	size_t n = self->v.n;
	*uris = pt_xcalloc(n + 1, sizeof **uris);
	for (size_t i = 0; i < n; i++)
		(*uris)[i] = pt_xstrdup(self->v.v[i].uri);
	pthread_mutex_unlock(&self->mu);
	return n;
}

bool lsp_docs_snapshot(lsp_docs *self, const char *uri, char **text, size_t *len, int64_t *version,
		       pt_tree **tree)
{
	pthread_mutex_lock(&self->mu);
	doc *x = find(self, uri);
	if (x) {
		*text = pt_xstrndup(x->text->lines.text, x->text->lines.len);
		*len = x->text->lines.len;
		*version = (int64_t)x->stamp;
		*tree = x->tree ? pt_tree_copy(x->tree) : NULL;
	}
	pthread_mutex_unlock(&self->mu);
	return x != NULL;
}

void lsp_docs_set_tree(lsp_docs *self, const char *uri, int64_t version, pt_tree *tree)
{
	pthread_mutex_lock(&self->mu);
	doc *x = find(self, uri);
	if (x && (int64_t)x->stamp == version) {
		if (x->tree)
			pt_tree_free(x->tree);
		x->tree = tree;
		tree = NULL;
	}
	pthread_mutex_unlock(&self->mu);
	if (tree)
		pt_tree_free(tree);
}
