/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Retransmission of the device's requests, see rexmit.c.
 */
#ifndef _NSW_REXMIT_H
#define _NSW_REXMIT_H

struct nsw_dev;

void nsw_rexmit_init(struct nsw_dev *dev);
void nsw_rexmit_stop(struct nsw_dev *dev);
void nsw_rexmit_now(struct nsw_dev *dev);
void nsw_rexmit_arm(struct nsw_dev *dev);

#endif /* _NSW_REXMIT_H */
