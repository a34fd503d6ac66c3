/* lsp/jsonrpc.c — see jsonrpc.h. */
#define _GNU_SOURCE
#include "jsonrpc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base.h"
#include "../core/escape.h"

#define BUF_SIZE        65536
#define MAX_HEADER_LINE 8192

static const char CL[] = "content-length:";
#define CL_LEN (sizeof CL - 1)

const char *jrpc_strerror(int code)
{
	switch (code) {
	case JRPC_OK: return "ok";
	case JRPC_EOF: return "end of input";
	case JRPC_ETRUNC: return "end of input inside a message";
	case JRPC_EIO: return "read error";
	case JRPC_EPARSE: return "the message is not valid JSON";
	case JRPC_ETOOBIG: return "the message is too large";
	case JRPC_EHEADER: return "missing or malformed Content-Length header";
	}
	return "unknown error";
}

/* ---- reader -------------------------------------------------------------- */

struct jrpc_reader {
	int fd;
	int stop[2]; /* self-pipe: readable once jrpc_reader_stop ran */
	char buf[BUF_SIZE];
	size_t pos, len; /* unread bytes are buf[pos..len) */
	int err;         /* sticky JRPC_EOF / JRPC_EIO once input ended */
	/* for jrpc_reader_quiet_ns, read from other threads */
	atomic_uint_fast64_t last_input_ns; /* when bytes last arrived */
	atomic_bool partial;                /* a message is partly received */
};

jrpc_reader *jrpc_reader_new(int fd)
{
	jrpc_reader *r = pt_xcalloc(1, sizeof *r);
	r->fd = fd;
	atomic_store(&r->last_input_ns, pt_now_ns());
	if (pipe2(r->stop, O_CLOEXEC | O_NONBLOCK) != 0)
		r->stop[0] = r->stop[1] = -1;
	return r;
}

void jrpc_reader_free(jrpc_reader *self)
{
	if (!self)
		return;
	if (self->stop[0] >= 0) {
		close(self->stop[0]);
		close(self->stop[1]);
	}
	free(self);
}

void jrpc_reader_stop(jrpc_reader *self)
{
	if (self->stop[1] >= 0)
		(void)!write(self->stop[1], "x", 1);
}

uint64_t jrpc_reader_quiet_ns(jrpc_reader *self)
{
	if (atomic_load(&self->partial))
		return 0;
	uint64_t now = pt_now_ns(), last = atomic_load(&self->last_input_ns);
	return now > last ? now - last : 0;
}

/* read(), unless a stop comes first (then 0, as at end of input). Bytes
 * read belong to a message not yet complete until jrpc_read returns. */
static ssize_t read_some(jrpc_reader *r, void *p, size_t n)
{
	struct pollfd fds[2] = {{r->fd, POLLIN, 0}, {r->stop[0], POLLIN, 0}};
	for (;;) {
		int k = poll(fds, r->stop[0] >= 0 ? 2 : 1, -1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (fds[1].revents)
			return 0;
		ssize_t got = read(r->fd, p, n);
		if (got > 0) {
			atomic_store(&r->partial, true);
			atomic_store(&r->last_input_ns, pt_now_ns());
		}
		return got;
	}
}

/* Read more input, keeping the unread bytes. Returns 0 or JRPC_EOF/EIO. */
static int fill(jrpc_reader *r)
{
	if (r->err)
		return r->err;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->len == sizeof r->buf)
		return 0;
	for (;;) {
		ssize_t n = read_some(r, r->buf + r->len, sizeof r->buf - r->len);
		if (n > 0) {
			r->len += (size_t)n;
			return 0;
		}
		if (n < 0 && errno == EINTR)
			continue;
		r->err = n == 0 ? JRPC_EOF : JRPC_EIO;
		return r->err;
	}
}

#define DETAIL(d, n, ...)                                                                          \
	do {                                                                                       \
		if ((d) && (n))                                                                    \
			snprintf((d), (n), __VA_ARGS__);                                           \
	} while (0)

/* Skip input up to the next "Content-Length:" (any case), wherever it
 * is: after a refused body the next header follows the body directly. */
static int resync(jrpc_reader *r)
{
	for (;;) {
		for (size_t i = r->pos; i + CL_LEN <= r->len; i++) {
			if (tolower((unsigned char)r->buf[i]) == 'c' &&
			    strncasecmp(r->buf + i, CL, CL_LEN) == 0) {
				r->pos = i;
				return 0;
			}
		}
		/* keep a tail that may hold the start of the header */
		if (r->len - r->pos > CL_LEN)
			r->pos = r->len - CL_LEN;
		int rc = fill(r);
		if (rc)
			return rc;
	}
}

/* One header line (without its line end) into line; BLANK at the empty
 * line, 0 for a header, JRPC_* on error. */
