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
		[NSW_PEER_UP]		= "up",
		[NSW_PEER_SUSPECT]	= "suspect",
		[NSW_PEER_DOWN]		= "down",
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

static struct kobj_attribute nsw_attr_state = __ATTR_RO(state);
static struct kobj_attribute nsw_attr_rtt_us = __ATTR_RO(rtt_us);

static struct attribute *nsw_peer_attrs[] = {
	&nsw_attr_state.attr,
	&nsw_attr_rtt_us.attr,
	&nsw_attr_pages_placed.attr.attr,
	&nsw_attr_stores.attr.attr,
	&nsw_attr_loads.attr.attr,
	&nsw_attr_frees.attr.attr,
	&nsw_attr_errors.attr.attr,
	&nsw_attr_retransmits.attr.attr,
	&nsw_attr_crc_errors.attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(nsw_peer);

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
	nsw_kobj = kobject_create_and_add("netswap", kernel_kobj);
	if (!nsw_kobj)
		return -ENOMEM;
	nsw_peers_kobj = kobject_create_and_add("peers", nsw_kobj);
	if (!nsw_peers_kobj) {
		kobject_put(nsw_kobj);
		return -ENOMEM;
	}
	return 0;
}

void nsw_sysfs_exit(void)
{
	kobject_put(nsw_peers_kobj);
	kobject_put(nsw_kobj);
}
