// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the store's sequence window (netswap/seqwin.c), and a
 * model check of the whole at-most-once argument: a client that keeps
 * its send window the way sendwin.c does, a network that loses, duplicates
 * and reorders without bound, and a store that consults the window. No
 * request may take effect twice, and every answered one exactly once.
 */
#include <stdlib.h>

#include "test.h"
#include "seqwin.h"

#define W	NSW_SEQ_WINDOW

static struct nsw_seqwin win;

#define T_STORE	NSW_MSG_STORE
#define T_LOAD	NSW_MSG_LOAD

static void test_basic(void)
{
	struct nsw_seqwin_slot *slot;
	u64 base = 1000000;

	memset(&win, 0, sizeof(win));
	CHECK_EQ(nsw_seqwin_check(&win, 0, T_STORE, &slot), NSW_SEQ_STALE);
	CHECK_EQ(nsw_seqwin_check(&win, base, T_STORE, &slot), NSW_SEQ_NEW);
	nsw_seqwin_record(slot, base, T_STORE, 0, 0x100000007ULL);
	CHECK_EQ(nsw_seqwin_check(&win, base, T_STORE, &slot), NSW_SEQ_DUP);
	CHECK_EQ(slot->handle, 0x100000007ULL);
	/* Out of order inside the window: each is new, once. */
	CHECK_EQ(nsw_seqwin_check(&win, base + 5, T_STORE, &slot), NSW_SEQ_NEW);
	nsw_seqwin_record(slot, base + 5, T_STORE, 1, 0);
	CHECK_EQ(nsw_seqwin_check(&win, base + 3, T_STORE, &slot), NSW_SEQ_NEW);
	nsw_seqwin_record(slot, base + 3, T_STORE, 0, 9);
	CHECK_EQ(nsw_seqwin_check(&win, base + 5, T_STORE, &slot), NSW_SEQ_DUP);
	CHECK_EQ(slot->status, 1);
	/* One window later the slot moves on, and the old number is stale. */
	CHECK_EQ(nsw_seqwin_check(&win, base + W, T_STORE, &slot), NSW_SEQ_NEW);
	nsw_seqwin_record(slot, base + W, T_STORE, 0, 0);
	CHECK_EQ(nsw_seqwin_check(&win, base, T_STORE, &slot), NSW_SEQ_STALE);
	CHECK_EQ(nsw_seqwin_check(&win, base * 1000, T_STORE, &slot),
		 NSW_SEQ_NEW);
}

/*
 * A request of another type under a recorded number is no copy of the
 * recorded one: a LOAD must never get the answer of a STORE, whatever
 * numbers a client whose state went back reuses.
 */
static void test_type(void)
{
	struct nsw_seqwin_slot *slot;

	memset(&win, 0, sizeof(win));
	CHECK_EQ(nsw_seqwin_check(&win, 77, T_STORE, &slot), NSW_SEQ_NEW);
	nsw_seqwin_record(slot, 77, T_STORE, 0, 0x100000001ULL);
	CHECK_EQ(nsw_seqwin_check(&win, 77, T_LOAD, &slot), NSW_SEQ_STALE);
	CHECK_EQ(nsw_seqwin_check(&win, 77, NSW_MSG_FREE, &slot),
		 NSW_SEQ_STALE);
	CHECK_EQ(nsw_seqwin_check(&win, 77, T_STORE, &slot), NSW_SEQ_DUP);
}

/*
 * A session's base is above every number received before it, the RESET's
 * own included, and nothing below it passes, though the slots were
 * emptied: a client whose numbers went back (a clock step, a restored
 * snapshot, a reload) is told where to go on instead.
 */
