/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dp_orphan.h - xfp programs on a device, with or without their pins.
 *
 * XDP (netlink) and TC egress (link-less tcx, BPF_PROG_ATTACH) both stay
 * attached when ROOT/DEV is removed.  These helpers find xfp's programs on
 * a device by name and tell whether they are the pinned ones.
 */
#ifndef XFP_DP_ORPHAN_H
#define XFP_DP_ORPHAN_H

#include <linux/types.h>

/* enum bpf_attach_type BPF_TCX_EGRESS (kernel 6.6); Debian 12's UAPI
 * headers predate it. */
#define XFP_BPF_TCX_EGRESS 47

#define XFP_PROG_NAME_XDP "xfp_xdp_ingress"
#define XFP_PROG_NAME_TC "xfp_tc_egress"

/* Id of the XDP program on IFINDEX if it is named like xfp's, else 0. */
__u32 dp_xfp_xdp_on(int ifindex);
/* Ids of xfp-named programs on IFINDEX's tcx egress (up to max); count. */
int dp_xfp_tcx_on(int ifindex, __u32 *ids, int max);
/* Whether prog id ID is attached on IFINDEX's tcx egress. */
int dp_tcx_has(int ifindex, __u32 id);
/* Prog id of an fd, 0 on error. */
__u32 dp_prog_id(int fd);

#endif
