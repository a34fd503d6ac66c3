/* fuzz/fuzz_common.h — shared by the fuzz targets. */
#ifndef PT_FUZZ_COMMON_H
#define PT_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

/* A property the target checks failed: say which, then abort (libFuzzer
 * and the replayer both treat the abort as a crash). */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
