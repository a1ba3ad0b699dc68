/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl.h - client side of the worker's control socket, and where the
 * socket lives: $XFP_RUNDIR/DEV.sock, by default /run/xfp/DEV.sock (a
 * root-only directory; the worker also checks SO_PEERCRED).
 */
#ifndef XFP_LOADER_CTL_H
#define XFP_LOADER_CTL_H

#include <stddef.h>

/* The run directory and the socket path of DEV's worker. */
const char *ctl_rundir(void);
int ctl_sock_path(char *buf, size_t len, const char *dev);

/*
 * Send one request (key=value lines, blank line included) to DEV's worker
 * and read the reply into *reply (malloc'd, NUL-terminated, caller frees;
 * the reply never holds a key).  Returns the reply's errno value (0 = the
 * worker did it), or -errno when the worker could not be reached (with a
 * message on stderr).
 */
int ctl_call(const char *dev, const char *req, size_t len, char **reply);

/* 1 if DEV's worker answers on its control socket, else 0 (quiet). */
int ctl_worker_running(const char *dev);

/* Value of `key=` in a reply block, or NULL. */
const char *ctl_reply_get(const char *reply, const char *key, char *buf,
			  size_t len);

#endif
