// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of netswap/slotmap.c, the store's slot allocator. Every map's
 * memory is a heap block of exactly the size slotmap.h asks for, so that
 * AddressSanitizer reports any access past it.
 */
#include <stdlib.h>
#include "slotmap.h"
#include "test.h"

/* The store's epoch in bits 48-63 of every handle it gives out. */
#define EPOCH	0xa5c3

struct map {
	struct nsw_slotmap sm;
	u64 *used;
	u16 *gen;
};

static void map_init(struct map *m, u32 nr)
{
	size_t words = nsw_slotmap_words(nr);

	m->used = malloc(words ? words * sizeof(u64) : 1);
	m->gen = malloc(nr ? nr * sizeof(u16) : 1);
	if (!m->used || !m->gen)
		abort();
	/* Garbage in the caller's memory must not matter. */
	memset(m->used, 0xa5, words * sizeof(u64));
	memset(m->gen, 0, nr * sizeof(u16));
	nsw_slotmap_init(&m->sm, m->used, m->gen, nr, EPOCH);
}

static void map_fini(struct map *m)
{
	free(m->used);
	free(m->gen);
}

static u64 mkh(u32 idx, u16 gen)
{
	return (u64)EPOCH << 48 | (u64)gen << 32 | idx;
}

static void test_words(void)
{
	CHECK_EQ(nsw_slotmap_words(0), 0);
	CHECK_EQ(nsw_slotmap_words(1), 1);
	CHECK_EQ(nsw_slotmap_words(64), 1);
	CHECK_EQ(nsw_slotmap_words(65), 2);
	CHECK_EQ(nsw_slotmap_words(0xffffffffU), 0x4000000);
}

/* Lowest free slot first, from a fresh map and after frees. */
static void test_lowest_first(void)
{
	struct map m;
	u64 h[200], x;
	u32 i;

	map_init(&m, 200);
	for (i = 0; i < 200; i++) {
		CHECK_EQ(nsw_slotmap_alloc(&m.sm, &h[i]), 0);
		CHECK(h[i] == mkh(i, 1));
		CHECK_EQ(NSW_HANDLE_IDX(h[i]), i);
		CHECK_EQ(NSW_HANDLE_GEN(h[i]), 1);
	}
	/* Free out of order, across words: get them back lowest first. */
	CHECK_EQ(nsw_slotmap_free(&m.sm, h[130]), 0);
	CHECK_EQ(nsw_slotmap_free(&m.sm, h[199]), 0);
	CHECK_EQ(nsw_slotmap_free(&m.sm, h[70]), 0);
	CHECK_EQ(nsw_slotmap_free(&m.sm, h[5]), 0);
	CHECK_EQ(nsw_slotmap_free(&m.sm, h[64]), 0);
	CHECK_EQ(nsw_slotmap_free(&m.sm, h[63]), 0);
	CHECK_EQ(m.sm.nr_used, 194);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &x), 0);
	CHECK_EQ(NSW_HANDLE_IDX(x), 5);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &x), 0);
	CHECK_EQ(NSW_HANDLE_IDX(x), 63);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &x), 0);
	CHECK_EQ(NSW_HANDLE_IDX(x), 64);
	/* A lower slot freed now comes before the remaining higher ones. */
	CHECK_EQ(nsw_slotmap_free(&m.sm, h[0]), 0);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &x), 0);
	CHECK_EQ(NSW_HANDLE_IDX(x), 0);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &x), 0);
	CHECK_EQ(NSW_HANDLE_IDX(x), 70);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &x), 0);
	CHECK_EQ(NSW_HANDLE_IDX(x), 130);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &x), 0);
	CHECK_EQ(NSW_HANDLE_IDX(x), 199);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &x), -ENOSPC);
	CHECK_EQ(m.sm.nr_used, 200);
	map_fini(&m);
}

