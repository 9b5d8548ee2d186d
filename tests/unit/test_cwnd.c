// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the STORE congestion window (netswap/cwnd.c). */
#include "test.h"
#include "cwnd.h"

/* Takes places until refused; returns how many it got. */
static unsigned int fill(struct nsw_cwnd *w)
{
	unsigned int n = 0;

	while (nsw_cwnd_take(w))
		n++;
	return n;
}

static void test_initial(void)
{
	struct nsw_cwnd w;

	nsw_cwnd_init(&w);
	CHECK_EQ(fill(&w), NSW_CWND_INIT);
	CHECK_EQ(w.inflight, NSW_CWND_INIT);
	CHECK(w.waiting);
	/* The first place given back wakes the refused; the next does not. */
	CHECK(nsw_cwnd_put(&w, false));
	CHECK(!nsw_cwnd_put(&w, false));
	CHECK_EQ(w.inflight, NSW_CWND_INIT - 2);
	/* Given up, not answered: no growth. */
	CHECK_EQ(w.cwnd, NSW_CWND_INIT);
	/* A place taken and cancelled leaves the refused waiting. */
	CHECK_EQ(fill(&w), 2);
	CHECK(w.waiting);
	nsw_cwnd_cancel(&w);
	CHECK(w.waiting);
	CHECK_EQ(w.inflight, NSW_CWND_INIT - 1);
	CHECK_EQ(w.cwnd, NSW_CWND_INIT);
}

static void test_slow_start(void)
{
	struct nsw_cwnd w;
	unsigned int i, n;

	nsw_cwnd_init(&w);
	/* A window answered in full doubles it, up to the ceiling. */
	n = fill(&w);
	for (i = 0; i < n; i++)
		nsw_cwnd_put(&w, true);
	CHECK_EQ(w.cwnd, 2 * NSW_CWND_INIT);
	CHECK_EQ(w.inflight, 0);
	for (i = 0; i < 1000; i++) {
		CHECK(nsw_cwnd_take(&w));
		nsw_cwnd_put(&w, true);
	}
	CHECK_EQ(w.cwnd, NSW_CWND_MAX);
	CHECK_EQ(fill(&w), NSW_CWND_MAX);
}

static void test_loss_episode(void)
{
	struct nsw_cwnd w;
	unsigned int i;

	nsw_cwnd_init(&w);
	w.cwnd = 100;
	/* Requests 1000..1099 in flight, the next is 1100. */
	CHECK(nsw_cwnd_loss(&w, 1010, 1100));
	CHECK_EQ(w.cwnd, 50);
	CHECK_EQ(w.ssthresh, 50);
	/* More losses of the same burst cut no further. */
	CHECK(!nsw_cwnd_loss(&w, 1050, 1100));
	CHECK(!nsw_cwnd_loss(&w, 1099, 1120));
	CHECK_EQ(w.cwnd, 50);
	/* A request sent after the cut begins a new episode. */
	CHECK(nsw_cwnd_loss(&w, 1100, 1150));
	CHECK_EQ(w.cwnd, 25);
	/* Congestion avoidance: one page more per window of answers. */
	for (i = 0; i < 24; i++)
		nsw_cwnd_put(&w, true);
	CHECK_EQ(w.cwnd, 25);
	nsw_cwnd_put(&w, true);
	CHECK_EQ(w.cwnd, 26);
	/* Never below one request's pages. */
	for (i = 0; i < 10; i++)
		nsw_cwnd_loss(&w, 2000 + 100 * i, 2000 + 100 * i + 1);
	CHECK_EQ(w.cwnd, NSW_CWND_MIN);
	CHECK_EQ(fill(&w), NSW_CWND_MIN);
}

int main(void)
{
	test_initial();
	test_slow_start();
	test_loss_episode();
	return test_summary("test_cwnd");
}
