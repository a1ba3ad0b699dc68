// SPDX-License-Identifier: GPL-2.0
/*
 * ctl.c - talking to a running worker over its unix control socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "loader/ctl.h"
#include "loader/subcommands.h"

#define CTL_MAX_REPLY (4u << 20)

const char *ctl_rundir(void)
{
	const char *env = getenv("XFP_RUNDIR");

	return env && *env ? env : "/run/xfp";
}

int ctl_sock_path(char *buf, size_t len, const char *dev)
{
	int n = snprintf(buf, len, "%s/%s.sock", ctl_rundir(), dev);

	if (n < 0 || (size_t)n >= len ||
	    (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

const char *ctl_reply_get(const char *reply, const char *key, char *buf,
			  size_t len)
{
	size_t kl = strlen(key);
	const char *p = reply;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);

		if (ll > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			size_t vl = ll - kl - 1;

			if (vl >= len)
				vl = len - 1;
			memcpy(buf, p + kl + 1, vl);
			buf[vl] = 0;
			return buf;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

int ctl_worker_running(const char *dev)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ok;

	if (ctl_sock_path(sa.sun_path, sizeof(sa.sun_path), dev))
		return 0;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	ok = !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return ok;
}

int ctl_call(const char *dev, const char *req, size_t len, char **reply)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t cap = 4096, used = 0;
	char *buf, *e, val[32];
	int fd, err;

	*reply = NULL;
	if (ctl_sock_path(sa.sun_path, sizeof(sa.sun_path), dev)) {
		fprintf(stderr, "%s: socket path for '%s' too long\n",
			prog_name, dev);
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		fprintf(stderr,
			"%s: no worker for %s (cannot connect to %s: %s); start one with '%s worker %s'\n",
			prog_name, dev, sa.sun_path, strerror(errno), prog_name,
			dev);
		close(fd);
		return err;
	}
	err = write_all(fd, req, len);
	if (err) {
		fprintf(stderr, "%s: writing to %s: %s\n", prog_name,
			sa.sun_path, strerror(-err));
		close(fd);
		return err;
	}
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		if (used + 1 >= cap) {
			char *nb;

			if (cap >= CTL_MAX_REPLY) {
				err = -EMSGSIZE;
				break;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		used += (size_t)n;
		buf[used] = 0;
		if (used >= 2 && buf[used - 1] == '\n' &&
		    buf[used - 2] == '\n' && (e = strstr(buf, "errno=")) &&
		    (e == buf || e[-1] == '\n'))
			break;
	}
	close(fd);
	buf[used] = 0;
	if (err || !ctl_reply_get(buf, "errno", val, sizeof(val))) {
		fprintf(stderr, "%s: incomplete reply from the worker of %s\n",
			prog_name, dev);
		free(buf);
		return err ? err : -EPROTO;
	}
	*reply = buf;
	return atoi(val);
}
