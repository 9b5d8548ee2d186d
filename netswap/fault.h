/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection for the test VMs: knobs that widen a race window or
 * force an error path, so a scenario can prove the path right.
 *
 * They exist only in modules built with NSW_FAULT_INJECT=y (Kbuild, set
 * by tests/vm/build.sh; never by dkms or check-static), each as a writable
 * module parameter fault_NAME. Elsewhere nsw_fault(NAME) is the constant
 * 0, the code it guards compiles away and the knob is never defined.
 *
 * A new knob: its extern here, its definition and module_param_named()
 * in fault.c, its line in tests/vm/README.md; test it with nsw_fault().
 */
#ifndef _NSW_FAULT_H
#define _NSW_FAULT_H

#include <linux/compiler.h>

/* The free worker waits this long between claiming a page and freeing it. */
extern unsigned int nsw_fault_free_delay_ms;

#ifdef NSW_FAULT_INJECT
#define nsw_fault(name)		READ_ONCE(nsw_fault_##name)
#else
/* Still names the knob, so a typo fails every build; never read. */
#define nsw_fault(name)		(0U && nsw_fault_##name)
#endif

#endif /* _NSW_FAULT_H */
