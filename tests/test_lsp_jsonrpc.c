/* tests/test_lsp_jsonrpc.c — Content-Length framing over pipes and memfds. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_main.h"
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../core/base.h"
#include "../lsp/jsonrpc.h"

/* A reader over a memfd holding exactly `data`. */
static jrpc_reader *over(const char *data, size_t n, int *fd)
{
	*fd = memfd_create("jrpc", MFD_CLOEXEC);
	assert_true(*fd >= 0);
	assert_int_equal(write(*fd, data, n), (ssize_t)n);
	assert_int_equal(lseek(*fd, 0, SEEK_SET), 0);
	return jrpc_reader_new(*fd);
}

static int next(jrpc_reader *r, json_t **m)
{
	char why[256];
	return jrpc_read(r, m, why, sizeof why);
}

static void expect_id(jrpc_reader *r, int id)
{
	json_t *m = NULL;
	assert_int_equal(next(r, &m), JRPC_OK);
	assert_non_null(m);
	assert_int_equal(json_integer_value(json_object_get(m, "id")), id);
	json_decref(m);
}

static void expect(jrpc_reader *r, int status)
{
	json_t *m = NULL;
	assert_int_equal(next(r, &m), status);
	assert_null(m);
}

#define MSG(id) "{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"method\":\"m\"}"
/* two-digit ids: every MSG is 38 bytes */
#define FRAME(id) "Content-Length: 38\r\n\r\n" MSG(id)

static void test_two_in_one_write(void **st)
{
	(void)st;
	static const char in[] = FRAME(21) FRAME(22);
	int fd;
	jrpc_reader *r = over(in, sizeof in - 1, &fd);
	expect_id(r, 21);
	expect_id(r, 22);
	expect(r, JRPC_EOF);
	expect(r, JRPC_EOF);
	jrpc_reader_free(r);
	close(fd);
}

static void test_headers_tolerated(void **st)
{
	(void)st;
	static const char in[] =
		"content-length:38\nContent-Type: application/vscode-jsonrpc; "
		"charset=utf-8\n\n" MSG(
			23) "\r\nContent-Type: x\r\nCONTENT-LENGTH:   38  \r\n\r\n" MSG(24);
	int fd;
	jrpc_reader *r = over(in, sizeof in - 1, &fd);
	expect_id(r, 23);
	expect_id(r, 24); /* a stray blank line between messages is skipped */
	expect(r, JRPC_EOF);
	jrpc_reader_free(r);
	close(fd);
}

static void test_malformed_json_recovers(void **st)
{
	(void)st;
	static const char in[] = "Content-Length: 9\r\n\r\n{\"a\": [1," FRAME(
		25) "Content-Length: 3\r\n\r\n\xff\xfe{" FRAME(26);
	int fd;
	jrpc_reader *r = over(in, sizeof in - 1, &fd);
	expect(r, JRPC_EPARSE);
	expect_id(r, 25);
	expect(r, JRPC_EPARSE);
	expect_id(r, 26);
	expect(r, JRPC_EOF);
	jrpc_reader_free(r);
	close(fd);
}

static void test_absurd_length_refused(void **st)
{
	(void)st;
	/* far beyond memory: refused before any allocation, then resynced */
	static const char in[] = "Content-Length: 18446744073709551615\r\n\r\n{\"x\":1}" FRAME(
		27) "Content-Length: 67108865\r\n\r\n" FRAME(28) "Content-Length: "
								 "99999999999999999999999\r\n\r"
								 "\n" FRAME(29);
	int fd;
	jrpc_reader *r = over(in, sizeof in - 1, &fd);
	expect(r, JRPC_ETOOBIG);
	expect_id(r, 27);
	expect(r, JRPC_ETOOBIG);
	expect_id(r, 28);
	expect(r, JRPC_EHEADER); /* does not fit in 64 bits: malformed */
	expect_id(r, 29);
	jrpc_reader_free(r);
	close(fd);
}

static void test_bad_headers_recover(void **st)
{
	(void)st;
	pt_strbuf in = {0};
	pt_strbuf_adds(&in, "X-Other: 1\r\n\r\n{}"); /* no Content-Length */
	pt_strbuf_adds(&in, FRAME(30));
	pt_strbuf_adds(&in, "Content-Length: 12abc\r\n\r\n"); /* malformed value */
	pt_strbuf_adds(&in, FRAME(31));
	pt_strbuf_adds(&in, "X-Long: ");
	for (int i = 0; i < 10000; i++)
		pt_strbuf_addc(&in, 'a'); /* header line too long */
	pt_strbuf_adds(&in, "\r\n\r\n" FRAME(32));
	int fd;
	jrpc_reader *r = over(in.buf, in.len, &fd);
	expect(r, JRPC_EHEADER);
	expect_id(r, 30);
	expect(r, JRPC_EHEADER);
	expect_id(r, 31);
	expect(r, JRPC_EHEADER);
	expect_id(r, 32);
	expect(r, JRPC_EOF);
	jrpc_reader_free(r);
	close(fd);
	pt_strbuf_free(&in);
}

