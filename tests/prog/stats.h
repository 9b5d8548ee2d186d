/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats.h - latency samples to percentiles, for the benchmark programs.
 *
 * Header-only (the test programs are each built from one .c file). Prints
 * "PREFIX.p50 V", ".p90", ".p99", ".mean" and ".cdf V0,V1,...,V100" (the
 * 0th to 100th percentiles), microseconds, the key format bench/report.py
 * reads.
 */
#ifndef NSW_PROG_STATS_H
#define NSW_PROG_STATS_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted @v[@n]. */
static inline double pctl(const double *v, size_t n, unsigned int p)
{
	size_t rank = (p * n + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

/* Sorts @v in place and prints its summary under @prefix. */
static inline void print_latency(const char *prefix, double *v, size_t n)
{
	double sum = 0;
	unsigned int p;
	size_t i;

	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	for (i = 0; i < n; i++)
		sum += v[i];
	printf("%s.p50 %.1f\n%s.p90 %.1f\n%s.p99 %.1f\n%s.mean %.1f\n",
	       prefix, pctl(v, n, 50), prefix, pctl(v, n, 90),
	       prefix, pctl(v, n, 99), prefix, sum / n);
	printf("%s.cdf ", prefix);
	for (p = 0; p <= 100; p++)
		printf("%.1f%s", pctl(v, n, p), p < 100 ? "," : "\n");
}

#endif
