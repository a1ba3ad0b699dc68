/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * alg.h - algorithm names of the policy language.
 *
 * IPsec SA / quick-mode algorithms are those of crypto/alg.h (enum
 * xfp_alg, strongSwan-style names); this file only adds the main-mode (IKE)
 * ciphers, integrity algorithms and DH groups that the keying module will
 * use, and lists of names for error messages.
 */
#ifndef XFP_POLICY_ALG_H
#define XFP_POLICY_ALG_H

#include "crypto/alg.h"

/* "aes128gcm16, aes256gcm16, ..." for one protocol (XFP_IPSEC_ESP/AH). */
const char *xfp_policy_alg_list(uint8_t proto);

/* Main-mode (IKE) ciphers and integrity algorithms: index or -1. */
int xfp_mm_cipher_lookup(const char *name);
const char *xfp_mm_cipher_name(int idx);
int xfp_mm_integrity_lookup(const char *name);
const char *xfp_mm_integrity_name(int idx);
/* DH groups (main mode and quick-mode PFS): index 0 is "none". */
int xfp_dh_lookup(const char *name);
const char *xfp_dh_name(int idx);

#endif /* XFP_POLICY_ALG_H */
