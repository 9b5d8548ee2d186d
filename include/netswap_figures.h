/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every figure netswap.ko reports, listed once per scope. The module
 * expands these lists into its netlink replies and its sysfs files,
 * netswapctl into its parser and its printer, so a figure added here
 * appears everywhere under one name.
 *
 * X(name, NAME, TYPE, source): @name is the JSON key and the text
 * key of netswapctl and, for device figures, the file in
 * /sys/block/netswap0/; NETSWAP_A_<SCOPE>_<NAME> carries it in netlink
 * (include/uapi/netswap.h). Units are in the name. @TYPE says how it
 * travels and reads:
 *   STR         a string
 *   U8, U16, U32, U64  a number of that netlink type
 *   COUNT       u64, a count of things, now or so far ("netswapctl
 *               stats" shows these)
 *   DEV_STATE   u8, enum netswap_dev_state, shown by name
 *   PEER_STATE  u8, enum netswap_peer_state, shown by name
 *   FLAGS       u32, NETSWAP_PEER_F_* bits, shown by name
 * @source: where the module finds it (netswapctl does not use it).
 */
#ifndef _NETSWAP_FIGURES_H
#define _NETSWAP_FIGURES_H

/* The device, NETSWAP_A_DEV_*; @source: a member of struct nsw_dev_info. */
#define NSW_DEV_FIGURES(X)									\
	X(name,			NAME,			STR,		name)			\
	X(state,		STATE,			DEV_STATE,	state)			\
	X(size_bytes,		SIZE_BYTES,		U64,		size_bytes)		\
	X(mapped_pages,		MAPPED_PAGES,		COUNT,		mapped_pages)		\
	X(openers,		OPENERS,		U32,		openers)		\
	X(read_pages,		READ_PAGES,		COUNT,		read_pages)		\
	X(written_pages,	WRITTEN_PAGES,		COUNT,		written_pages)		\
	X(discarded_pages,	DISCARDED_PAGES,	COUNT,		discarded_pages)	\
	X(failed_requests,	FAILED_REQUESTS,	COUNT,		failed_requests)	\
	X(readahead_loaded_pages, READAHEAD_LOADED_PAGES, COUNT,	readahead_loaded_pages)	\
	X(readahead_hit_pages,	READAHEAD_HIT_PAGES,	COUNT,		readahead_hit_pages)	\
	X(readahead_unused_pages, READAHEAD_UNUSED_PAGES, COUNT,	readahead_unused_pages)	\
	X(replicas,		REPLICAS,		U32,		replicas)		\
	X(degraded_pages,	DEGRADED_PAGES,		COUNT,		degraded_pages)		\
	X(copied_pages,		COPIED_PAGES,		COUNT,		copied_pages)		\
	X(dropped_pages,	DROPPED_PAGES,		COUNT,		dropped_pages)

/* The store, NETSWAP_A_STORE_*; @source: a member of struct nsw_store_info. */
#define NSW_STORE_FIGURES(X)									\
	X(port,			PORT,			U16,		port)			\
	X(lend_limit_bytes,	LEND_LIMIT_BYTES,	U64,		lend_limit_bytes)	\
	X(lent_pages,		LENT_PAGES,		COUNT,		lent_pages)		\
	X(draining,		DRAINING,		U8,		draining)		\
	X(give_back_pages,	GIVE_BACK_PAGES,	U64,		give_back_pages)

/*
 * A peer's settings and state, NETSWAP_A_PEER_*, after its address and
 * port; @source: a member of struct nsw_peer_info.
 */
#define NSW_PEER_FIGURES(X)									\
	X(flags,		FLAGS,			FLAGS,		flags)			\
	X(state,		STATE,			PEER_STATE,	state)			\
	X(rtt_us,		RTT_US,			U32,		rtt_us)			\
	X(page_datagrams,	PAGE_DATAGRAMS,		U32,		page_datagrams)		\
	X(cwnd_pages,		CWND_PAGES,		U32,		cwnd_pages)		\
	X(place_limit_bytes,	PLACE_LIMIT_BYTES,	U64,		place_limit_bytes)	\
	X(lend_limit_bytes,	LEND_LIMIT_BYTES,	U64,		lend_limit_bytes)	\
	X(degraded_pages,	DEGRADED_PAGES,		COUNT,		degraded_pages)	\
	X(give_back_pages,	GIVE_BACK_PAGES,	U64,		give_back_pages)	\
	X(room_pages,		ROOM_PAGES,		U64,		room_pages)

/*
 * A peer's counters, NETSWAP_A_PEER_*; @source: the atomic64_t of struct
 * nsw_peer that counts it. The client role (our pages on that peer), the
 * store role (its pages here), then the UDP payload sent to it and taken
 * from it in both roles.
 */
#define NSW_PEER_COUNTERS(X)									\
	X(placed_pages,		PLACED_PAGES,		COUNT,		placed_pages)		\
	X(tx_store_pages,	TX_STORE_PAGES,		COUNT,		tx_store_pages)		\
	X(tx_load_pages,	TX_LOAD_PAGES,		COUNT,		tx_load_pages)		\
	X(tx_free_pages,	TX_FREE_PAGES,		COUNT,		tx_free_pages)		\
	X(failed_requests,	FAILED_REQUESTS,	COUNT,		failed_requests)	\
	X(retransmitted_requests, RETRANSMITTED_REQUESTS, COUNT,	retransmitted_requests)	\
	X(checksum_error_pages,	CHECKSUM_ERROR_PAGES,	COUNT,		checksum_error_pages)	\
	X(reclaimed_pages,	RECLAIMED_PAGES,	COUNT,		reclaimed_pages)	\
	X(held_pages,		HELD_PAGES,		COUNT,		held_pages)		\
	X(rx_store_pages,	RX_STORE_PAGES,		COUNT,		rx_store_pages)		\
	X(rx_load_pages,	RX_LOAD_PAGES,		COUNT,		rx_load_pages)		\
	X(rx_free_pages,	RX_FREE_PAGES,		COUNT,		rx_free_pages)		\
	X(rx_full_pages,	RX_FULL_PAGES,		COUNT,		rx_full_pages)		\
	X(tx_bytes,		TX_BYTES,		COUNT,		tx_bytes)		\
	X(rx_bytes,		RX_BYTES,		COUNT,		rx_bytes)

/*
 * Datagrams dropped on receipt, NETSWAP_A_RX_DROPPED_*, by reason;
 * @source: the reason, an index of nsw_rx_dropped[].
 */
#define NSW_RX_DROPPED_FIGURES(X)								\
	X(short,		SHORT,			COUNT,		NSW_WERR_SHORT)		\
	X(magic,		MAGIC,			COUNT,		NSW_WERR_MAGIC)		\
	X(version,		VERSION,		COUNT,		NSW_WERR_VERSION)	\
	X(type,			TYPE,			COUNT,		NSW_WERR_TYPE)		\
	X(flags,		FLAGS,			COUNT,		NSW_WERR_FLAGS)		\
	X(len,			LEN,			COUNT,		NSW_WERR_LEN)		\
	X(stale,		STALE,			COUNT,		NSW_RX_STALE)		\
	X(handle,		HANDLE,			COUNT,		NSW_RX_HANDLE)		\
	X(reserved,		RESERVED,		COUNT,		NSW_WERR_RESERVED)	\
	X(nothost,		NOTHOST,		COUNT,		NSW_RX_NOTHOST)		\
	X(backlog,		BACKLOG,		COUNT,		NSW_RX_BACKLOG)

/*
 * The names of enum netswap_dev_state and enum netswap_peer_state, as
 * sysfs and netswapctl show them: X(name, ENUM).
 */
#define NSW_DEV_STATES(X)									\
	X(none,			NETSWAP_DEV_NONE)						\
	X(idle,			NETSWAP_DEV_IDLE)						\
	X(open,			NETSWAP_DEV_OPEN)

#define NSW_PEER_STATES(X)									\
	X(up,			NETSWAP_PEER_UP)						\
	X(suspect,		NETSWAP_PEER_SUSPECT)						\
	X(down,			NETSWAP_PEER_DOWN)						\
	X(draining,		NETSWAP_PEER_DRAINING)

#endif /* _NETSWAP_FIGURES_H */
