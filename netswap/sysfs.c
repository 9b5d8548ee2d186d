// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs, see sysfs.h. Documentation/ABI/testing/sysfs-kernel-netswap
 * describes each file.
 */
#include "netswap.h"

#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "sysfs.h"
#include "disk.h"
#include "store.h"
#include "uapi/netswap.h"

static struct kobject *nsw_kobj;

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

int nsw_sysfs_init(void)
{
	unsigned int i;

	for (i = 0; i < NSW_DEV_COUNTERS; i++) {
		struct kobj_attribute *a = &nsw_dev_attrs[i];

		sysfs_attr_init(&a->attr);
		a->attr.name = nsw_dev_counters[i].file;
		a->attr.mode = 0444;
		a->show = nsw_dev_counter_show;
		nsw_global_attrs[NSW_GLOBAL_OWN + i] = &a->attr;
	}

	nsw_kobj = kobject_create_and_add("netswap", kernel_kobj);
	return nsw_kobj ? 0 : -ENOMEM;
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
	kobject_put(nsw_kobj);
}
