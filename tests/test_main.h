/* tests/test_main.h — how every cmocka test binary runs its group.
 *
 * TEST='pattern' (shell wildcards, cmocka's test filter) runs only the
 * matching cases: `make unit-test T=graph TEST='*blast*'`, or from tests/,
 * `TEST='*blast*' ../build/tests/test_graph`.
 */
#ifndef PT_TESTS_TEST_MAIN_H
#define PT_TESTS_TEST_MAIN_H

#include <stdlib.h>

static inline void pt_test_filter(void)
{
	const char *f = getenv("TEST");
	if (f && *f)
		cmocka_set_test_filter(f);
}

#define pt_run_tests(tests, setup, teardown)                                                       \
	(pt_test_filter(), cmocka_run_group_tests(tests, setup, teardown))

#endif
