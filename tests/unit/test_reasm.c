// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the store's reassembly table (netswap/reasm.c), and a
 * model check of it as store.c uses it: a client that sends each STORE as
 * NSW_CHUNKS datagrams, in any order, and retransmits or gives up the way
 * the seqwin model's client does; a network that loses, duplicates and
 * reorders every chunk without bound; a store that passes each chunk
 * through its sequence window and then the table, allocating a page when
 * the slot has none and freeing what the table hands back. No page may be
 * kept that is not all three chunks of one request, no request may be
 * carried out twice, and no buffer may leak or be freed twice (ASan).
 */
#include <stdlib.h>

#include "test.h"
#include "reasm.h"
#include "seqwin.h"
#include "wire.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define S	NSW_REASM_SLOTS

static struct nsw_reasm_slot tab[S];

/*
 * The caller's buffer for a page: the page, and what the test knows of it
 * (the table itself only ever sees a void pointer).
 */
struct buf {
	u64 seq;		/* the request it was allocated for */
	u8 got;			/* chunks copied into it */
	u8 page[NSW_WIRE_PAGE];
};

static unsigned long n_alloc, n_free;

static struct buf *buf_new(u64 seq)
{
	struct buf *b = malloc(sizeof(*b));

	if (!b)
		abort();
	b->seq = seq;
	b->got = 0;
	memset(b->page, 0xee, sizeof(b->page));
	n_alloc++;
	return b;
}

static void buf_free(struct buf *b)
{
	if (!b)
		return;
	n_free++;
	free(b);
}

/* The bytes of chunk @c of request @seq's page. */
static u8 pattern(u64 seq, unsigned int c)
{
	return (u8)(seq * 31 + c * 7 + 1);
}

static void copy_chunk(struct buf *b, u64 seq, unsigned int c)
{
	memset(b->page + nsw_chunk_off(c), pattern(seq, c), nsw_chunk_len(c));
	b->got |= 1U << c;
}

/* A complete page is all three chunks of request @seq, byte for byte. */
static void check_page(const struct buf *b, u64 seq)
{
	unsigned int c, i, bad = 0;

	CHECK(b->seq == seq);
	CHECK_EQ(b->got, NSW_CHUNKS_ALL);
	for (c = 0; c < NSW_CHUNKS; c++)
		for (i = 0; i < nsw_chunk_len(c); i++)
			bad += b->page[nsw_chunk_off(c) + i] != pattern(seq, c);
	CHECK_EQ(bad, 0);
}

/* Number of slots holding a buffer. */
static unsigned int tab_bufs(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < S; i++)
		n += !!tab[i].buf;
	return n;
}

/* Empties the table as nsw_store_drop_partial() does. */
static void tab_drain(void)
{
	unsigned int i;

	for (i = 0; i < S; i++)
		buf_free(nsw_reasm_take(&tab[i]));
}

static void tab_reset(void)
{
	tab_drain();
	memset(tab, 0, sizeof(tab));
}

/*
 * What store.c's nsw_store_chunk() does with chunk @c of request @seq.
 * Returns the complete page, for the caller to check and free, or NULL.
 * *@refused: the table said the slot belongs to a newer request.
 */
static struct buf *chunk_in(u64 seq, unsigned int c, bool nomem,
			    bool *refused)
{
	struct nsw_reasm_slot *slot;
	void *evicted = (void *)1;
	struct buf *b;

	*refused = false;
	slot = nsw_reasm_get(tab, seq, &evicted);
	if (evicted) {
		struct buf *e = evicted;

		/* Only an older request's partial page, from this slot. */
		CHECK(e->seq < seq);
		CHECK(e->seq % S == seq % S);
		CHECK(e->got != NSW_CHUNKS_ALL);
		buf_free(e);
	}
	if (!slot) {
		*refused = true;
		CHECK(tab[seq % S].seq > seq);
		return NULL;
	}
	CHECK(slot == &tab[seq % S]);
	CHECK(slot->seq == seq);
	if (!slot->buf) {
		CHECK_EQ(slot->got, 0);
		if (nomem)
			return NULL;	/* store.c answers NOMEM */
		slot->buf = buf_new(seq);
	}
	b = slot->buf;
	CHECK(b->seq == seq);		/* never another request's page */
	copy_chunk(b, seq, c);
	if (!nsw_reasm_add(slot, 1U << c)) {
		CHECK_EQ(slot->got, b->got);
		return NULL;
	}
	/* Complete: the caller takes the very buffer it filled. */
	CHECK(nsw_reasm_take(slot) == b);
	CHECK(!slot->buf);
	CHECK_EQ(slot->got, 0);
	return b;
}