/* Exactly nr allocations succeed, the next fail, for awkward sizes. */
static void fill(u32 nr)
{
	struct map m;
	u64 *h = malloc((nr + 1) * sizeof(u64)), x;
	u32 i, idx;

	map_init(&m, nr);
	for (i = 0; i < nr; i++) {
		CHECK_EQ(nsw_slotmap_alloc(&m.sm, &h[i]), 0);
		CHECK_EQ(NSW_HANDLE_IDX(h[i]), i);	/* so all distinct */
		CHECK(h[i] != 0);
		CHECK_EQ(m.sm.nr_used, i + 1);
	}
	for (i = 0; i < 3; i++)
		CHECK_EQ(nsw_slotmap_alloc(&m.sm, &x), -ENOSPC);
	CHECK_EQ(m.sm.nr_used, nr);
	for (i = 0; i < nr; i++) {
		idx = ~0U;
		CHECK_EQ(nsw_slotmap_lookup(&m.sm, h[i], &idx), 0);
		CHECK_EQ(idx, i);
	}
	/* Indices at and past nr (padding bits of the last word) are not
	 * slots, whatever the generation. */
	for (i = nr; i < nr + 70; i++) {
		CHECK_EQ(nsw_slotmap_lookup(&m.sm, mkh(i, 1), &idx), -ENOENT);
		CHECK_EQ(nsw_slotmap_free(&m.sm, mkh(i, 1)), -ENOENT);
	}
	CHECK_EQ(nsw_slotmap_lookup(&m.sm, mkh(0xffffffffU, 1), &idx),
		 -ENOENT);
	CHECK_EQ(m.sm.nr_used, nr);
	if (nr) {
		/* Room for exactly one more after freeing the last. */
		CHECK_EQ(nsw_slotmap_free(&m.sm, h[nr - 1]), 0);
		CHECK_EQ(nsw_slotmap_alloc(&m.sm, &x), 0);
		CHECK_EQ(NSW_HANDLE_IDX(x), nr - 1);
		CHECK_EQ(NSW_HANDLE_GEN(x), 2);
		CHECK_EQ(nsw_slotmap_alloc(&m.sm, &x), -ENOSPC);
		/* Drain and refill: same slots again, lowest first. */
		h[nr - 1] = x;
		for (i = 0; i < nr; i++)
			CHECK_EQ(nsw_slotmap_free(&m.sm, h[i]), 0);
		CHECK_EQ(m.sm.nr_used, 0);
		for (i = 0; i < nr; i++) {
			CHECK_EQ(nsw_slotmap_alloc(&m.sm, &x), 0);
			CHECK_EQ(NSW_HANDLE_IDX(x), i);
			CHECK_EQ(NSW_HANDLE_GEN(x), i == nr - 1 ? 3 : 2);
		}
		CHECK_EQ(nsw_slotmap_alloc(&m.sm, &x), -ENOSPC);
	}
	map_fini(&m);
	free(h);
}

static void test_fill(void)
{
	static const u32 sizes[] = { 0, 1, 2, 63, 64, 65, 127, 128, 129, 1000 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		fill(sizes[i]);
}

static void test_lookup_free(void)
{
	struct map m;
	u64 a, b, c, a2;
	u32 idx;

	map_init(&m, 10);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &a), 0);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &b), 0);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &c), 0);
	CHECK_EQ(nsw_slotmap_lookup(&m.sm, b, &idx), 0);
	CHECK_EQ(idx, 1);

	/* Never-allocated slot. */
	CHECK_EQ(nsw_slotmap_lookup(&m.sm, mkh(5, 1), &idx), -ENOENT);
	CHECK_EQ(nsw_slotmap_free(&m.sm, mkh(5, 1)), -ENOENT);
	CHECK_EQ(m.sm.nr_used, 3);

	/* Freed handle: lookup fails, second free fails, count unchanged. */
	CHECK_EQ(nsw_slotmap_free(&m.sm, b), 0);
	CHECK_EQ(m.sm.nr_used, 2);
	idx = 12345;
	CHECK_EQ(nsw_slotmap_lookup(&m.sm, b, &idx), -ENOENT);
	CHECK_EQ(idx, 12345);		/* not written on failure */
	CHECK_EQ(nsw_slotmap_free(&m.sm, b), -ENOENT);
	CHECK_EQ(nsw_slotmap_free(&m.sm, b), -ENOENT);
	CHECK_EQ(m.sm.nr_used, 2);
	/* Neighbours unaffected. */
	CHECK_EQ(nsw_slotmap_lookup(&m.sm, a, &idx), 0);
	CHECK_EQ(nsw_slotmap_lookup(&m.sm, c, &idx), 0);

	/* Free a, reallocate the same index: a new generation. */
	CHECK_EQ(nsw_slotmap_free(&m.sm, a), 0);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &a2), 0);
	CHECK_EQ(NSW_HANDLE_IDX(a2), NSW_HANDLE_IDX(a));
	CHECK(NSW_HANDLE_GEN(a2) != NSW_HANDLE_GEN(a));
	CHECK(a2 != a);
	CHECK_EQ(nsw_slotmap_lookup(&m.sm, a, &idx), -ENOENT);
	CHECK_EQ(nsw_slotmap_free(&m.sm, a), -ENOENT);	/* stale */
	CHECK_EQ(m.sm.nr_used, 2);
	CHECK_EQ(nsw_slotmap_lookup(&m.sm, a2, &idx), 0);	/* still live */
	CHECK_EQ(idx, 0);
	/* Other generations of a live slot are rejected too. */
	CHECK_EQ(nsw_slotmap_lookup(&m.sm, mkh(0, NSW_HANDLE_GEN(a2) + 1),
				    &idx), -ENOENT);
	CHECK_EQ(nsw_slotmap_lookup(&m.sm, mkh(0, 0xffff), &idx), -ENOENT);

	/* Handle 0 (slot 0, generation 0) is never valid, even with slot 0
	 * in use. */
	CHECK_EQ(nsw_slotmap_lookup(&m.sm, 0, &idx), -ENOENT);
	CHECK_EQ(nsw_slotmap_free(&m.sm, 0), -ENOENT);
	CHECK_EQ(nsw_slotmap_lookup(&m.sm, mkh(1, 0), &idx), -ENOENT);
	CHECK_EQ(m.sm.nr_used, 2);
	map_fini(&m);
}

