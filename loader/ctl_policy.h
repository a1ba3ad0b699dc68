/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl_policy.h - install a policy's manual SAs into DEV's worker (for
 * `xfp sa load` today, and `xfp policy load` when it calls it).
 */
#ifndef XFP_LOADER_CTL_POLICY_H
#define XFP_LOADER_CTL_POLICY_H

struct xfp_policy;

/* @p must be finalized and parsed with keys.  Returns the number of SAs
 * installed (each one outbound + inbound) or -errno (printed). */
int ctl_install_policy_sas(const char *dev, const struct xfp_policy *p);

/* `xfp sa load DEV FILE`: parse, finalize, install; exit status 0/1. */
int ctl_sa_load(const char *dev, const char *file);

#endif