static void test_truncated(void **st)
{
	(void)st;
	static const char body[] = FRAME(33) "Content-Length: 50\r\n\r\n{\"jsonrpc\"";
	int fd;
	jrpc_reader *r = over(body, sizeof body - 1, &fd);
	expect_id(r, 33);
	expect(r, JRPC_ETRUNC);
	jrpc_reader_free(r);
	close(fd);
	static const char head[] = "Content-Length: 5\r\n";
	r = over(head, sizeof head - 1, &fd);
	expect(r, JRPC_ETRUNC);
	jrpc_reader_free(r);
	close(fd);
}

/* ---- pipes: split writes, large bodies, concurrency ---------------------------- */

typedef struct {
	int fd;
	const char *data;
	size_t n, chunk;
} feeder;

static void *feed(void *arg)
{
	feeder *f = arg;
	for (size_t i = 0; i < f->n; i += f->chunk) {
		size_t k = f->n - i < f->chunk ? f->n - i : f->chunk;
		if (write(f->fd, f->data + i, k) != (ssize_t)k)
			break;
	}
	close(f->fd);
	return NULL;
}

static void test_split_writes(void **st)
{
	(void)st;
	pt_strbuf in = {0};
	pt_strbuf big = {0};
	pt_strbuf_adds(&big, "{\"id\":14,\"text\":\"");
	for (int i = 0; i < 300000; i++)
		pt_strbuf_addc(&big, (char)('a' + i % 26));
	pt_strbuf_adds(&big, "\"}");
	pt_strbuf_printf(&in, "Content-Length: %zu\r\n\r\n%s", big.len, big.buf);
	pt_strbuf_adds(&in, FRAME(35));
	int p[2];
	assert_int_equal(pipe(p), 0);
	feeder f = {p[1], in.buf, in.len, 7}; /* 7-byte writes: headers split anywhere */
	pthread_t t;
	pthread_create(&t, NULL, feed, &f);
	jrpc_reader *r = jrpc_reader_new(p[0]);
	json_t *m = NULL;
	assert_int_equal(next(r, &m), JRPC_OK);
	assert_int_equal(json_string_length(json_object_get(m, "text")), 300000);
	json_decref(m);
	expect_id(r, 35);
	expect(r, JRPC_EOF);
	pthread_join(t, NULL);
	jrpc_reader_free(r);
	close(p[0]);
	pt_strbuf_free(&in);
	pt_strbuf_free(&big);
}

typedef struct {
	jrpc_writer *w;
	int base;
} sender;

static void *send_many(void *arg)
{
	sender *s = arg;
	for (int i = 0; i < 200; i++) {
		json_t *res = json_pack("{s:s}", "pad",
					"ünïcødé · 😀 padding padding padding padding padding");
		json_t *id = json_integer(s->base + i);
		jrpc_reply(s->w, id, res);
		json_decref(id);
	}
	return NULL;
}