/* Bits 48..63 must be zero in a valid handle. */
static void test_high_bits(void)
{
	struct map m;
	u64 h;
	u32 idx;
	int bit;

	map_init(&m, 3);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &h), 0);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &h), 0);
	CHECK_EQ(h >> 48, EPOCH);
	/* Another epoch's handle: an earlier incarnation gave it out. */
	for (bit = 48; bit < 64; bit++) {
		CHECK_EQ(nsw_slotmap_lookup(&m.sm, h ^ 1ULL << bit, &idx),
			 -ENOENT);
		CHECK_EQ(nsw_slotmap_free(&m.sm, h ^ 1ULL << bit), -ENOENT);
	}
	CHECK_EQ(nsw_slotmap_lookup(&m.sm, h & 0xffffffffffffULL, &idx),
		 -ENOENT);
	CHECK_EQ(m.sm.nr_used, 2);
	CHECK_EQ(nsw_slotmap_lookup(&m.sm, h, &idx), 0);
	CHECK_EQ(nsw_slotmap_free(&m.sm, h), 0);
	map_fini(&m);
}

/* One slot freed and reallocated past the 16-bit generation's wrap. */
static void test_gen_wrap(void)
{
	struct map m;
	u64 h, prev = 0;
	u32 i, idx;
	u16 want = 1;
	unsigned long wraps = 0;

	map_init(&m, 3);
	CHECK_EQ(nsw_slotmap_alloc(&m.sm, &h), 0);	/* slot 0 stays */
	for (i = 0; i < 70000; i++) {
		CHECK_EQ(nsw_slotmap_alloc(&m.sm, &h), 0);
		CHECK_EQ(NSW_HANDLE_IDX(h), 1);
		CHECK_EQ(NSW_HANDLE_GEN(h), want);
		CHECK(h != 0);
		CHECK(NSW_HANDLE_GEN(h) != 0);
		CHECK(h != prev);
		CHECK_EQ(h >> 48, EPOCH);
		if (prev) {
			CHECK_EQ(nsw_slotmap_lookup(&m.sm, prev, &idx),
				 -ENOENT);
			CHECK_EQ(nsw_slotmap_free(&m.sm, prev), -ENOENT);
		}
		CHECK_EQ(nsw_slotmap_lookup(&m.sm, h, &idx), 0);
		CHECK_EQ(nsw_slotmap_free(&m.sm, h), 0);
		CHECK_EQ(m.sm.nr_used, 1);
		prev = h;
		if (want == 0xffff) {
			want = 1;
			wraps++;
		} else {
			want++;
		}
	}
	CHECK_EQ(wraps, 1);	/* 70000 > 65535 generations */
	CHECK_EQ(m.gen[1], want);
	CHECK_EQ(m.gen[0], 1);
	CHECK_EQ(m.gen[2], 1);
	map_fini(&m);
}

/*
 * Random alloc/free/lookup against a reference model: a bool and a
 * generation per slot. The model predicts every result exactly.
 */
#define MODEL_NR	777
#define MODEL_OPS	200000
#define STALE_KEEP	256

