// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs, see sysfs.h. Documentation/ABI/testing/sysfs-block-netswap
 * describes each file.
 */
#include "netswap.h"

#include <linux/device.h>
#include <linux/sysfs.h>

#include "sysfs.h"
#include "disk.h"
#include "figures.h"
#include "uapi/netswap.h"

/* A device figure and the file that shows it. */
struct nsw_dev_attr {
	struct device_attribute attr;
	struct nsw_figure fig;
};

#define NSW_STATE_NAME(_name, _enum)					\
	[_enum] = #_name,

static const char *const nsw_dev_states[] = {
	NSW_DEV_STATES(NSW_STATE_NAME)
};

static ssize_t nsw_dev_attr_show(struct device *d,
				 struct device_attribute *attr, char *buf)
{
	const struct nsw_figure *f =
		&container_of(attr, struct nsw_dev_attr, attr)->fig;
	struct nsw_dev_info info;
	u64 v;

	nsw_disk_info(&info);
	if (f->type == NSW_FIG_STR)
		return sysfs_emit(buf, "%s\n", nsw_figure_str(f, &info));
	v = nsw_figure_u64(f, &info);
	if (f->type == NSW_FIG_DEV_STATE)
		return sysfs_emit(buf, "%s\n", v < ARRAY_SIZE(nsw_dev_states) ?
				  nsw_dev_states[v] : "unknown");
	return sysfs_emit(buf, "%llu\n", v);
}

/* One file per device figure, named after it. */
#define NSW_DEV_ATTR(_name, _attr, _type, _member) {			\
	.attr	= __ATTR(_name, 0444, nsw_dev_attr_show, NULL),		\
	.fig	= {							\
		.attr	= NETSWAP_A_DEV_##_attr,			\
		.type	= NSW_FIG_##_type,				\
		.offset	= offsetof(struct nsw_dev_info, _member),	\
	},								\
},

static struct nsw_dev_attr nsw_dev_attrs[] __ro_after_init = {
	NSW_DEV_FIGURES(NSW_DEV_ATTR)
};

#define NSW_DEV_INDEX(_name, ...)	NSW_DEV_I_##_name,

enum { NSW_DEV_FIGURES(NSW_DEV_INDEX) NSW_DEV_NR };

#define NSW_DEV_ATTR_PTR(_name, ...)					\
	(&nsw_dev_attrs[NSW_DEV_I_##_name].attr.attr),

static struct attribute *nsw_dev_attr_ptrs[] = {
	NSW_DEV_FIGURES(NSW_DEV_ATTR_PTR)
	NULL,
};

static const struct attribute_group nsw_dev_group = {
	.attrs = nsw_dev_attr_ptrs,
};

const struct attribute_group *nsw_disk_groups[] = {
	&nsw_dev_group,
	NULL,
};