enum {
	BLANK = -1
};
static int header_line(jrpc_reader *r, char *line, size_t cap, size_t *n)
{
	for (;;) {
		char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
		if (nl) {
			size_t k = (size_t)(nl - (r->buf + r->pos));
			size_t m = k && r->buf[r->pos + k - 1] == '\r' ? k - 1 : k;
			if (m >= cap) {
				r->pos += k + 1;
				return JRPC_EHEADER;
			}
			memcpy(line, r->buf + r->pos, m);
			line[m] = 0;
			*n = m;
			r->pos += k + 1;
			return m == 0 ? BLANK : 0;
		}
		if (r->len - r->pos >= cap) {
			r->pos = r->len;
			return JRPC_EHEADER;
		} /* drop the long line */
		bool partial = r->len > r->pos;
		int rc = fill(r);
		if (rc)
			return rc == JRPC_EOF && partial ? JRPC_ETRUNC : rc;
	}
}

/* Parse the header block. Returns 0 with *len set, or a JRPC_* status. */
static int headers(jrpc_reader *r, size_t *len, char *detail, size_t dn)
{
	char line[MAX_HEADER_LINE];
	bool have = false, bad = false;
	unsigned long long v = 0;
	for (int count = 0;; count++) {
		size_t n = 0;
		int rc = header_line(r, line, sizeof line, &n);
		if (rc == BLANK && count == 0)
			continue; /* stray blank line between messages */
		if (rc == BLANK)
			break;
		if (rc == JRPC_EHEADER) {
			DETAIL(detail, dn, "header line too long");
			return rc;
		}
		if (rc)
			return rc == JRPC_EOF && count > 0 ? JRPC_ETRUNC : rc;
		/* After a desync (a body shorter than its Content-Length) the
		 * rest of one message and the header of the next share a line:
		 * `..."method":"x"}Content-Length: 61`. Take the header from
		 * where it starts, or that message is lost too (found by
		 * tests/reliability/hostile.py). */
		char *cl = n >= CL_LEN && strncasecmp(line, CL, CL_LEN) == 0 ? line
									     : strcasestr(line, CL);
		if (cl) {
			char *p = cl + CL_LEN, *end;
			while (*p == ' ' || *p == '\t')
				p++;
			errno = 0;
			v = strtoull(p, &end, 10);
			while (*end == ' ' || *end == '\t')
				end++;
			bad = !isdigit((unsigned char)*p) || *end || errno == ERANGE;
			have = true;
		}
	}
	if (!have || bad) {
		DETAIL(detail, dn, "%s Content-Length header", have ? "malformed" : "missing");
		return JRPC_EHEADER;
	}
	if (v > JRPC_MAX_BODY) {
		DETAIL(detail, dn, "Content-Length %llu exceeds the 64 MiB limit", v);
		return JRPC_ETOOBIG;
	}
	*len = (size_t)v;
	return 0;
}