/* Every order of the three chunks completes the page once, at the last. */
static void test_orders(void)
{
	static const unsigned int perm[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
		{ 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	unsigned int p, i;
	bool refused;

	tab_reset();
	for (p = 0; p < 6; p++) {
		u64 seq = 1000 + p * 3;	/* some share slots, some not */
		struct buf *b = NULL;

		for (i = 0; i < 3; i++) {
			CHECK(!b);
			b = chunk_in(seq, perm[p][i], false, &refused);
			CHECK(!refused);
			if (i < 2) {
				CHECK(!b);
				CHECK(tab[seq % S].buf);
				CHECK_EQ(tab[seq % S].got,
					 (1U << perm[p][0]) |
					 (i ? 1U << perm[p][1] : 0));
			}
		}
		CHECK(b);
		if (b)
			check_page(b, seq);
		buf_free(b);
		CHECK(!tab[seq % S].buf);
	}
	/* Another request's chunks in between change nothing. */
	{
		struct buf *b;

		CHECK(!chunk_in(5000, 2, false, &refused));
		CHECK(!chunk_in(5001, 0, false, &refused));
		CHECK(!chunk_in(5000, 0, false, &refused));
		CHECK(!chunk_in(5001, 1, false, &refused));
		b = chunk_in(5000, 1, false, &refused);
		CHECK(b);
		if (b)
			check_page(b, 5000);
		buf_free(b);
		b = chunk_in(5001, 2, false, &refused);
		CHECK(b);
		if (b)
			check_page(b, 5001);
		buf_free(b);
	}
	CHECK_EQ(tab_bufs(), 0);
	CHECK_EQ(n_alloc, n_free);
}

/* Duplicates never complete a page twice, nor early. */
static void test_duplicates(void)
{
	static const unsigned int dup[] = { 0, 0, 2, 2, 0, 1, 1, 2, 0, 1 };
	struct nsw_reasm_slot *slot;
	void *evicted;
	unsigned int i, done = 0, at = 99;

	tab_reset();
	slot = nsw_reasm_get(tab, 77, &evicted);
	CHECK(slot && !evicted);
	if (!slot)
		return;
	for (i = 0; i < ARRAY_SIZE(dup); i++) {
		if (nsw_reasm_add(slot, 1U << dup[i])) {
			done++;
			at = i;
		}
	}
	CHECK_EQ(done, 1);
	CHECK_EQ(at, 5);		/* the first chunk 1 */
	CHECK_EQ(slot->got, NSW_CHUNKS_ALL);
	/* A complete page not yet taken: no chunk completes it again. */
	for (i = 0; i < NSW_CHUNKS; i++)
		CHECK(!nsw_reasm_add(slot, 1U << i));
	/* Nor does get for the same request disturb it. */
	CHECK(nsw_reasm_get(tab, 77, &evicted) == slot);
	CHECK(!evicted);
	CHECK_EQ(slot->got, NSW_CHUNKS_ALL);

	/* Through the caller: one buffer, one completion. */
	{
		unsigned long allocs = n_alloc;
		struct buf *b;
		bool refused;

		tab_reset();
		done = 0;
		for (i = 0; i < ARRAY_SIZE(dup); i++) {
			b = chunk_in(88, dup[i], false, &refused);
			if (!b)
				continue;
			done++;
			check_page(b, 88);
			buf_free(b);
			break;
		}
		CHECK_EQ(done, 1);
		CHECK_EQ(n_alloc - allocs, 1);
	}
	tab_reset();
	CHECK_EQ(n_alloc, n_free);
}

/* Taking empties the slot and frees it for any request. */
static void test_take(void)
{
	struct nsw_reasm_slot *slot;
	struct buf *b = buf_new(300), *t;
	void *evicted;

	tab_reset();
	slot = nsw_reasm_get(tab, 300, &evicted);
	CHECK(slot && !evicted);
	if (!slot)
		return;
	slot->buf = b;
	CHECK(!nsw_reasm_add(slot, 1U << 1));
	/* A partial page can be taken too: RESET, peer removal. */
	t = nsw_reasm_take(slot);
	CHECK(t == b);
	CHECK(!slot->buf);
	CHECK_EQ(slot->got, 0);
	CHECK(slot->seq == 0);
	buf_free(t);
	/* Taking an empty slot gives nothing. */
	CHECK(!nsw_reasm_take(slot));
	/*
	 * An older request still in flight may use it now (it was refused
	 * forever when the slot kept the number), and so may the same one.
	 */
	CHECK(nsw_reasm_get(tab, 300 - S, &evicted) == slot);
	CHECK(!evicted);
	CHECK(nsw_reasm_get(tab, 300, &evicted) == slot);
	CHECK(!evicted);
	CHECK(!slot->buf);
	CHECK_EQ(slot->got, 0);
	/* A newer one takes it over, with nothing to free. */
	CHECK(nsw_reasm_get(tab, 300 + S, &evicted) == slot);
	CHECK(!evicted);
	CHECK(slot->seq == 300 + S);
	CHECK_EQ(n_alloc, n_free);
}

/* A newer request evicts an older partial page; an older one is refused. */
static void test_evict(void)
{
	const u64 a = 1700000000000000000ULL;	/* a realistic req_id */
	struct nsw_reasm_slot *slot, *s2;
	struct buf *ba = buf_new(a), *bb;
	void *evicted;
	bool refused;

	tab_reset();
	slot = nsw_reasm_get(tab, a, &evicted);
	CHECK(slot == &tab[a % S]);
	CHECK(!evicted);
	if (!slot)
		return;
	slot->buf = ba;
	CHECK(!nsw_reasm_add(slot, 1U << 0));
	CHECK(!nsw_reasm_add(slot, 1U << 2));

	/* A newer request in another slot leaves this one alone. */
	s2 = nsw_reasm_get(tab, a + 1, &evicted);
	CHECK(s2 && s2 != slot && !evicted);
	CHECK(slot->buf == ba);
	CHECK_EQ(slot->got, 5);

	/* The next request for this slot takes it over. */
	CHECK(nsw_reasm_get(tab, a + S, &evicted) == slot);
	CHECK(evicted == ba);
	CHECK(slot->seq == a + S);
	CHECK(!slot->buf);
	CHECK_EQ(slot->got, 0);
	buf_free(evicted);

	/* The older request's last chunk is refused, changing nothing. */
	bb = buf_new(a + S);
	slot->buf = bb;
	CHECK(!nsw_reasm_add(slot, 1U << 1));
	CHECK(!nsw_reasm_get(tab, a, &evicted));
	CHECK(!evicted);
	CHECK(slot->seq == a + S);
	CHECK(slot->buf == bb);
	CHECK_EQ(slot->got, 2);
	/* Much older too. */
	CHECK(!nsw_reasm_get(tab, a - 5 * S, &evicted));
	CHECK(!evicted);
	CHECK(slot->buf == bb);

	/* Several slots' worth newer evicts as well. */
	CHECK(nsw_reasm_get(tab, a + 7 * S, &evicted) == slot);
	CHECK(evicted == bb);
	buf_free(evicted);
	CHECK(slot->seq == a + 7 * S);
	CHECK(!nsw_reasm_get(tab, a + S, &evicted));
	CHECK(!evicted);

	/* Through the caller: the newer request completes normally. */
	CHECK(!chunk_in(a + 7 * S, 2, false, &refused));
	CHECK(!chunk_in(a + S, 0, false, &refused));
	CHECK(refused);
	CHECK(!chunk_in(a + 7 * S, 0, false, &refused));
	bb = chunk_in(a + 7 * S, 1, false, &refused);
	CHECK(bb);
	if (bb)
		check_page(bb, a + 7 * S);
	buf_free(bb);

	/* A never-used slot is anyone's, with nothing to free. */
	CHECK(nsw_reasm_get(tab, S + 3, &evicted) == &tab[3]);
	CHECK(!evicted);
	tab_reset();
	CHECK_EQ(n_alloc, n_free);
}

/* Memory is bounded: one partial page a slot, whatever arrives. */
static void test_bound(void)
{
	const u64 base = 1ULL << 40;
	bool refused;
	unsigned int i;

	tab_reset();
	for (i = 0; i < S; i++)
		CHECK(!chunk_in(base + i, i % 3, false, &refused));
	CHECK_EQ(tab_bufs(), S);
	CHECK_EQ(n_alloc - n_free, S);
	/* The next round evicts each, one for one. */
	for (i = 0; i < S; i++) {
		unsigned long freed = n_free;

		CHECK(!chunk_in(base + S + i, (i + 1) % 3, false, &refused));
		CHECK_EQ(n_free - freed, 1);
	}
	CHECK_EQ(tab_bufs(), S);
	CHECK_EQ(n_alloc - n_free, S);
	/* The first round, again, is refused and allocates nothing. */
	for (i = 0; i < S; i++) {
		CHECK(!chunk_in(base + i, (i + 2) % 3, false, &refused));
		CHECK(refused);
	}
	CHECK_EQ(n_alloc - n_free, S);
	tab_drain();
	CHECK_EQ(tab_bufs(), 0);
	CHECK_EQ(n_alloc, n_free);
}

/*
 * The model. Request n (req_id base + n) is a STORE, or now and then
 * another request (which only passes the window) or a RESET (which, as in
 * store.c, drops every partial page).
 */
enum { M_CHUNK0, M_CHUNK1, M_CHUNK2, M_OTHER, M_REPLY };

struct msg {
	u64 seq;
	unsigned int due;	/* step at which the network delivers it */
	u8 what;		/* M_* */
};

#define W		NSW_SEQ_WINDOW
#define NET_MAX		40000
#define REQS		60000
#define STEPS		12000000

static struct msg net[NET_MAX];
static unsigned int net_len;
static unsigned char executed[REQS];	/* times the store carried it out */
static unsigned char answered[REQS];
static unsigned char kind[REQS];	/* 0 STORE, 1 other, 2 RESET */
static unsigned int tries[REQS];
static bool starved[REQS];		/* refused while still outstanding */
static bool busy[W];			/* the client's ring: slot in use */
static u64 slot_seq[W];
static struct nsw_seqwin win;

static void net_send(unsigned long long *rng, u64 seq, u8 what,
		     unsigned int now)
{
	unsigned int delay[2], copies = test_net_delays(rng, delay), i;

	for (i = 0; i < copies && net_len < NET_MAX; i++) {
		net[net_len].seq = seq;
		net[net_len].what = what;
		net[net_len].due = now + delay[i];
		net_len++;
	}
}

/* The client sends request @n: a STORE's chunks in a random order. */
static void send_request(unsigned long long *rng, u64 base, u64 n,
			 unsigned int now)
{
	unsigned int first, dir, i;

	if (kind[n]) {
		net_send(rng, base + n, M_OTHER, now);
		return;
	}
	first = test_rand(rng) % 3;
	dir = test_rand(rng) % 2 ? 1 : 2;
	for (i = 0; i < 3; i++)
		net_send(rng, base + n, M_CHUNK0 + (first + i * dir) % 3, now);
}

/* The table as the test's bookkeeping sees it, slot by slot. */
static void check_table(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < S; i++) {
		const struct buf *b = tab[i].buf;

		if (!b) {
			CHECK_EQ(tab[i].got, 0);
			continue;
		}
		n++;
		CHECK(b->seq == tab[i].seq);
		CHECK(tab[i].seq % S == i);
		CHECK_EQ(b->got, tab[i].got);
		CHECK(b->got != NSW_CHUNKS_ALL);	/* taken when complete */
	}
	/* Every buffer not yet freed is in the table: none lost. */
	CHECK_EQ(n, n_alloc - n_free);
}

static void test_model(void)
{
	unsigned long long rng = 4242;
	const u64 base = 1ULL << 40;
	struct nsw_seqwin_slot *wslot;
	unsigned int now, i, next = 0, done = 0, gave_up = 0, stale = 0;
	unsigned int refused_n = 0, evictions = 0, nomem = 0, resets = 0;
	unsigned int max_bufs = 0, kept = 0, lost_starved = 0, d;

	tab_reset();
	memset(&win, 0, sizeof(win));
	for (now = 0; now < STEPS && done + gave_up < REQS; now++) {
		/* The client starts a request when its ring slot is free. */
		if (next < REQS && !busy[next % W] && test_rand(&rng) % 2) {
			unsigned int r = test_rand(&rng) % 1000;

			kind[next] = r < 2 ? 2 : r < 150 ? 1 : 0;
			busy[next % W] = true;
			slot_seq[next % W] = next;
			send_request(&rng, base, next, now);
			next++;
		}
		/* Retransmit or give up one random outstanding request. */
		i = test_rand(&rng) % W;
		if (busy[i] && test_rand(&rng) % 8 == 0) {
			u64 n = slot_seq[i];

			if (++tries[n] > 12 || test_rand(&rng) % 16 == 0) {
				busy[i] = false;	/* timed out */
				gave_up++;
				lost_starved += starved[n];
			} else {
				send_request(&rng, base, n, now);
			}
		}
		if (n_alloc - n_free > max_bufs)
			max_bufs = n_alloc - n_free;
		CHECK(n_alloc - n_free <= S);
		if (now % 8192 == 0)
			check_table();
		/* Deliver up to four due messages, in arbitrary order. */
		for (d = 0; d < 4 && net_len; d++) {
			unsigned long freed = n_free;
			struct buf *b;
			struct msg m;
			bool refused;
			u64 n;

			i = test_rand(&rng) % net_len;
			if (net[i].due > now)
				continue;
			m = net[i];
			net[i] = net[--net_len];
			n = m.seq - base;

			if (m.what == M_REPLY) {
				/* Only an outstanding request's own reply. */
				if (busy[n % W] && slot_seq[n % W] == n) {
					busy[n % W] = false;
					answered[n] = 1;
					done++;
				}
				continue;
			}
			/* The store: the window first, as store.c does. */
			switch (nsw_seqwin_check(&win, m.seq, NSW_MSG_STORE, &wslot)) {
			case NSW_SEQ_STALE:
				stale++;
				continue;
			case NSW_SEQ_DUP:
				CHECK(wslot->handle == n);
				net_send(&rng, m.seq, M_REPLY, now);
				continue;
			case NSW_SEQ_NEW:
				break;
			}
			if (m.what == M_OTHER) {
				CHECK(kind[n] != 0);
				if (kind[n] == 2) {
					tab_drain();	/* RESET */
					resets++;
				}
				executed[n]++;
				nsw_seqwin_record(wslot, m.seq, NSW_MSG_STORE, 0, n);
				net_send(&rng, m.seq, M_REPLY, now);
				continue;
			}
			CHECK_EQ(kind[n], 0);
			b = chunk_in(m.seq, m.what - M_CHUNK0,
				     test_rand(&rng) % 200 == 0, &refused);
			refused_n += refused;
			if (refused && busy[n % W] && slot_seq[n % W] == n)
				starved[n] = true;
			evictions += n_free - freed;
			if (!b) {
				if (!refused && !tab[m.seq % S].buf)
					nomem++;
				continue;	/* chunks missing still */
			}
			/* All three chunks of this very request. */
			check_page(b, m.seq);
			buf_free(b);
			kept++;
			executed[n]++;
			nsw_seqwin_record(wslot, m.seq, NSW_MSG_STORE, 0, n);
			net_send(&rng, m.seq, M_REPLY, now);
		}
	}
	check_table();
	for (i = 0; i < next; i++) {
		CHECK(executed[i] <= 1);
		if (answered[i])
			CHECK_EQ(executed[i], 1);
	}
	CHECK(max_bufs <= S);
	tab_drain();
	CHECK_EQ(tab_bufs(), 0);
	CHECK_EQ(n_alloc, n_free);	/* no leak; ASan checks the rest */
	/* The model did exercise what it is about. */
	CHECK(done > REQS / 2);
	CHECK(kept > REQS / 2);
	CHECK(evictions > 0);
	CHECK(refused_n > 0);
	CHECK(nomem > 0);
	CHECK(resets > 0);
	CHECK(stale > 0);
	CHECK(gave_up > 0);
	/*
	 * Not a failure of the table's contract, but worth seeing: a STORE
	 * whose slot a request NSW_REASM_SLOTS or more numbers later took
	 * over is refused for good, however often the client sends it.
	 */
	printf("reasm model: %u requests, %u answered, %u given up", next,
	       done, gave_up);
	printf(" (%u refused while outstanding), %u pages kept,", lost_starved,
	       kept);
	printf(" %u evictions, %u refused chunks, %u nomem, %u resets,",
	       evictions, refused_n, nomem, resets);
	printf(" %u stale drops, at most %u partial pages, %lu buffers,",
	       stale, max_bufs, n_alloc);
	printf(" %u steps\n", now);
}

int main(void)
{
	test_orders();
	test_duplicates();
	test_take();
	test_evict();
	test_bound();
	test_model();
	return test_summary("test_reasm");
}
