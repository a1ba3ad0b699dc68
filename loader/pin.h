/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pin.h - where xfp keeps its state in bpffs.
 *
 * Layout:  ROOT/DEV/xdp_ingress      the XDP program
 *          ROOT/DEV/xfp_stats        counters (per-CPU array)
 *          ROOT/DEV/xfp_proto_stats  per-protocol counters
 *          ROOT/DEV/worker/...       the maps shared with the crypto worker
 *                                    (XSKMAPs, SA references, worker
 *                                    config, acquire ring) and the
 *                                    worker's own programs and maps
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

/* ROOT/DEV/worker[/name] into buf. */
int pin_worker_path(char *buf, size_t len, const char *dev, const char *name);

struct bpf_object;
/*
 * The maps the datapath's programs and the worker's programs share
 * (XFP_MAP_XSKS ... XFP_MAP_ACQUIRE), pinned under ROOT/DEV/worker/ by
 * whoever loads first.  Before load: reuse every one already pinned.
 * After load: pin the rest.  0 or -errno (printed, naming the pin).
 */
int pin_shared_reuse(struct bpf_object *obj, const char *dev);
int pin_shared_pin(struct bpf_object *obj, const char *dev);
/* Remove those pins (only when neither side uses them any more). */
void pin_shared_unpin(const char *dev);
/* Is a worker installed on DEV (its programs pinned)? */
int pin_worker_installed(const char *dev);

#endif
