// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs, see sysfs.h. Documentation/ABI/testing/sysfs-kernel-netswap
 * describes each file.
 *
 * Lifetime: a peer's directory holds a reference to the peer, dropped in
 * its release. Removing the directory (kobject_del) waits for any show()
 * still running, so show() always sees a live peer.
 */
#include "netswap.h"

#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "sysfs.h"
#include "peer.h"
#include "disk.h"
#include "store.h"
#include "../include/uapi/netswap.h"

struct nsw_peer_kobj {
	struct kobject kobj;
	struct nsw_peer *peer;
};

static struct kobject *nsw_kobj, *nsw_peers_kobj;

static struct nsw_peer *nsw_kobj_peer(struct kobject *kobj)
{
	return container_of(kobj, struct nsw_peer_kobj, kobj)->peer;
}

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	static const char *const names[] = {
		[NETSWAP_PEER_UP]	= "up",
		[NETSWAP_PEER_SUSPECT]	= "suspect",
		[NETSWAP_PEER_DOWN]	= "down",
	};
	u8 state = READ_ONCE(nsw_kobj_peer(kobj)->state);

	return sysfs_emit(buf, "%s\n",
			  state < ARRAY_SIZE(names) ? names[state] : "unknown");
}

static ssize_t rtt_us_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(nsw_kobj_peer(kobj)->rtt.srtt_us));
}

static ssize_t page_datagrams_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  nsw_peer_page_dgrams(nsw_kobj_peer(kobj)));
}

static ssize_t cwnd_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(nsw_kobj_peer(kobj)->cwnd.cwnd));
}

/* A peer's atomic64_t counter, found by its offset in struct nsw_peer. */
struct nsw_counter_attr {
	struct kobj_attribute attr;
	size_t offset;
};

static ssize_t nsw_counter_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	const struct nsw_counter_attr *ca =
		container_of(attr, struct nsw_counter_attr, attr);
	const atomic64_t *counter = (void *)nsw_kobj_peer(kobj) + ca->offset;

	return sysfs_emit(buf, "%lld\n", atomic64_read(counter));
}

#define NSW_COUNTER_ATTR(_name, _field)					\
static struct nsw_counter_attr nsw_attr_##_name = {			\
	.attr	= __ATTR(_name, 0444, nsw_counter_show, NULL),		\
	.offset	= offsetof(struct nsw_peer, _field),			\
}

NSW_COUNTER_ATTR(pages_placed, placed);
NSW_COUNTER_ATTR(stores, tx_stores);
NSW_COUNTER_ATTR(loads, tx_loads);
NSW_COUNTER_ATTR(frees, tx_frees);
NSW_COUNTER_ATTR(errors, tx_errors);
NSW_COUNTER_ATTR(retransmits, retransmits);
NSW_COUNTER_ATTR(crc_errors, crc_errors);
NSW_COUNTER_ATTR(reclaimed_pages, reclaimed_pages);
NSW_COUNTER_ATTR(pages_held, held);
NSW_COUNTER_ATTR(tx_bytes, tx_bytes);
NSW_COUNTER_ATTR(rx_bytes, rx_bytes);

/* A peer's limit (pages inside, bytes outside, as in netlink). */
static ssize_t place_limit_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(nsw_kobj_peer(kobj)->place_limit) << PAGE_SHIFT);
}

static ssize_t lend_limit_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(nsw_kobj_peer(kobj)->lend_limit) << PAGE_SHIFT);
}

static struct kobj_attribute nsw_attr_state = __ATTR_RO(state);
static struct kobj_attribute nsw_attr_rtt_us = __ATTR_RO(rtt_us);
static struct kobj_attribute nsw_attr_page_datagrams =
	__ATTR_RO(page_datagrams);
static struct kobj_attribute nsw_attr_cwnd = __ATTR_RO(cwnd);
static struct kobj_attribute nsw_attr_place_limit = __ATTR_RO(place_limit);
static struct kobj_attribute nsw_attr_lend_limit = __ATTR_RO(lend_limit);

static struct attribute *nsw_peer_attrs[] = {
	&nsw_attr_state.attr,
	&nsw_attr_rtt_us.attr,
	&nsw_attr_page_datagrams.attr,
	&nsw_attr_cwnd.attr,
	&nsw_attr_pages_placed.attr.attr,
	&nsw_attr_stores.attr.attr,
	&nsw_attr_loads.attr.attr,
	&nsw_attr_frees.attr.attr,
	&nsw_attr_errors.attr.attr,
	&nsw_attr_retransmits.attr.attr,
	&nsw_attr_crc_errors.attr.attr,
	&nsw_attr_reclaimed_pages.attr.attr,
	&nsw_attr_pages_held.attr.attr,
	&nsw_attr_tx_bytes.attr.attr,
	&nsw_attr_rx_bytes.attr.attr,
	&nsw_attr_place_limit.attr,
	&nsw_attr_lend_limit.attr,
	NULL,
};
ATTRIBUTE_GROUPS(nsw_peer);

