// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the RTO estimator (netswap/rtt.c). */
#include "test.h"
#include "rtt.h"

static void test_initial(void)
{
	struct nsw_rtt r;

	nsw_rtt_init(&r);
	CHECK_EQ(nsw_rtt_timeout(&r, 0), NSW_RTO_INITIAL_US);
	CHECK_EQ(nsw_rtt_timeout(&r, 1), 2 * NSW_RTO_INITIAL_US);
	/* Backoff stops at the ceiling, however many tries. */
	CHECK_EQ(nsw_rtt_timeout(&r, 3), NSW_RTO_MAX_US);
	CHECK_EQ(nsw_rtt_timeout(&r, 1000), NSW_RTO_MAX_US);
}

static void test_first_sample(void)
{
	struct nsw_rtt r;

	/* RFC 6298 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR. */
	nsw_rtt_init(&r);
	nsw_rtt_sample(&r, 40000);
	CHECK_EQ(r.srtt_us, 40000);
	CHECK_EQ(r.rttvar_us, 20000);
	CHECK_EQ(r.rto_us, 120000);
	CHECK_EQ(nsw_rtt_timeout(&r, 2), 480000);
}

static void test_floor_and_ceiling(void)
{
	struct nsw_rtt r;
	int i;

	nsw_rtt_init(&r);
	for (i = 0; i < 100; i++)
		nsw_rtt_sample(&r, 100);	/* 0.1 ms LAN */
	CHECK_EQ(r.rto_us, NSW_RTO_MIN_US);
	CHECK(r.srtt_us >= 90 && r.srtt_us <= 110);

	nsw_rtt_init(&r);
	nsw_rtt_sample(&r, 10000000);		/* 10 s */
	CHECK_EQ(r.rto_us, NSW_RTO_MAX_US);

	/* A zero sample (clock granularity) must not reset the estimator. */
	nsw_rtt_init(&r);
	nsw_rtt_sample(&r, 0);
	CHECK(r.srtt_us > 0);
	nsw_rtt_sample(&r, 0);
	CHECK(r.srtt_us > 0);
}

static void test_converges(void)
{
	struct nsw_rtt r;
	int i;

	/* Steady 200 ms after a 1 ms start: SRTT converges, RTTVAR decays. */
	nsw_rtt_init(&r);
	nsw_rtt_sample(&r, 1000);
	for (i = 0; i < 200; i++)
		nsw_rtt_sample(&r, 200000);
	CHECK(r.srtt_us > 199000 && r.srtt_us <= 200000);
	CHECK(r.rttvar_us < 1000);
	CHECK(r.rto_us >= r.srtt_us && r.rto_us < 205000);

	/* Jitter widens the timeout beyond the mean. */
	for (i = 0; i < 200; i++)
		nsw_rtt_sample(&r, i % 2 ? 100000 : 300000);
	CHECK(r.rto_us > 300000);
}

static void test_exact_update(void)
{
	struct nsw_rtt r;

	/* One step of 2.3 by hand: RTTVAR = 3/4*20000 + 1/4*|40000-60000|,
	 * SRTT = 7/8*40000 + 1/8*60000.
	 */
	nsw_rtt_init(&r);
	nsw_rtt_sample(&r, 40000);
	nsw_rtt_sample(&r, 60000);
	CHECK_EQ(r.rttvar_us, 15000 + 5000);
	CHECK_EQ(r.srtt_us, 35000 + 7500);
	CHECK_EQ(r.rto_us, 42500 + 4 * 20000);
}

static void test_overtaken(void)
{
	struct nsw_rtt r;
	const u64 ms = 1000000;

	nsw_rtt_init(&r);
	/* No RTT yet: only the timeout decides. */
	nsw_rtt_delivered(&r, NSW_RTT_STORE, 20 * ms);
	CHECK(!nsw_rtt_overtaken(&r, NSW_RTT_STORE, 10 * ms, 1000 * ms));

	nsw_rtt_sample(&r, 4000);		/* srtt 4 ms: waits 5 ms */
	/* Sent at 10 ms; one sent at 20 ms was answered. */
	CHECK(!nsw_rtt_overtaken(&r, NSW_RTT_STORE, 10 * ms, 14 * ms));
	CHECK(!nsw_rtt_overtaken(&r, NSW_RTT_STORE, 10 * ms, 15 * ms - 1));
	CHECK(nsw_rtt_overtaken(&r, NSW_RTT_STORE, 10 * ms, 15 * ms));
	CHECK(nsw_rtt_overtaken(&r, NSW_RTT_STORE, 10 * ms, 40 * ms));
	/* Sent at or after the last answered one: nothing overtook it. */
	CHECK(!nsw_rtt_overtaken(&r, NSW_RTT_STORE, 20 * ms, 100 * ms));
	CHECK(!nsw_rtt_overtaken(&r, NSW_RTT_STORE, 30 * ms, 100 * ms));
	/* Not sent yet, or "now" read before it was sent. */
	CHECK(!nsw_rtt_overtaken(&r, NSW_RTT_STORE, 0, 100 * ms));
	CHECK(!nsw_rtt_overtaken(&r, NSW_RTT_STORE, 10 * ms, 9 * ms));

	/* An answer to an earlier request does not move the mark back. */
	nsw_rtt_delivered(&r, NSW_RTT_STORE, 5 * ms);
	CHECK_EQ(r.delivered_ns[NSW_RTT_STORE], 20 * ms);
	nsw_rtt_delivered(&r, NSW_RTT_STORE, 35 * ms);
	CHECK(nsw_rtt_overtaken(&r, NSW_RTT_STORE, 30 * ms, 100 * ms));

	/* Kinds are judged apart: a LOAD answered passes no STORE. */
	nsw_rtt_delivered(&r, NSW_RTT_LOAD, 90 * ms);
	CHECK(!nsw_rtt_overtaken(&r, NSW_RTT_STORE, 40 * ms, 100 * ms));
	CHECK(nsw_rtt_overtaken(&r, NSW_RTT_LOAD, 40 * ms, 100 * ms));
	CHECK(!nsw_rtt_overtaken(&r, NSW_RTT_LOAD, 90 * ms, 200 * ms));
}

int main(void)
{
	test_initial();
	test_first_sample();
	test_floor_and_ceiling();
	test_converges();
	test_exact_update();
	test_overtaken();
	return test_summary("test_rtt");
}
