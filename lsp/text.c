/* lsp/text.c — see text.h. */
#define _GNU_SOURCE
#include "text.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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
	pt_strbuf text;
	int64_t version;
	pt_tree *tree;  /* last parse, edited to match text; NULL if none */
	uint64_t stamp; /* changes with every open and change: names this text */
} doc;

/* Point (line, byte column) of byte offset off in t. */
static pt_point point_at(const char *t, size_t off)
{
	pt_point p = {0, 0};
	const char *line = t;
	for (const char *q = t; (q = memchr(q, '\n', (size_t)(t + off - q))); q++) {
		p.line++;
		line = q + 1;
	}
	p.col = (uint32_t)(t + off - line);
	return p;
}

/* One ranged change, applied to buf and told to the tree. */
static void apply_tracked(pt_strbuf *buf, const lsp_change *c, lsp_enc e, pt_tree *tree)
{
	const char *t = buf->buf ? buf->buf : "";
	size_t a = lsp_text_offset(t, buf->len, c->range.start, e);
	size_t b = lsp_text_offset(t, buf->len, c->range.end, e);
	if (b < a) {
		size_t x = a;
		a = b;
		b = x;
	}
	if (tree) {
		pt_tree_edit ed = {.start_byte = (uint32_t)a,
				   .old_end_byte = (uint32_t)b,
				   .new_end_byte = (uint32_t)(a + c->len),
				   .start = point_at(t, a),
				   .old_end = point_at(t, b)};
		pt_point np = ed.start;
		for (size_t i = 0; i < c->len; i++) {
			if (c->text[i] == '\n') {
				np.line++;
				np.col = 0;
			} else {
				np.col++;
			}
		}
		ed.new_end = np;
		pt_tree_apply_edit(tree, &ed);
	}
	lsp_change one = *c;
	lsp_apply_changes(buf, &one, 1, e);
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
	for (size_t i = 0; i < self->v.n; i++) {
		free(self->v.v[i].uri);
		pt_strbuf_free(&self->v.v[i].text);
		if (self->v.v[i].tree)
			pt_tree_free(self->v.v[i].tree);
	}
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
	pthread_mutex_lock(&self->mu);
	doc *x = find(self, uri);
	if (!x) {
		doc nd = {pt_xstrdup(uri), {0}, 0, NULL, 0};
		pt_vec_push(&self->v, nd);
		x = &self->v.v[self->v.n - 1];
	}
	if (x->tree)
		pt_tree_free(x->tree);
	x->tree = NULL;
	x->stamp = ++self->stamps;
	x->text.len = 0;
	pt_strbuf_add(&x->text, text, len);
	x->version = version;
	pthread_mutex_unlock(&self->mu);
}

bool lsp_docs_change(lsp_docs *self, const char *uri, int64_t version, const lsp_change *ch,
		     size_t n, lsp_enc e)
{
	pthread_mutex_lock(&self->mu);
	doc *x = find(self, uri);
	if (x) {
		for (size_t i = 0; i < n; i++) {
			if (!ch[i].whole) {
				apply_tracked(&x->text, &ch[i], e, x->tree);
				continue;
			}
			if (x->tree)
				pt_tree_free(x->tree); /* a new text: no old tree helps */
			x->tree = NULL;
			lsp_apply_changes(&x->text, &ch[i], 1, e);
		}
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
		free(x->uri);
		pt_strbuf_free(&x->text);
		if (x->tree)
			pt_tree_free(x->tree);
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

bool lsp_docs_get(lsp_docs *self, const char *uri, char **text, size_t *len, int64_t *version)
{
	pthread_mutex_lock(&self->mu);
	doc *x = find(self, uri);
	if (x) {
		*text = pt_xstrndup(x->text.buf ? x->text.buf : "", x->text.len);
		*len = x->text.len;
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
		*text = pt_xstrndup(x->text.buf ? x->text.buf : "", x->text.len);
		*len = x->text.len;
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