static void test_writer_concurrent(void **st)
{
	(void)st;
	int fd = memfd_create("out", MFD_CLOEXEC);
	jrpc_writer *w = jrpc_writer_new(fd);
	pthread_t t[4];
	sender s[4];
	for (int i = 0; i < 4; i++) {
		s[i] = (sender){w, i * 1000};
		pthread_create(&t[i], NULL, send_many, &s[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	jrpc_notify(w, "window/logMessage", json_pack("{s:i,s:s}", "type", 3, "message", "done"));
	jrpc_reply_error(w, NULL, JRPC_PARSE_ERROR, "bad");
	jrpc_request(w, "client/registerCapability", NULL);
	jrpc_writer_free(w);
	lseek(fd, 0, SEEK_SET);
	jrpc_reader *r = jrpc_reader_new(fd);
	int seen[4] = {0};
	for (int i = 0; i < 800; i++) {
		json_t *m = NULL;
		assert_int_equal(next(r, &m), JRPC_OK);
		int id = (int)json_integer_value(json_object_get(m, "id"));
		assert_string_equal(json_string_value(json_object_get(m, "jsonrpc")), "2.0");
		/* each thread's messages arrive whole and in its own order */
		assert_int_equal(id % 1000, seen[id / 1000]++);
		json_decref(m);
	}
	json_t *m = NULL;
	assert_int_equal(next(r, &m), JRPC_OK);
	assert_string_equal(json_string_value(json_object_get(m, "method")), "window/logMessage");
	json_decref(m);
	assert_int_equal(next(r, &m), JRPC_OK);
	assert_true(json_is_null(json_object_get(m, "id")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "error"), "code")),
			 -32700);
	json_decref(m);
	assert_int_equal(next(r, &m), JRPC_OK);
	assert_string_equal(json_string_value(json_object_get(m, "id")), "pt/1");
	json_decref(m);
	expect(r, JRPC_EOF);
	jrpc_reader_free(r);
	close(fd);
}

static void test_writer_dead_pipe(void **st)
{
	(void)st;
	int p[2];
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	jrpc_writer *w = jrpc_writer_new(p[1]);
	assert_int_equal(jrpc_notify(w, "x", NULL), -1);
	assert_int_equal(jrpc_notify(w, "x", NULL), -1);
	jrpc_writer_free(w);
	close(p[1]);
}

/* While held, the writer's own messages wait and responses pass; release
 * writes what waited, in order, and ends the hold. */
static void test_writer_hold(void **st)
{
	(void)st;
	int fd = memfd_create("out", MFD_CLOEXEC);
	jrpc_writer *w = jrpc_writer_new(fd);
	assert_false(jrpc_writer_holding(w));
	jrpc_writer_hold(w);
	assert_true(jrpc_writer_holding(w));
	jrpc_notify(w, "a", NULL);
	json_t *id = json_integer(1);
	jrpc_reply(w, id, json_string("answer"));
	json_decref(id);
	jrpc_request(w, "b", NULL);
	jrpc_notify(w, "c", NULL);
	/* only the response is out */
	off_t end = lseek(fd, 0, SEEK_CUR);
	lseek(fd, 0, SEEK_SET);
	jrpc_reader *r = jrpc_reader_new(fd);
	expect_id(r, 1);
	jrpc_reader_free(r);
	lseek(fd, end, SEEK_SET);
	assert_int_equal(jrpc_writer_release(w), 3);
	assert_false(jrpc_writer_holding(w));
	jrpc_notify(w, "d", NULL);
	assert_int_equal(jrpc_writer_release(w), 0);
	jrpc_writer_free(w);
	lseek(fd, end, SEEK_SET);
	r = jrpc_reader_new(fd);
	const char *order[] = {"a", "b", "c", "d"};
	for (int i = 0; i < 4; i++) {
		json_t *m = NULL;
		assert_int_equal(next(r, &m), JRPC_OK);
		assert_string_equal(json_string_value(json_object_get(m, "method")), order[i]);
		json_decref(m);
	}
	expect(r, JRPC_EOF);
	jrpc_reader_free(r);
	close(fd);
}

/* Messages held when the writer is freed are dropped, not leaked. */
static void test_writer_hold_free(void **st)
{
	(void)st;
	int fd = memfd_create("out", MFD_CLOEXEC);
	jrpc_writer *w = jrpc_writer_new(fd);
	jrpc_writer_hold(w);
	jrpc_notify(w, "never", json_pack("{s:s}", "x", "y"));
	jrpc_writer_free(w);
	assert_int_equal(lseek(fd, 0, SEEK_END), 0);
	close(fd);
}

typedef struct {
	jrpc_reader *r;
	int status;
} blocked;

static void *read_blocked(void *arg)
{
	blocked *b = arg;
	json_t *m = NULL;
	b->status = next(b->r, &m);
	json_decref(m);
	return NULL;
}

static void test_stop_unblocks(void **st)
{
	(void)st;
	int p[2];
	assert_int_equal(pipe(p), 0);
	blocked b = {jrpc_reader_new(p[0]), -1};
	pthread_t t;
	pthread_create(&t, NULL, read_blocked, &b);
	usleep(50000);
	jrpc_reader_stop(b.r);
	pthread_join(t, NULL);
	assert_int_equal(b.status, JRPC_EOF);
	jrpc_reader_free(b.r);
	close(p[0]);
	close(p[1]);
}

/* The reader's quiet time is 0 while a message is half received, and
 * counts from the last byte once it is whole. */
static void test_reader_quiet(void **st)
{
	(void)st;
	static const char frame[] = FRAME(41);
	int p[2];
	assert_int_equal(pipe(p), 0);
	blocked b = {jrpc_reader_new(p[0]), -1};
	pthread_t t;
	pthread_create(&t, NULL, read_blocked, &b);
	assert_int_equal(write(p[1], frame, 30), 30);
	/* the reader has the first part once its quiet time drops to 0 */
	for (int i = 0; i < 400 && jrpc_reader_quiet_ns(b.r) != 0; i++)
		usleep(5000);
	assert_int_equal(jrpc_reader_quiet_ns(b.r), 0);
	usleep(30000);
	assert_int_equal(jrpc_reader_quiet_ns(b.r), 0); /* still half a message */
	assert_int_equal(write(p[1], frame + 30, sizeof frame - 1 - 30),
			 (ssize_t)(sizeof frame - 31));
	pthread_join(t, NULL);
	assert_int_equal(b.status, JRPC_OK);
	usleep(20000);
	assert_true(jrpc_reader_quiet_ns(b.r) >= 20000000u);
	jrpc_reader_free(b.r);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_in_one_write),
		cmocka_unit_test(test_writer_hold),
		cmocka_unit_test(test_writer_hold_free),
		cmocka_unit_test(test_reader_quiet),
		cmocka_unit_test(test_headers_tolerated),
		cmocka_unit_test(test_malformed_json_recovers),
		cmocka_unit_test(test_absurd_length_refused),
		cmocka_unit_test(test_bad_headers_recover),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_split_writes),
		cmocka_unit_test(test_writer_concurrent),
		cmocka_unit_test(test_writer_dead_pipe),
		cmocka_unit_test(test_stop_unblocks),
	};
	return pt_run_tests(tests, NULL, NULL);
}
