/* tests/reliability/test_regressions.c — unit tests for the bugs the
 * reliability work found (cmocka). Inputs that crashed a fuzz target are
 * replayed by fuzz/replay.sh instead; these are the ones that needed an
 * answer checked, not just the absence of a crash.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../test_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fcntl.h>
#include <sys/stat.h>

#include "../../core/base.h"
#include "../../lsp/jsonrpc.h"
#include "../../store/store.h"

static jrpc_reader *over(const char *data, size_t n, int *fd)
{
	*fd = memfd_create("jrpc", MFD_CLOEXEC);
	assert_true(*fd >= 0);
	assert_int_equal(write(*fd, data, n), (ssize_t)n);
	assert_int_equal(lseek(*fd, 0, SEEK_SET), 0);
	return jrpc_reader_new(*fd);
}

#define MSG(id)   "{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"method\":\"m\"}"
#define FRAME(id) "Content-Length: 38\r\n\r\n" MSG(id)

/* A body shorter than its Content-Length swallows the start of the next
 * message; the rest of that message and the next header then share one
 * line. The reader used to take that line for an unknown header and lose
 * the message after it too (hostile.py, "truncated body mid-session"). */
static void test_desync_glued_header(void **st)
{
	(void)st;
	static const char in[] =
		"Content-Length: 60\r\n\r\n{\"jsonrpc\": \"2.0\", \"id\": 1, \"meth" FRAME(11)
			FRAME(12) FRAME(13);
	int fd;
	jrpc_reader *r = over(in, sizeof in - 1, &fd);
	json_t *m = NULL;
	char why[256];
	int ids[8], n = 0, rc;
	while ((rc = jrpc_read(r, &m, why, sizeof why)) == JRPC_OK || jrpc_recoverable(rc)) {
		if (m)
			ids[n++] = (int)json_integer_value(json_object_get(m, "id"));
		json_decref(m);
		m = NULL;
		assert_true(n < 8);
	}
	assert_int_equal(rc, JRPC_EOF);
	/* 11 is eaten by the short body; 12 and 13 arrive */
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], 12);
	assert_int_equal(ids[1], 13);
	jrpc_reader_free(r);
	close(fd);
}

/* LMDB trusts its file: a scribbled data.mdb crashed every command
 * inside mdb_dbi_open (diskfull.py, "scribbled"). store_check reads the
 * whole database in a child process and reports the damage instead. */
static void test_store_check_scribbled(void **st)
{
	(void)st;
	char dir[] = "/tmp/pt-regress-XXXXXX";
	assert_non_null(mkdtemp(dir));
	store *s = NULL;
	assert_int_equal(store_open(dir, STORE_CREATE, &s), PT_OK);
	store_txn *txn;
	assert_int_equal(store_txn_begin(s, true, &txn), PT_OK);
	char val[300];
	memset(val, 'v', sizeof val);
	for (uint64_t i = 0; i < 3000; i++) {
		uint8_t k[8];
		store_key_u64(k, i * 2654435761u);
		assert_int_equal(store_put(txn, TBL_ENTS, k, 8, val, sizeof val), PT_OK);
	}
	assert_int_equal(store_txn_commit(txn), PT_OK);
	store_close(s);
	assert_int_equal(store_check(dir), PT_OK);

	/* every page after the two meta pages overwritten */
	char path[64];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	struct stat sb;
	assert_int_equal(fstat(fd, &sb), 0);
	long ps = sysconf(_SC_PAGESIZE);
	char junk[4096];
	memset(junk, 0xAB, sizeof junk);
	for (off_t off = 2 * ps; off < sb.st_size; off += (off_t)sizeof junk)
		assert_true(pwrite(fd, junk, sizeof junk, off) > 0);
	close(fd);
	int rc = store_check(dir);
	assert_int_not_equal(rc, PT_OK); /* reported, and we are still here */
	assert_int_equal(store_remove(dir), PT_OK);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_desync_glued_header),
		cmocka_unit_test(test_store_check_scribbled),
	};
	return pt_run_tests(tests, NULL, NULL);
}