/* Read exactly n body bytes into a fresh buffer. */
static int body(jrpc_reader *r, size_t n, char **out)
{
	char *b = pt_xmalloc(n + 1);
	size_t have = r->len - r->pos < n ? r->len - r->pos : n;
	memcpy(b, r->buf + r->pos, have);
	r->pos += have;
	while (have < n) {
		ssize_t k = read_some(r, b + have, n - have);
		if (k > 0) {
			have += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		r->err = k == 0 ? JRPC_EOF : JRPC_EIO;
		free(b);
		return k == 0 ? JRPC_ETRUNC : JRPC_EIO;
	}
	b[n] = 0;
	*out = b;
	return 0;
}

static int jrpc_read_one(jrpc_reader *self, json_t **out, char *detail, size_t detail_size);

int jrpc_read(jrpc_reader *self, json_t **out, char *detail, size_t detail_size)
{
	int rc = jrpc_read_one(self, out, detail, detail_size);
	/* bytes left in the buffer are the start of the client's next message */
	atomic_store(&self->partial, self->pos < self->len);
	return rc;
}

static int jrpc_read_one(jrpc_reader *self, json_t **out, char *detail, size_t detail_size)
{
	size_t n = 0;
	char *b = NULL;
	*out = NULL;
	if (detail && detail_size)
		detail[0] = 0;
	int rc = headers(self, &n, detail, detail_size);
	if (rc == JRPC_EHEADER || rc == JRPC_ETOOBIG) {
		int s = resync(self);
		return s == JRPC_EIO ? s : rc; /* EOF after a bad header: report it first */
	}
	if (rc)
		return rc;
	if ((rc = body(self, n, &b)))
		return rc;
	json_error_t err;
	*out = json_loadb(b, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	free(b);
	if (!*out) {
		DETAIL(detail, detail_size, "%s (at byte %d)", err.text, err.position);
		return JRPC_EPARSE;
	}
	return JRPC_OK;
}

/* ---- writer -------------------------------------------------------------- */

struct jrpc_writer {
	int fd;
	bool dead;
	bool holding; /* keep messages with a method until jrpc_writer_release */
	unsigned long next_id;
	PT_VEC(char *) held; /* their JSON texts, in order (owned) */
	pthread_mutex_t mu;  /* guards everything above and the descriptor */
};

jrpc_writer *jrpc_writer_new(int fd)
{
	jrpc_writer *w = pt_xcalloc(1, sizeof *w);
	w->fd = fd;
	pthread_mutex_init(&w->mu, NULL);
	return w;
}

void jrpc_writer_free(jrpc_writer *self)
{
	if (!self)
		return;
	for (size_t i = 0; i < self->held.n; i++)
		free(self->held.v[i]);
	pt_vec_free(&self->held);
	pthread_mutex_destroy(&self->mu);
	free(self);
}

/* A client that reads nothing for this long is gone: the writer gives up
 * (the message is dropped, later ones too) rather than hold every thread
 * that wants to answer, `exit` included. */
#define STALL_MS 10000

static int write_all(int fd, const char *p, size_t n)
{
	int stalled = 0;
	while (n) {
		struct pollfd pf = {fd, POLLOUT, 0};
		int r = poll(&pf, 1, 500);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			if ((stalled += 500) >= STALL_MS)
				return -1;
			continue;
		}
		/* a pipe that polls writable has a page free: a page never blocks */
		ssize_t k = write(fd, p, n < 4096 ? n : 4096);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0)
			return -1;
		stalled = 0;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Frame and write one JSON text; under self->mu. */
static int write_framed(jrpc_writer *self, const char *s)
{
	if (self->dead)
		return -1;
	size_t n = strlen(s);
	char head[64];
	int hn = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", n);
	int rc = write_all(self->fd, head, (size_t)hn) || write_all(self->fd, s, n) ? -1 : 0;
	if (rc)
		self->dead = true;
	return rc;
}

int jrpc_send(jrpc_writer *self, json_t *msg)
{
	bool ours = json_object_get(msg, "method") != NULL;
	/* strings may keep bytes that are not UTF-8 (core/escape.h: \udcHH) */
	char *s = pt_json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(msg);
	if (!s)
		return -1;
	pthread_mutex_lock(&self->mu);
	int rc = 0;
	if (ours && self->holding && !self->dead) {
		pt_vec_push(&self->held, s);
		s = NULL; /* kept */
	} else {
		rc = write_framed(self, s);
	}
	pthread_mutex_unlock(&self->mu);
	free(s);
	return rc;
}

void jrpc_writer_hold(jrpc_writer *self)
{
	pthread_mutex_lock(&self->mu);
	self->holding = true;
	pthread_mutex_unlock(&self->mu);
}

bool jrpc_writer_holding(jrpc_writer *self)
{
	pthread_mutex_lock(&self->mu);
	bool h = self->holding;
	pthread_mutex_unlock(&self->mu);
	return h;
}

size_t jrpc_writer_release(jrpc_writer *self)
{
	pthread_mutex_lock(&self->mu);
	size_t n = self->held.n;
	for (size_t i = 0; i < n; i++) {
		write_framed(self, self->held.v[i]);
		free(self->held.v[i]);
	}
	pt_vec_clear(&self->held);
	self->holding = false;
	pthread_mutex_unlock(&self->mu);
	return n;
}

static json_t *id_copy(const json_t *id)
{
	return id ? json_deep_copy(id) : json_null();
}

int jrpc_reply(jrpc_writer *self, const json_t *id, json_t *result)
{
	json_t *m = json_object();
	json_object_set_new(m, "jsonrpc", json_string("2.0"));
	json_object_set_new(m, "id", id_copy(id));
	json_object_set_new(m, "result", result ? result : json_null());
	return jrpc_send(self, m);
}

int jrpc_reply_error(jrpc_writer *self, const json_t *id, int code, const char *message)
{
	json_t *m = json_object();
	json_object_set_new(m, "jsonrpc", json_string("2.0"));
	json_object_set_new(m, "id", id_copy(id));
	/* the message may quote the client's bytes (a parse error's text):
	 * spelled out as text, it is always a JSON string */
	pt_strbuf text = {0};
	pt_esc_term(&text, message ? message : "");
	json_object_set_new(m, "error",
			    json_pack("{s:i,s:s}", "code", code, "message", pt_strbuf_cstr(&text)));
	pt_strbuf_free(&text);
	return jrpc_send(self, m);
}

int jrpc_notify(jrpc_writer *self, const char *method, json_t *params)
{
	json_t *m = json_object();
	json_object_set_new(m, "jsonrpc", json_string("2.0"));
	json_object_set_new(m, "method", json_string(method));
	if (params)
		json_object_set_new(m, "params", params);
	return jrpc_send(self, m);
}

int jrpc_request(jrpc_writer *self, const char *method, json_t *params)
{
	char id[32];
	pthread_mutex_lock(&self->mu);
	snprintf(id, sizeof id, "pt/%lu", ++self->next_id);
	pthread_mutex_unlock(&self->mu);
	json_t *m = json_object();
	json_object_set_new(m, "jsonrpc", json_string("2.0"));
	json_object_set_new(m, "id", json_string(id));
	json_object_set_new(m, "method", json_string(method));
	if (params)
		json_object_set_new(m, "params", params);
	return jrpc_send(self, m);
}
