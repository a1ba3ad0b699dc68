/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pin.h - where xfp keeps its state in bpffs.
 *
 * Layout:  ROOT/DEV/xdp_ingress      the XDP program
 *          ROOT/DEV/xfp_stats        counters (per-CPU array)
 *          ROOT/DEV/xfp_proto_stats  per-protocol counters
 * ROOT is /sys/fs/bpf/xfp, or $XFP_BPFFS/xfp when XFP_BPFFS names another
 * bpffs mount (tests use a private one).
 */
#ifndef XFP_PIN_H
#define XFP_PIN_H

#include <stddef.h>

#define XFP_PIN_PROG_XDP "xdp_ingress"

/* Make sure the bpffs is mounted and ROOT exists; 0 or -errno (printed). */
int pin_root_prepare(void);
/* ROOT/DEV[/name] into buf; -ENAMETOOLONG if it does not fit. */
int pin_path(char *buf, size_t len, const char *dev, const char *name);
/* Open a pinned map of DEV by name; fd or -errno (not printed). */
int pin_open_map(const char *dev, const char *name);

#endif
