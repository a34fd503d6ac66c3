/* core/base.h — allocation, growable arrays, string pools and hashing.
 *
 * Every module uses these instead of raw malloc: out-of-memory aborts the
 * process in one place (base.c), so callers never check for NULL.
 */
#ifndef PT_CORE_BASE_H
#define PT_CORE_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* pt_assert(cond): an invariant the code relies on. Checked in debug and
 * sanitizer builds (the Makefile defines PT_DEBUG for `make SAN=1`,
 * `SAN=thread` and `DEBUG=1`), where a failure prints the condition and
 * where it is, then aborts; compiled out otherwise, and then cond is not
 * evaluated, so it must have no side effect. */
#ifdef PT_DEBUG
#define pt_assert(cond) ((cond) ? (void)0 : pt_assert_fail(#cond, __FILE__, __LINE__, __func__))
#else
#define pt_assert(cond) ((void)sizeof(!(cond)))
#endif
void pt_assert_fail(const char *cond, const char *file, int line, const char *func)
	__attribute__((noreturn));

void *pt_xmalloc(size_t n);
void *pt_xcalloc(size_t count, size_t size);
void *pt_xrealloc(void *p, size_t n);
char *pt_xstrdup(const char *s);
char *pt_xstrndup(const char *s, size_t n);

/* The one growable array: PT_VEC(int) v = {0}; pt_vec_push(&v, 3); pt_vec_free(&v).
 * Elements move when the array grows: keep indexes, never pointers. */
#define PT_VEC(T)                                                                                  \
	struct {                                                                                   \
		T *v;                                                                              \
		size_t n, cap;                                                                     \
	}
void pt_vec_grow_(void **v, size_t *cap, size_t elem, size_t need);
#define pt_vec_reserve(a, need)                                                                    \
	do {                                                                                       \
		if ((need) > (a)->cap)                                                             \
			pt_vec_grow_((void **)&(a)->v, &(a)->cap, sizeof *(a)->v, (need));         \
	} while (0)
#define pt_vec_push(a, x)                                                                          \
	do {                                                                                       \
		pt_vec_reserve((a), (a)->n + 1);                                                   \
		(a)->v[(a)->n++] = (x);                                                            \
	} while (0)
#define pt_vec_free(a)                                                                             \
	do {                                                                                       \
		free((a)->v);                                                                      \
		(a)->v = NULL;                                                                     \
		(a)->n = (a)->cap = 0;                                                             \
	} while (0)
#define pt_vec_clear(a) ((a)->n = 0)

/* Byte buffer for building text and binary blobs. */
typedef struct {
	char *buf;
	size_t len, cap;
} pt_strbuf;
void pt_strbuf_add(pt_strbuf *b, const void *p, size_t n);
void pt_strbuf_adds(pt_strbuf *b, const char *s);
void pt_strbuf_addc(pt_strbuf *b, char c);
void pt_strbuf_printf(pt_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *pt_strbuf_cstr(pt_strbuf *b); /* NUL-terminated view, valid until the next add */
void pt_strbuf_free(pt_strbuf *b);

/* The whole content of a regular file (never a device or a FIFO, which
 * may not end or may block: file:///dev/zero, found by fuzzing), NUL
 * terminated, its length in *len. NULL with errno set when it cannot be
 * read or is not a regular file (EISDIR for a directory, EINVAL else). */
char *pt_read_file(const char *path, size_t *len);

/* Interned strings as offsets into one buffer (never pointers: the buffer
 * moves as it grows). Offset 0 is always the empty string. */
typedef struct {
	pt_strbuf b;
} pt_strpool;
void pt_strpool_init(pt_strpool *p);
uint32_t pt_strpool_add(pt_strpool *p, const char *s, size_t n);
uint32_t pt_strpool_adds(pt_strpool *p, const char *s);
static inline const char *pt_strpool_get(const pt_strpool *p, uint32_t off)
{
	return p->b.buf + off;
}
void pt_strpool_free(pt_strpool *p);

/* 64-bit hash (XXH3) of bytes. */
uint64_t pt_hash64(const void *p, size_t n);
uint64_t pt_hash64_seed(const void *p, size_t n, uint64_t seed);

/* Monotonic clock in nanoseconds. */
uint64_t pt_now_ns(void);

#endif