static void test_model(void)
{
	static bool live[MODEL_NR];
	static u16 gen[MODEL_NR];
	static u64 handle_of[MODEL_NR];		/* live handle per slot */
	static u64 stale[STALE_KEEP];
	unsigned int nstale = 0, stale_pos = 0;
	u64 seed = 0x736c6f746d6170ULL;		/* fixed: reproducible */
	u32 nr_live = 0, i, idx;
	unsigned int alloc_pct = 60;
	unsigned long n_alloc = 0, n_full = 0, n_free = 0, n_bad = 0;
	u32 min_live_after_full = MODEL_NR;
	bool was_full = false;
	struct map m;
	int op;

	map_init(&m, MODEL_NR);
	for (i = 0; i < MODEL_NR; i++)
		gen[i] = 1;

	for (op = 0; op < MODEL_OPS; op++) {
		unsigned int r;

		/* Drift between filling and draining so both ends are hit. */
		if (op % 4000 == 0)
			alloc_pct = 10 + test_rand_below(&seed, 71);
		r = test_rand_below(&seed, 100);

		if (r < alloc_pct) {
			u64 h = 0xdeadbeef;
			int ret = nsw_slotmap_alloc(&m.sm, &h);
			u32 lo;

			for (lo = 0; lo < MODEL_NR && live[lo]; lo++)
				;
			if (lo == MODEL_NR) {
				CHECK_EQ(ret, -ENOSPC);
				n_full++;
			} else {
				CHECK_EQ(ret, 0);
				CHECK(h == mkh(lo, gen[lo]));
				CHECK(h != 0);
				idx = NSW_HANDLE_IDX(h);
				/* Never a slot that is already live. */
				CHECK(idx < MODEL_NR && !live[idx]);
				if (idx < MODEL_NR && !live[idx]) {
					live[idx] = true;
					handle_of[idx] = h;
					nr_live++;
				}
				n_alloc++;
			}
		} else if (r < 95) {
			/* Free a live handle, if any. */
			u32 start = test_rand_below(&seed, MODEL_NR), k;

			for (k = 0; k < MODEL_NR; k++) {
				i = (start + k) % MODEL_NR;
				if (live[i])
					break;
			}
			if (k == MODEL_NR)
				continue;
			CHECK_EQ(nsw_slotmap_free(&m.sm, handle_of[i]), 0);
			live[i] = false;
			nr_live--;
			if (++gen[i] == 0)
				gen[i] = 1;
			stale[stale_pos] = handle_of[i];
			stale_pos = (stale_pos + 1) % STALE_KEEP;
			if (nstale < STALE_KEEP)
				nstale++;
			n_free++;
		} else {
			/* A stale, random or mangled handle: predict it. */
			u64 h;
			int want;

			switch (test_rand_below(&seed, 4)) {
			case 0:
				if (!nstale)
					continue;
				h = stale[test_rand_below(&seed, nstale)];
				break;
			case 1:
				h = mkh(test_rand_below(&seed, MODEL_NR + 64),
					1 + test_rand_below(&seed, 4));
				break;
			case 2:
				i = test_rand_below(&seed, MODEL_NR);
				h = handle_of[i] ^
				    1ULL << (48 + test_rand_below(&seed, 16));
				break;
			default:
				h = test_rand(&seed);
				break;
			}
			idx = NSW_HANDLE_IDX(h);
			want = (h >> 48) == EPOCH && idx < MODEL_NR && live[idx] &&
			       gen[idx] == NSW_HANDLE_GEN(h) ? 0 : -ENOENT;
			if (test_rand_below(&seed, 2)) {
				u32 got = ~0U;

				CHECK_EQ(nsw_slotmap_lookup(&m.sm, h, &got),
					 want);
				if (!want)
					CHECK_EQ(got, idx);
			} else {
				CHECK_EQ(nsw_slotmap_free(&m.sm, h), want);
				if (!want) {
					live[idx] = false;
					nr_live--;
					if (++gen[idx] == 0)
						gen[idx] = 1;
				}
			}
			if (want)
				n_bad++;
		}
		CHECK_EQ(m.sm.nr_used, nr_live);
		if (nr_live == MODEL_NR)
			was_full = true;
		else if (was_full && nr_live < min_live_after_full)
			min_live_after_full = nr_live;

		/* Now and then, compare the whole state. */
		if (op % 10000 == 9999) {
			for (i = 0; i < MODEL_NR; i++) {
				u32 got;

				CHECK_EQ(m.gen[i], gen[i]);
				if (live[i])
					CHECK_EQ(nsw_slotmap_lookup(&m.sm,
						handle_of[i], &got), 0);
				CHECK_EQ(nsw_slotmap_lookup(&m.sm,
						mkh(i, gen[i]), &got),
					 live[i] ? 0 : -ENOENT);
			}
		}
	}
	/* The walk must have exercised full, empty-ish and rejection paths. */
	CHECK(n_full > 0);
	CHECK(n_alloc > 10000);
	CHECK(n_free > 10000);
	CHECK(n_bad > 1000);
	CHECK(min_live_after_full < MODEL_NR / 4);	/* drained after full */
	printf("  model: %lu allocs, %lu ENOSPC, %lu frees, %lu rejected, "
	       "%u live at least after first full, %u live at end\n",
	       n_alloc, n_full, n_free, n_bad, min_live_after_full, nr_live);
	map_fini(&m);
}

int main(void)
{
	test_words();
	test_lowest_first();
	test_fill();
	test_lookup_free();
	test_high_bits();
	test_gen_wrap();
	test_model();
	return test_summary("test_slotmap");
}
