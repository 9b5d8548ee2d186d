// SPDX-License-Identifier: GPL-2.0
/*
 * randtouch - random-access page toucher, a benchmark workload.
 *
 *   randtouch SIZE_MB TOUCHES [SEED]
 *
 * Writes every page of SIZE_MB of anonymous memory once, then TOUCHES
 * times picks a page at random (xorshift, SEED), checks the word that
 * identifies it and counts the touch in another word. At the end every
 * page is checked and the counts must add up to TOUCHES. Run with less
 * memory than SIZE_MB (a memory cgroup) and the random touches fault pages
 * back from swap in no order readahead could guess.
 *
 * Prints "fill_s", "touch_s" and "total_s"; exit status 0 verified, 1 a
 * wrong word or no memory, 2 usage.
 *
 * Build: gcc -O2 -Wall -Wextra -static -o randtouch randtouch.c
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "stats.h"

#define PAGE_WORDS (4096 / sizeof(uint64_t))

static inline uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static int bad(size_t page, uint64_t got)
{
	fprintf(stderr, "randtouch: page %zu: id word %#" PRIx64 " instead of %#" PRIx64 "\n",
		page, got, mix64(page));
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t x, *a, sum = 0, touches;
	size_t npages, i, p;
	double t0, t1;

	if (argc < 3 || !atoi(argv[1])) {
		fprintf(stderr, "usage: randtouch SIZE_MB TOUCHES [SEED]\n");
		return 2;
	}
	npages = (size_t)atoi(argv[1]) * 256;
	touches = strtoull(argv[2], NULL, 0);
	x = argc > 3 ? strtoull(argv[3], NULL, 0) | 1 : 88172645463325252ULL;
	a = mmap(NULL, npages * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED) {
		perror("randtouch: mmap");
		return 1;
	}
	madvise(a, npages * 4096, MADV_NOHUGEPAGE);

	t0 = now_us();
	for (p = 0; p < npages; p++) {
		/* the whole page written: nothing of it is a zero page */
		for (i = 0; i < PAGE_WORDS; i++)
			a[p * PAGE_WORDS + i] = mix64(p * PAGE_WORDS + i);
		a[p * PAGE_WORDS] = 0;
		a[p * PAGE_WORDS + 1] = mix64(p);
	}
	t1 = now_us();
	for (i = 0; i < touches; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p = x % npages;
		if (a[p * PAGE_WORDS + 1] != mix64(p))
			return bad(p, a[p * PAGE_WORDS + 1]);
		a[p * PAGE_WORDS]++;
	}
	printf("fill_s %.3f\ntouch_s %.3f\n", (t1 - t0) / 1e6, (now_us() - t1) / 1e6);
	for (p = 0; p < npages; p++) {
		if (a[p * PAGE_WORDS + 1] != mix64(p))
			return bad(p, a[p * PAGE_WORDS + 1]);
		sum += a[p * PAGE_WORDS];
	}
	printf("total_s %.3f\n", (now_us() - t0) / 1e6);
	if (sum != touches) {
		fprintf(stderr, "randtouch: %" PRIu64 " touches counted, %" PRIu64 " made\n",
			sum, touches);
		return 1;
	}
	return 0;
}
