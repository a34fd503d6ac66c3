/* core/base.c — see base.h. */
#define _GNU_SOURCE
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

void pt_assert_fail(const char *cond, const char *file, int line, const char *func)
{
	fprintf(stderr, "parseltongue: %s:%d: %s: invariant broken: %s\n", file, line, func, cond);
	abort();
}

static void oom(size_t n)
{
	fprintf(stderr, "parseltongue: out of memory (%zu bytes)\n", n);
	abort();
}

void *pt_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *pt_xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		oom(count * size);
	return p;
}

void *pt_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *pt_xstrndup(const char *s, size_t n)
{
	char *d = pt_xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

char *pt_xstrdup(const char *s)
{
	return pt_xstrndup(s, strlen(s));
}

void pt_vec_grow_(void **v, size_t *cap, size_t elem, size_t need)
{
	size_t c = *cap ? *cap : 8;
	while (c < need)
		c *= 2;
	void *p = reallocarray(*v, c, elem); /* NULL when c * elem overflows, too */
	if (!p)
		oom(c * elem);
	*v = p;
	*cap = c;
}

void pt_strbuf_add(pt_strbuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t c = b->cap ? b->cap : 64;
		while (c < b->len + n + 1)
			c *= 2;
		b->buf = pt_xrealloc(b->buf, c);
		b->cap = c;
	}
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = 0;
}

void pt_strbuf_adds(pt_strbuf *b, const char *s)
{
	pt_strbuf_add(b, s, strlen(s));
}
void pt_strbuf_addc(pt_strbuf *b, char c)
{
	pt_strbuf_add(b, &c, 1);
}

void pt_strbuf_printf(pt_strbuf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		pt_strbuf_add(b, small, (size_t)n);
		return;
	}
	char *big = pt_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	pt_strbuf_add(b, big, (size_t)n);
	free(big);
}

const char *pt_strbuf_cstr(pt_strbuf *b)
{
	if (!b->buf)
		pt_strbuf_add(b, "", 0);
	return b->buf;
}

void pt_strbuf_free(pt_strbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}

void pt_strpool_init(pt_strpool *p)
{
	memset(p, 0, sizeof *p);
	pt_strbuf_add(&p->b, "", 1); /* offset 0: the empty string */
}

uint32_t pt_strpool_add(pt_strpool *p, const char *s, size_t n)
{
	if (!p->b.buf)
		pt_strpool_init(p);
	if (n == 0)
		return 0;
	uint32_t off = (uint32_t)p->b.len;
	pt_strbuf_add(&p->b, s, n);
	pt_strbuf_add(&p->b, "", 1);
	return off;
}

uint32_t pt_strpool_adds(pt_strpool *p, const char *s)
{
	return pt_strpool_add(p, s, strlen(s));
}
void pt_strpool_free(pt_strpool *p)
{
	pt_strbuf_free(&p->b);
}

uint64_t pt_hash64(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}
uint64_t pt_hash64_seed(const void *p, size_t n, uint64_t seed)
{
	return XXH3_64bits_withSeed(p, n, seed);
}

uint64_t pt_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

char *pt_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct stat sb;
	int e = fstat(fd, &sb) != 0   ? errno
		: S_ISREG(sb.st_mode) ? 0
		: S_ISDIR(sb.st_mode) ? EISDIR
				      : EINVAL;
	if (e) {
		close(fd);
		errno = e;
		return NULL;
	}
	pt_strbuf b = {0};
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		pt_strbuf_add(&b, buf, (size_t)n);
	close(fd);
	*len = b.len;
	return b.buf ? b.buf : pt_xstrdup("");
}
