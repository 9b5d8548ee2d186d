/* SPDX-License-Identifier: GPL-2.0 */
/**
 * DOC: Sessions and epochs
 *
 * The client's session with each store (protocol.rst, "Sessions" and
 * "Epochs"). A RESET begins it and tells the store's epoch and where the
 * session's request numbers start; a reply with another epoch, or the
 * status NOSESSION, ends it: the store restarted (or forgot us), and
 * every page of ours it held is gone.
 *
 * peer->session packs what a reply or a map entry is checked against
 * into one word, read whole: whether a session is up, the session's
 * number among this peer's (map entries carry it), and the epoch.
 * nsw_session_begin() and nsw_session_lost() are its only writers.
 */
#ifndef _NSW_SESSION_H
#define _NSW_SESSION_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/types.h>

struct nsw_peer;
struct nsw_msg;

#define NSW_SESS_UP		BIT(23)
#define NSW_SESS_NR_SHIFT	16
#define NSW_SESS_NR_BITS	7
#define NSW_SESS_NR_MASK	GENMASK(22, 16)
#define NSW_SESS_EPOCH_MASK	GENMASK(15, 0)

static inline bool nsw_sess_up(u32 sess)
{
	return sess & NSW_SESS_UP;
}

/* The session's number, as map entries carry it. */
static inline u32 nsw_sess_nr(u32 sess)
{
	return (sess & NSW_SESS_NR_MASK) >> NSW_SESS_NR_SHIFT;
}

static inline u16 nsw_sess_epoch(u32 sess)
{
	return sess & NSW_SESS_EPOCH_MASK;
}

int nsw_session_begin(struct nsw_peer *peer);
int nsw_session_reset(struct nsw_peer *peer, u64 *reply);
void nsw_session_lost(struct nsw_peer *peer, u32 sess);
bool nsw_session_check(struct nsw_peer *peer, const struct nsw_msg *m);
u64 nsw_session_handle(struct nsw_peer *peer, u64 entry);

#endif /* _NSW_SESSION_H */
