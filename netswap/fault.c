// SPDX-License-Identifier: GPL-2.0
/*
 * The fault-injection knobs, see fault.h. Built only into test modules.
 */
#include "netswap.h"

#include <linux/moduleparam.h>

#include "fault.h"

unsigned int nsw_fault_free_delay_ms;
module_param_named(fault_free_delay_ms, nsw_fault_free_delay_ms, uint, 0644);
MODULE_PARM_DESC(fault_free_delay_ms, "Test builds only: the free worker waits this long between claiming a freed page and freeing it");
