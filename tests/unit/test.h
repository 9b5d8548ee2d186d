/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny assertion harness for the userspace unit tests of netswap's pure
 * code. Each test binary is one translation unit that includes this once.
 *
 *   CHECK(cond)          count a check; on failure print file:line and cond
 *   CHECK_EQ(a, b)       same, printing both values (as long long)
 *   return test_summary("name");   prints "name: N checks, M failed"
 *
 * A failing check does not stop the test: later checks still run, so one
 * run reports everything that is wrong.
 */
#ifndef _NSW_UNIT_TEST_H
#define _NSW_UNIT_TEST_H

#include <stdio.h>
#include <stdint.h>

static unsigned long test_checks, test_failed;

/* Stop printing after this many failures; they are still counted. */
#define TEST_MAX_REPORTS 50

#define CHECK(cond) do {						\
	test_checks++;							\
	if (!(cond)) {							\
		if (test_failed++ < TEST_MAX_REPORTS)			\
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n",	\
				__FILE__, __LINE__, #cond);		\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	test_checks++;							\
	if (_a != _b) {							\
		if (test_failed++ < TEST_MAX_REPORTS)			\
			fprintf(stderr, "%s:%d: CHECK_EQ(%s, %s) failed:"\
				" %lld (0x%llx) != %lld (0x%llx)\n",	\
				__FILE__, __LINE__, #a, #b, _a,		\
				(unsigned long long)_a, _b,		\
				(unsigned long long)_b);		\
	}								\
} while (0)

static inline int test_summary(const char *name)
{
	printf("%s: %lu checks, %lu failed\n", name, test_checks, test_failed);
	return test_failed != 0;
}

/* splitmix64: a deterministic PRNG, so randomized tests are reproducible. */
static inline unsigned long long test_rand(unsigned long long *state)
{
	unsigned long long z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform-enough value in [0, n) for the small n the tests use. */
static inline unsigned long long test_rand_below(unsigned long long *state,
						  unsigned long long n)
{
	return test_rand(state) % n;
}

/*
 * The network of the model checks: what becomes of one datagram sent.
 * 5 % are lost, 3 % arrive twice; each copy mostly arrives within 50
 * steps, but 2 % arrive up to 200000 steps late (reordering without
 * bound). Returns the number of copies (0 to 2) and their delays.
 */
static inline unsigned int test_net_delays(unsigned long long *rng,
					   unsigned int delay[2])
{
	unsigned int copies = 1, i;

	if (test_rand(rng) % 100 < 5)
		return 0;
	if (test_rand(rng) % 100 < 3)
		copies = 2;
	for (i = 0; i < copies; i++)
		delay[i] = test_rand(rng) % 100 < 2 ? test_rand(rng) % 200000 :
						      test_rand(rng) % 50;
	return copies;
}

#endif /* _NSW_UNIT_TEST_H */
