// SPDX-License-Identifier: GPL-2.0
/*
 * netswap: swap to the RAM of peer nodes.
 *
 * Module parameters and the order in which the parts come up and go down.
 * Exit is the exact reverse of init; each part's exit assumes the parts
 * set up after it are gone.
 */
#include "netswap.h"

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/workqueue.h>

#include "peer.h"
#include "store.h"
#include "transport.h"
#include "disk.h"
#include "netlink.h"
#include "liveness.h"
#include "audit.h"
#include "events.h"
#include "readahead.h"

unsigned short nsw_port = NSW_DEFAULT_PORT;
module_param_named(port, nsw_port, ushort, 0444);
MODULE_PARM_DESC(port, "UDP port for both roles (default 7878)");

unsigned int nsw_size_mb;
module_param_named(size_mb, nsw_size_mb, uint, 0444);
MODULE_PARM_DESC(size_mb, "Size of /dev/netswap0 in MiB; 0: no device, store role only");

unsigned int nsw_lend_mb;
module_param_named(lend_mb, nsw_lend_mb, uint, 0444);
MODULE_PARM_DESC(lend_mb, "RAM this node lends to peers, in MiB (default 0: none)");

/*
 * The writable parameters take values in a range only: io_timeout_ms=0
 * would fail every I/O, keepalive_ms=0 ping without pause.
 */
static int nsw_param_set_range(const char *val, const struct kernel_param *kp,
			       unsigned int min, unsigned int max)
{
	unsigned int v;
	int err;

	err = kstrtouint(val, 0, &v);
	if (err)
		return err;
	if (v < min || v > max)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

#define NSW_PARAM_RANGE(name, min, max)					\
static int nsw_param_set_##name(const char *val,			\
				const struct kernel_param *kp)		\
{									\
	return nsw_param_set_range(val, kp, min, max);			\
}									\
static const struct kernel_param_ops nsw_param_ops_##name = {		\
	.set = nsw_param_set_##name,					\
	.get = param_get_uint,						\
};									\
module_param_cb(name, &nsw_param_ops_##name, &nsw_##name, 0644)

unsigned int nsw_io_timeout_ms = 30000;
NSW_PARAM_RANGE(io_timeout_ms, 100, 86400000);
MODULE_PARM_DESC(io_timeout_ms, "Fail a page read or write after this long without an answer (default 30000)");

unsigned int nsw_keepalive_ms = 1000;
NSW_PARAM_RANGE(keepalive_ms, 100, 3600000);
MODULE_PARM_DESC(keepalive_ms, "Ping every peer this often; suspect one silent 3 times as long (default 1000)");

unsigned int nsw_peer_timeout_ms = 10000;
NSW_PARAM_RANGE(peer_timeout_ms, 100, 86400000);
MODULE_PARM_DESC(peer_timeout_ms, "Declare a peer silent for this long down: I/O on its pages fails at once (default 10000)");

unsigned int nsw_replicas = 2;
NSW_PARAM_RANGE(replicas, 1, NSW_MAX_REPLICAS);
MODULE_PARM_DESC(replicas, "Peers each page is written to, 1 to 3 (default 2)");

unsigned int nsw_lend_reserve_pct = 12;
NSW_PARAM_RANGE(lend_reserve_pct, 0, 50);
MODULE_PARM_DESC(lend_reserve_pct, "Memory this node keeps for itself, in percent of RAM, 0 to 50: the store takes no new pages within a quarter more of it, and asks pages back below it (default 12)");

unsigned int nsw_readahead_pages = 16;
NSW_PARAM_RANGE(readahead_pages, 0, NSW_RA_MAX_AHEAD);
MODULE_PARM_DESC(readahead_pages, "Pages read ahead of a sequential swap-in, at most 32; 0: off (default 16)");

struct workqueue_struct *nsw_reclaim_wq;
struct workqueue_struct *nsw_wq;

static int __init nsw_init(void)
{
	int err;

	if (!nsw_port) {
		pr_err("port must not be 0\n");
		return -EINVAL;
	}
	nsw_reclaim_wq = alloc_workqueue("netswap_reclaim",
					 WQ_MEM_RECLAIM | WQ_HIGHPRI, 0);
	if (!nsw_reclaim_wq)
		return -ENOMEM;
	nsw_wq = alloc_workqueue("netswap", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (!nsw_wq) {
		err = -ENOMEM;
		goto err_reclaim_wq;
	}
	err = nsw_store_init((unsigned long)nsw_lend_mb << (20 - PAGE_SHIFT));
	if (err)
		goto err_wq;
	err = nsw_transport_init(nsw_port);
	if (err)
		goto err_store;
	err = nsw_disk_init((u64)nsw_size_mb << 20);
	if (err)
		goto err_transport;
	nsw_liveness_start();
	nsw_audit_start();
	err = nsw_genl_init();
	if (err)
		goto err_liveness;
	nsw_events_start();
	pr_info("port %u, device %u MiB, lending %u MiB\n", nsw_port,
		nsw_size_mb, nsw_lend_mb);
	return 0;

err_liveness:
	nsw_audit_stop();
	nsw_liveness_stop();
	nsw_disk_exit();
err_transport:
	nsw_transport_exit();
	/* No requests arrive now; finish the ones queued. */
	nsw_store_stop();
	/* Peers appear with the first datagram or netlink request. */
	nsw_peers_exit();
err_store:
	nsw_store_exit();
err_wq:
	destroy_workqueue(nsw_wq);
err_reclaim_wq:
	destroy_workqueue(nsw_reclaim_wq);
	return err;
}

static void __exit nsw_exit(void)
{
	nsw_events_stop();
	nsw_genl_exit();
	nsw_audit_stop();
	nsw_liveness_stop();
	nsw_disk_exit();
	nsw_transport_exit();
	/* No reply kicks it now: cancel what the last ones queued. */
	nsw_liveness_stop();
	nsw_store_stop();
	nsw_peers_exit();
	nsw_store_exit();
	destroy_workqueue(nsw_wq);
	destroy_workqueue(nsw_reclaim_wq);
	pr_info("unloaded\n");
}

module_init(nsw_init);
module_exit(nsw_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Swap to the RAM of peer nodes over UDP");
MODULE_AUTHOR("netswap developers");
