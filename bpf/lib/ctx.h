/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctx.h - the small context abstraction that lets the same parsing and
 * classification code run in XDP (struct xdp_md) and TC (struct __sk_buff).
 *
 * Code below bpf/lib/ never touches a program context directly: it works on
 * a [data, data_end) window and returns drop reasons.  Each entry program
 * converts its context into that window with ctx_data()/ctx_data_end().
 */
#ifndef XFP_BPF_CTX_H
#define XFP_BPF_CTX_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define ctx_data(ctx) ((void *)(long)(ctx)->data)
#define ctx_data_end(ctx) ((void *)(long)(ctx)->data_end)

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#endif
