/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * dp_commit.c - the commit protocol of dp_commit.h on raw bpf(2).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "policy/dp_commit.h"

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

#define PTR(p) ((uint64_t)(unsigned long)(p))

uint32_t dp_map_id(int fd)
{
	struct bpf_map_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = PTR(&info);
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a))
		return 0;
	return info.id;
}

static int update_one(int fd, uint32_t k, const void *v)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = PTR(&k);
	a.value = PTR(v);
	a.flags = BPF_ANY;
	return sys_bpf(BPF_MAP_UPDATE_ELEM, &a) ? -errno : 0;
}

/* Write n records: keys[i] <- vals[i]. */
static int put_batch(int fd, const uint32_t *keys,
		     const struct xfp_dp_rec *vals, uint32_t n)
{
	union bpf_attr a;
	int err = 0;

	if (!n)
		return 0;
	memset(&a, 0, sizeof(a));
	a.batch.map_fd = (uint32_t)fd;
	a.batch.keys = PTR(keys);
	a.batch.values = PTR(vals);
	a.batch.count = n;
	if (!sys_bpf(BPF_MAP_UPDATE_BATCH, &a))
		return 0;
	if (errno != EINVAL && errno != 524 /* ENOTSUPP */ &&
	    errno != EOPNOTSUPP)
		return -errno;
	/* No batch support: one element at a time. */
	for (uint32_t i = 0; i < n && !err; i++)
		err = update_one(fd, keys[i], &vals[i]);
	return err;
}

static bool rec_is_zero(const struct xfp_dp_rec *r)
{
	return !(r->w[0] | r->w[1] | r->w[2] | r->w[3]);
}

/* Records [first, end) of a table into map fd. */
struct fill {
	int fd;
	const struct xfp_dp_rec *recs;
	uint32_t first, end;
	int err;
};

static void *fill_range(void *arg)
{
	/* A new array map reads as zeros, so records that are all zero
	 * (unused hash slots, mostly) are not written; the others go in
	 * batches gathered in a small buffer that stays in cache. */
	enum { CHUNK = 2048 };
	struct fill *f = arg;
	struct xfp_dp_rec *vals = malloc(CHUNK * sizeof(*vals));
	uint32_t *keys = malloc(CHUNK * sizeof(*keys)), n = 0;
	int err = 0;

	if (!keys || !vals)
		err = -ENOMEM;
	for (uint32_t i = f->first; i < f->end && !err; i++) {
		if (rec_is_zero(&f->recs[i]))
			continue;
		keys[n] = i;
		vals[n++] = f->recs[i];
		if (n == CHUNK) {
			err = put_batch(f->fd, keys, vals, n);
			n = 0;
		}
	}
	if (!err)
		err = put_batch(f->fd, keys, vals, n);
	free(keys);
	free(vals);
	f->err = err;
	return NULL;
}

int dp_table_create(const struct dp_table *t)
{
	/* Large tables are filled by two threads, each writing its half:
	 * the kernel's cost per record dominates a commit, and array
	 * updates of distinct records do not contend. */
	const uint32_t par_min = 32768;
	struct fill f[2];
	pthread_t th;
	bool threaded = false;
	union bpf_attr a;
	int fd, err;

	if (!t->n)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = sizeof(uint32_t);
	a.value_size = sizeof(struct xfp_dp_rec);
	a.max_entries = t->n;
	a.map_flags = BPF_F_INNER_MAP;
	strncpy(a.map_name, XFP_MAP_POLICY_TAB, sizeof(a.map_name) - 1);
	fd = (int)sys_bpf(BPF_MAP_CREATE, &a);
	if (fd < 0)
		return -errno;

	for (int i = 0; i < 2; i++) {
		f[i].fd = fd;
		f[i].recs = t->recs;
		f[i].err = 0;
	}
	f[0].first = 0;
	f[0].end = f[1].first = t->n >= par_min ? t->n / 2 : t->n;
	f[1].end = t->n;
	if (f[1].first < f[1].end)
		threaded = !pthread_create(&th, NULL, fill_range, &f[1]);
	fill_range(&f[0]);
	if (threaded)
		pthread_join(th, NULL);
	else if (f[1].first < f[1].end && !f[0].err)
		fill_range(&f[1]);
	err = f[0].err ? f[0].err : f[1].err;
	if (!err) {
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)fd;
		if (sys_bpf(BPF_MAP_FREEZE, &a))
			err = -errno;
	}
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int dp_table_install(int outer_fd, int tab_fd)
{
	uint32_t v = (uint32_t)tab_fd;

	return update_one(outer_fd, 0, &v);
}

int dp_commit(int outer_fd, const struct dp_table *t, char *err, size_t errlen)
{
	int fd = dp_table_create(t), r;

	if (fd < 0) {
		snprintf(err, errlen,
			 "cannot create the policy table (%u records): %s",
			 t->n, strerror(-fd));
		return fd;
	}
	r = dp_table_install(outer_fd, fd);
	if (r)
		snprintf(err, errlen, "cannot install the policy table: %s",
			 strerror(-r));
	close(fd);
	return r;
}

int dp_table_current(int outer_fd)
{
	union bpf_attr a;
	uint32_t k = 0, id = 0;
	int fd;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)outer_fd;
	a.key = PTR(&k);
	a.value = PTR(&id);
	if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &a))
		return -errno;
	memset(&a, 0, sizeof(a));
	a.map_id = id;
	fd = (int)sys_bpf(BPF_MAP_GET_FD_BY_ID, &a);
	return fd < 0 ? -errno : fd;
}

int dp_table_read(int tab_fd, uint32_t first, uint32_t n,
		  struct xfp_dp_rec *out)
{
	union bpf_attr a;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = first + i;

		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)tab_fd;
		a.key = PTR(&k);
		a.value = PTR(&out[i]);
		if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &a))
			return -errno;
	}
	return 0;
}

int dp_table_read_all(int tab_fd, struct dp_table *t)
{
	struct xfp_dp_header h;
	struct xfp_dp_rec r0;
	int err;

	memset(t, 0, sizeof(*t));
	err = dp_table_read(tab_fd, 0, 1, &r0);
	if (err)
		return err;
	memcpy(&h, &r0, sizeof(h));
	if (h.magic != XFP_DP_MAGIC || h.n_recs < XFP_DP_HDR_RECS)
		return -EBADMSG;
	t->recs = calloc(h.n_recs, sizeof(*t->recs));
	if (!t->recs)
		return -ENOMEM;
	t->n = h.n_recs;
	err = dp_table_read(tab_fd, 0, h.n_recs, t->recs);
	if (err) {
		dp_table_free(t);
		return err;
	}
	memcpy(&t->info, &t->recs[4], sizeof(t->info));
	return 0;
}
