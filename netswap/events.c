// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: Events
 *
 * Events for netswapctl monitor are posted from everywhere: the block
 * I/O path under reclaim, the receive softirq, workers. Posting therefore
 * allocates nothing and never sleeps: the event goes into a small ring
 * under a spinlock, and a work item turns the ring into netlink messages
 * (netlink.c). A full ring drops the event (with a rate-limited dmesg
 * line); events are hints for people and tools, the state itself is
 * always in PEER_GET.
 *
 * Callers post on a change only (a peer's state moves, a limit starts
 * refusing), not once per page, so the ring stays nearly empty.
 *
 * Lifetime: posting works between nsw_events_start() (after the family
 * is registered) and nsw_events_stop() (before it is unregistered);
 * outside that window posts are dropped silently.
 */
#include "netswap.h"

#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "events.h"
#include "netlink.h"
#include "peer.h"
#include "uapi/netswap.h"

#define NSW_EVENT_RING	64

static struct {
	spinlock_t lock;		/* everything below */
	bool running;
	unsigned int head, len;
	struct nsw_event ring[NSW_EVENT_RING];
	struct work_struct work;
} nsw_events = {
	.lock = __SPIN_LOCK_UNLOCKED(nsw_events.lock),
};

/* Any context. @peer may be NULL (NETSWAP_EVENT_STORE_FULL). */
void nsw_event_post(u8 type, const struct nsw_peer *peer)
{
	struct nsw_event *ev;
	unsigned long flags;

	spin_lock_irqsave(&nsw_events.lock, flags);
	if (!nsw_events.running) {
		spin_unlock_irqrestore(&nsw_events.lock, flags);
		return;
	}
	if (nsw_events.len == NSW_EVENT_RING) {
		spin_unlock_irqrestore(&nsw_events.lock, flags);
		pr_warn_ratelimited("event ring full, an event was dropped\n");
		return;
	}
	ev = &nsw_events.ring[(nsw_events.head + nsw_events.len) %
			      NSW_EVENT_RING];
	nsw_events.len++;
	ev->type = type;
	ev->has_peer = peer;
	if (peer) {
		ev->addr = peer->addr;
		ev->state = READ_ONCE(peer->state);
	}
	/* system_wq: events must not compete with the I/O path's nsw_wq. */
	schedule_work(&nsw_events.work);
	spin_unlock_irqrestore(&nsw_events.lock, flags);
}

static void nsw_events_work(struct work_struct *work)
{
	struct nsw_event ev;

	for (;;) {
		spin_lock_irq(&nsw_events.lock);
		if (!nsw_events.len) {
			spin_unlock_irq(&nsw_events.lock);
			return;
		}
		ev = nsw_events.ring[nsw_events.head];
		nsw_events.head = (nsw_events.head + 1) % NSW_EVENT_RING;
		nsw_events.len--;
		spin_unlock_irq(&nsw_events.lock);
		nsw_genl_event(&ev);
	}
}

void nsw_events_start(void)
{
	INIT_WORK(&nsw_events.work, nsw_events_work);
	spin_lock_irq(&nsw_events.lock);
	nsw_events.running = true;
	spin_unlock_irq(&nsw_events.lock);
}

void nsw_events_stop(void)
{
	spin_lock_irq(&nsw_events.lock);
	nsw_events.running = false;
	nsw_events.len = 0;
	spin_unlock_irq(&nsw_events.lock);
	cancel_work_sync(&nsw_events.work);
}