static void test_restart(void)
{
	struct nsw_seqwin_slot *slot;
	u64 base;

	memset(&win, 0, sizeof(win));
	CHECK_EQ(nsw_seqwin_check(&win, 5000, T_STORE, &slot), NSW_SEQ_NEW);
	nsw_seqwin_record(slot, 5000, T_STORE, 0, 1);
	/* Seen but never carried out still counts. */
	CHECK_EQ(nsw_seqwin_check(&win, 9000, T_LOAD, &slot), NSW_SEQ_NEW);
	base = nsw_seqwin_restart(&win, 3);
	CHECK_EQ(base, 9001);
	CHECK_EQ(nsw_seqwin_check(&win, 5000, T_STORE, &slot), NSW_SEQ_STALE);
	CHECK_EQ(nsw_seqwin_check(&win, 9000, T_LOAD, &slot), NSW_SEQ_STALE);
	CHECK_EQ(nsw_seqwin_check(&win, 4, T_STORE, &slot), NSW_SEQ_STALE);
	CHECK_EQ(nsw_seqwin_check(&win, base, T_STORE, &slot), NSW_SEQ_NEW);
	/* A RESET numbered above everything sets the base past itself. */
	CHECK_EQ(nsw_seqwin_restart(&win, 20000), 20001);
	CHECK_EQ(nsw_seqwin_check(&win, 20000, T_STORE, &slot), NSW_SEQ_STALE);
	/* One forged number past 48 bits must not push every base out. */
	CHECK_EQ(nsw_seqwin_check(&win, 1ULL << 60, T_STORE, &slot),
		 NSW_SEQ_STALE);
	CHECK_EQ(nsw_seqwin_check(&win, NSW_HANDLE_SLOT_MASK, T_LOAD, &slot),
		 NSW_SEQ_STALE);
	CHECK_EQ(nsw_seqwin_restart(&win, ~0ULL), 20001);
}

struct msg {
	u64 seq;
	unsigned int due;	/* step at which the network delivers it */
	bool reply;
};

#define NET_MAX		20000
#define REQS		150000
#define STEPS		4000000

static struct msg net[NET_MAX];
static unsigned int net_len;
static unsigned char executed[REQS];	/* times the store carried it out */
static unsigned char answered[REQS];
static unsigned int tries[REQS];
static bool busy[W];			/* the client's ring: slot in use */
static u64 slot_seq[W];

static void net_send(unsigned long long *rng, u64 seq, bool reply,
		     unsigned int now)
{
	unsigned int delay[2], copies = test_net_delays(rng, delay), i;

	for (i = 0; i < copies && net_len < NET_MAX; i++) {
		net[net_len].seq = seq;
		net[net_len].reply = reply;
		net[net_len].due = now + delay[i];
		net_len++;
	}
}

static void test_model(void)
{
	unsigned long long rng = 42;
	const u64 base = 1ULL << 40;
	struct nsw_seqwin_slot *slot;
	unsigned int now, i, next = 0, done = 0, gave_up = 0, stale = 0;

	memset(&win, 0, sizeof(win));
	for (now = 0; now < STEPS && done + gave_up < REQS; now++) {
		/* The client starts a request when its ring slot is free. */
		if (next < REQS && !busy[next % W] && test_rand(&rng) % 4) {
			busy[next % W] = true;
			slot_seq[next % W] = next;
			net_send(&rng, base + next, false, now);
			next++;
		}
		/* Retransmit or give up one random outstanding request. */
		i = test_rand(&rng) % W;
		if (busy[i] && test_rand(&rng) % 8 == 0) {
			u64 n = slot_seq[i];

			if (++tries[n] > 12 || test_rand(&rng) % 16 == 0) {
				busy[i] = false;	/* timed out */
				gave_up++;
			} else {
				net_send(&rng, base + n, false, now);
			}
		}
		/* Deliver one due message, if any, in arbitrary order. */
		if (!net_len)
			continue;
		i = test_rand(&rng) % net_len;
		if (net[i].due > now)
			continue;
		struct msg m = net[i];

		net[i] = net[--net_len];
		u64 n = m.seq - base;

		if (m.reply) {
			/* Only an outstanding request's own reply counts. */
			if (busy[n % W] && slot_seq[n % W] == n) {
				busy[n % W] = false;
				answered[n] = 1;
				done++;
			}
			continue;
		}
		switch (nsw_seqwin_check(&win, m.seq, T_STORE, &slot)) {
		case NSW_SEQ_NEW:
			executed[n]++;
			nsw_seqwin_record(slot, m.seq, T_STORE, 0, n);
			net_send(&rng, m.seq, true, now);
			break;
		case NSW_SEQ_DUP:
			CHECK_EQ(slot->handle, n);
			net_send(&rng, m.seq, true, now);
			break;
		case NSW_SEQ_STALE:
			stale++;
			break;
		}
	}
	for (i = 0; i < next; i++) {
		CHECK(executed[i] <= 1);
		if (answered[i])
			CHECK_EQ(executed[i], 1);
	}
	CHECK(done > REQS / 2);
	CHECK(stale > 0);	/* the model did exercise late copies */
	CHECK(gave_up > 0);	/* and requests the client abandoned */
	printf("seqwin model: %u requests, %u answered, %u given up, %u stale drops, %u steps\n",
	       next, done, gave_up, stale, now);
}

int main(void)
{
	test_basic();
	test_type();
	test_restart();
	test_model();
	return test_summary("test_seqwin");
}