/* /sys/kernel/netswap/: the device and the store, node-wide. */
static ssize_t nsw_global_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	static const char *const states[] = {
		[NETSWAP_DEV_NONE]	= "none",
		[NETSWAP_DEV_IDLE]	= "idle",
		[NETSWAP_DEV_OPEN]	= "open",
	};
	const char *name = attr->attr.name;
	struct nsw_dev_info dev;
	u64 quota, used;

	if (!strcmp(name, "device_state")) {
		nsw_disk_info(&dev);
		return sysfs_emit(buf, "%s\n", states[dev.state]);
	}
	nsw_store_usage(&quota, &used);
	if (!strcmp(name, "lend_limit"))
		return sysfs_emit(buf, "%llu\n", quota << PAGE_SHIFT);
	return sysfs_emit(buf, "%llu\n", used);	/* lend_used_pages */
}

#define NSW_GLOBAL_ATTR(_name)						\
static struct kobj_attribute nsw_global_##_name =			\
	__ATTR(_name, 0444, nsw_global_show, NULL)

NSW_GLOBAL_ATTR(device_state);
NSW_GLOBAL_ATTR(lend_limit);
NSW_GLOBAL_ATTR(lend_used_pages);

/* One file per entry of nsw_dev_counters[], made by nsw_sysfs_init(). */
static struct kobj_attribute nsw_dev_attrs[NSW_DEV_COUNTERS];

static ssize_t nsw_dev_counter_show(struct kobject *kobj,
				    struct kobj_attribute *attr, char *buf)
{
	struct nsw_dev_info dev;

	nsw_disk_info(&dev);
	return sysfs_emit(buf, "%llu\n",
			  nsw_dev_counter(&dev, attr - nsw_dev_attrs));
}

/* The files of nsw_global_show(), then nsw_dev_attrs[], then NULL. */
#define NSW_GLOBAL_OWN	3

static struct attribute *nsw_global_attrs[NSW_GLOBAL_OWN + NSW_DEV_COUNTERS + 1] = {
	&nsw_global_device_state.attr,
	&nsw_global_lend_limit.attr,
	&nsw_global_lend_used_pages.attr,
};

static const struct attribute_group nsw_global_group = {
	.attrs = nsw_global_attrs,
};

static void nsw_peer_kobj_release(struct kobject *kobj)
{
	struct nsw_peer_kobj *pk = container_of(kobj, struct nsw_peer_kobj,
						kobj);

	nsw_peer_put(pk->peer);
	kfree(pk);
}

static const struct kobj_type nsw_peer_ktype = {
	.release	= nsw_peer_kobj_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= nsw_peer_groups,
};

/* Process context, with a reference to @peer held by the caller. */
int nsw_sysfs_peer_add(struct nsw_peer *peer)
{
	struct nsw_peer_kobj *pk;
	int err;

	pk = kzalloc(sizeof(*pk), GFP_KERNEL);
	if (!pk)
		return -ENOMEM;
	kref_get(&peer->ref);
	pk->peer = peer;
	err = kobject_init_and_add(&pk->kobj, &nsw_peer_ktype, nsw_peers_kobj,
				   "%pISpc", &peer->shown);
	if (err) {
		/* The release drops the peer and frees pk. */
		kobject_put(&pk->kobj);
		return err;
	}
	peer->kobj = &pk->kobj;
	return 0;
}

void nsw_sysfs_peer_del(struct nsw_peer *peer)
{
	struct kobject *kobj = peer->kobj;

	if (!kobj)
		return;
	peer->kobj = NULL;
	kobject_del(kobj);
	kobject_put(kobj);
}

int nsw_sysfs_init(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < NSW_DEV_COUNTERS; i++) {
		struct kobj_attribute *a = &nsw_dev_attrs[i];

		sysfs_attr_init(&a->attr);
		a->attr.name = nsw_dev_counters[i].file;
		a->attr.mode = 0444;
		a->show = nsw_dev_counter_show;
		nsw_global_attrs[NSW_GLOBAL_OWN + i] = &a->attr;
	}

	nsw_kobj = kobject_create_and_add("netswap", kernel_kobj);
	if (!nsw_kobj)
		return -ENOMEM;
	nsw_peers_kobj = kobject_create_and_add("peers", nsw_kobj);
	if (!nsw_peers_kobj) {
		err = -ENOMEM;
		goto err_kobj;
	}
	return 0;

err_kobj:
	kobject_put(nsw_kobj);
	return err;
}

/*
 * The node-wide files read the device and the store: they exist only
 * while both do (removing the group waits for a show() in progress).
 */
int nsw_sysfs_global_add(void)
{
	return sysfs_create_group(nsw_kobj, &nsw_global_group);
}

void nsw_sysfs_global_del(void)
{
	sysfs_remove_group(nsw_kobj, &nsw_global_group);
}

void nsw_sysfs_exit(void)
{
	kobject_put(nsw_peers_kobj);
	kobject_put(nsw_kobj);
}
