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

static void oom(size_t n)
{
	fprintf(stderr, "parseltongue: out of memory (%zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		oom(count * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

void vec_grow_(void **v, size_t *cap, size_t elem, size_t need)
{
	size_t c = *cap ? *cap : 8;
	while (c < need)
		c *= 2;
	*v = xrealloc(*v, c * elem);
	*cap = c;
}

void strbuf_add(strbuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t c = b->cap ? b->cap : 64;
		while (c < b->len + n + 1)
			c *= 2;
		b->buf = xrealloc(b->buf, c);
		b->cap = c;
	}
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = 0;
}

void strbuf_adds(strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}
void strbuf_addc(strbuf *b, char c)
{
	strbuf_add(b, &c, 1);
}

void strbuf_printf(strbuf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		strbuf_add(b, small, (size_t)n);
		return;
	}
	char *big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	strbuf_add(b, big, (size_t)n);
	free(big);
}

const char *strbuf_cstr(strbuf *b)
{
	if (!b->buf)
		strbuf_add(b, "", 0);
	return b->buf;
}

void strbuf_free(strbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}

void strpool_init(strpool *p)
{
	memset(p, 0, sizeof *p);
	strbuf_add(&p->b, "", 1); /* offset 0: the empty string */
}

uint32_t strpool_add(strpool *p, const char *s, size_t n)
{
	if (!p->b.buf)
		strpool_init(p);
	if (n == 0)
		return 0;
	uint32_t off = (uint32_t)p->b.len;
	strbuf_add(&p->b, s, n);
	strbuf_add(&p->b, "", 1);
	return off;
}

uint32_t strpool_adds(strpool *p, const char *s)
{
	return strpool_add(p, s, strlen(s));
}
void strpool_free(strpool *p)
{
	strbuf_free(&p->b);
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
	strbuf b = {0};
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		strbuf_add(&b, buf, (size_t)n);
	close(fd);
	*len = b.len;
	return b.buf ? b.buf : xstrdup("");
}
