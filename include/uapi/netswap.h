/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * netswap generic netlink API, shared by netswap.ko and netswapctl.
 *
 * Family NETSWAP_GENL_NAME, version NETSWAP_GENL_VERSION. All requests that
 * change state need CAP_NET_ADMIN. Errors carry an extack message.
 *
 * NETSWAP_CMD_PEER_ADD (doit)
 *   Adds a peer this node may place its swapped-out pages on.
 *   in:  NETSWAP_A_PEER_ADDR  binary, 4 bytes (IPv4) or 16 bytes (IPv6),
 *                             network byte order
 *        NETSWAP_A_PEER_PORT  u16, host byte order; optional, defaults to
 *                             the module parameter "port"
 *
 * NETSWAP_CMD_PEER_DEL (doit)
 *   Removes a peer. Refused with EBUSY while the peer holds pages of ours;
 *   frees every page this node stores for that peer.
 *   in:  NETSWAP_A_PEER_ADDR, NETSWAP_A_PEER_PORT as for PEER_ADD
 *
 * NETSWAP_CMD_PEER_GET (dumpit)
 *   One message per known peer: configured ones (PEER_ADD) and the ones
 *   learned because they store pages here.
 *   out: NETSWAP_A_PEER_ADDR, NETSWAP_A_PEER_PORT,
 *        NETSWAP_A_PEER_FLAGS          u32, NETSWAP_PEER_F_*
 *        NETSWAP_A_PEER_STATE          u8, enum netswap_peer_state (only
 *                                          peers this node swaps to)
 *        NETSWAP_A_PEER_RTT_US         u32, smoothed round trip; 0: none
 *     client role, this node's pages on that peer:
 *        NETSWAP_A_PEER_PAGES_PLACED   u64, pages stored there now
 *        NETSWAP_A_PEER_TX_STORES      u64, pages written there
 *        NETSWAP_A_PEER_TX_LOADS       u64, pages read back
 *        NETSWAP_A_PEER_TX_FREES       u64, remote copies freed
 *        NETSWAP_A_PEER_TX_ERRORS      u64, requests that failed
 *        NETSWAP_A_PEER_RETRANSMITS    u64, requests sent again on timeout
 *        NETSWAP_A_PEER_CRC_ERRORS     u64, pages that came back altered
 *                                          (each failed its read)
 *     store role, that peer's pages in this node's RAM:
 *        NETSWAP_A_PEER_PAGES_HELD     u64, pages held now
 *        NETSWAP_A_PEER_RX_STORES      u64, pages accepted (duplicates
 *                                          not counted)
 *        NETSWAP_A_PEER_RX_LOADS       u64, pages sent back
 *        NETSWAP_A_PEER_RX_FREES       u64, pages freed on its request
 *        NETSWAP_A_PEER_RX_FULL        u64, stores refused for quota
 *
 * NETSWAP_CMD_DEV_GET (doit)
 *   out: NETSWAP_A_DEV_NAME            string, e.g. "netswap0"
 *        NETSWAP_A_DEV_SIZE            u64, bytes
 *        NETSWAP_A_DEV_PAGES_MAPPED    u64, device pages stored remotely
 *        NETSWAP_A_DEV_OPEN_COUNT      u32, holders of the block device
 *        NETSWAP_A_PORT                u16, local UDP port
 *        NETSWAP_A_STORE_QUOTA_PAGES   u64, pages this node lends at most
 *        NETSWAP_A_STORE_PAGES_USED    u64, pages it holds for peers now
 *     datagrams dropped on receipt, by reason (u64 each):
 *        NETSWAP_A_RX_DROP_SHORT       shorter than a header
 *        NETSWAP_A_RX_DROP_MAGIC       not a netswap datagram
 *        NETSWAP_A_RX_DROP_VERSION     a protocol version we do not speak
 *        NETSWAP_A_RX_DROP_TYPE        unknown message type
 *        NETSWAP_A_RX_DROP_FLAGS       header flags we do not implement
 *        NETSWAP_A_RX_DROP_LEN         payload length wrong for the type
 *        NETSWAP_A_RX_DROP_STALE       reply to no request in flight
 */
#ifndef _UAPI_NETSWAP_H
#define _UAPI_NETSWAP_H

#define NETSWAP_GENL_NAME	"netswap"
#define NETSWAP_GENL_VERSION	1

enum netswap_cmd {
	NETSWAP_CMD_UNSPEC,
	NETSWAP_CMD_PEER_ADD,
	NETSWAP_CMD_PEER_DEL,
	NETSWAP_CMD_PEER_GET,
	NETSWAP_CMD_DEV_GET,
	__NETSWAP_CMD_MAX
};

#define NETSWAP_CMD_MAX (__NETSWAP_CMD_MAX - 1)

/* NETSWAP_A_PEER_STATE: is the peer answering? */
enum netswap_peer_state {
	NETSWAP_PEER_UP,	/* answering */
	NETSWAP_PEER_SUSPECT,	/* silent for 3 keepalive intervals */
	NETSWAP_PEER_DOWN,	/* silent for peer_timeout_ms: I/O fails */
};

/* NETSWAP_A_PEER_FLAGS */
enum netswap_peer_flags {
	NETSWAP_PEER_F_CONFIGURED	= 1U << 0, /* added by PEER_ADD */
	NETSWAP_PEER_F_LEARNED		= 1U << 1, /* stores pages here */
};

enum netswap_attr {
	NETSWAP_A_UNSPEC,
	NETSWAP_A_PAD,
	NETSWAP_A_PEER_ADDR,
	NETSWAP_A_PEER_PORT,
	NETSWAP_A_PEER_FLAGS,
	NETSWAP_A_PEER_PAGES_PLACED,
	NETSWAP_A_PEER_TX_STORES,
	NETSWAP_A_PEER_TX_LOADS,
	NETSWAP_A_PEER_TX_FREES,
	NETSWAP_A_PEER_TX_ERRORS,
	NETSWAP_A_PEER_RETRANSMITS,
	NETSWAP_A_PEER_PAGES_HELD,
	NETSWAP_A_PEER_RX_STORES,
	NETSWAP_A_PEER_RX_LOADS,
	NETSWAP_A_PEER_RX_FREES,
	NETSWAP_A_PEER_RX_FULL,
	NETSWAP_A_DEV_NAME,
	NETSWAP_A_DEV_SIZE,
	NETSWAP_A_DEV_PAGES_MAPPED,
	NETSWAP_A_DEV_OPEN_COUNT,
	NETSWAP_A_PORT,
	NETSWAP_A_STORE_QUOTA_PAGES,
	NETSWAP_A_STORE_PAGES_USED,
	NETSWAP_A_PEER_CRC_ERRORS,
	NETSWAP_A_RX_DROP_SHORT,
	NETSWAP_A_RX_DROP_MAGIC,
	NETSWAP_A_RX_DROP_VERSION,
	NETSWAP_A_RX_DROP_TYPE,
	NETSWAP_A_RX_DROP_FLAGS,
	NETSWAP_A_RX_DROP_LEN,
	NETSWAP_A_RX_DROP_STALE,
	NETSWAP_A_PEER_STATE,
	NETSWAP_A_PEER_RTT_US,
	__NETSWAP_A_MAX
};

#define NETSWAP_A_MAX (__NETSWAP_A_MAX - 1)

#endif /* _UAPI_NETSWAP_H */
