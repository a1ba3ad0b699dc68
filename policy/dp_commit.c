/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * dp_commit.c - the commit protocol of dp_commit.h on raw bpf(2).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
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
int dp_table_create(const struct dp_table *t)
{
	/* The table is an mmapable array (XFP_DP_TAB_FLAGS): the records
	 * are copied in with one memcpy instead of one kernel update each,
	 * and then the map is frozen (read-only for userspace from then
	 * on; the programs only read it). */
	union bpf_attr a;
	size_t bytes, page = (size_t)sysconf(_SC_PAGESIZE);
	void *m;
	int fd, err = 0;

	if (!t->n)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = sizeof(uint32_t);
	a.value_size = sizeof(struct xfp_dp_rec);
	a.max_entries = t->n;
	a.map_flags = XFP_DP_TAB_FLAGS;
	strncpy(a.map_name, XFP_MAP_POLICY_TAB, sizeof(a.map_name) - 1);
	fd = (int)sys_bpf(BPF_MAP_CREATE, &a);
	if (fd < 0)
		return -errno;
	bytes = ((size_t)t->n * sizeof(*t->recs) + page - 1) & ~(page - 1);
	m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		 fd, 0);
	if (m == MAP_FAILED) {
		err = -errno;
	} else {
		memcpy(m, t->recs, (size_t)t->n * sizeof(*t->recs));
		if (munmap(m, bytes))
			err = -errno;
	}
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
