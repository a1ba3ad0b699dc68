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

static int table_map(uint32_t n)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = sizeof(uint32_t);
	a.value_size = sizeof(struct xfp_dp_rec);
	a.max_entries = n;
	a.map_flags = XFP_DP_TAB_FLAGS;
	strncpy(a.map_name, XFP_MAP_POLICY_TAB, sizeof(a.map_name) - 1);
	fd = (int)sys_bpf(BPF_MAP_CREATE, &a);
	return fd < 0 ? -errno : fd;
}

static size_t table_bytes(uint32_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return ((size_t)n * sizeof(struct xfp_dp_rec) + page - 1) & ~(page - 1);
}

static int freeze(int fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	return sys_bpf(BPF_MAP_FREEZE, &a) ? -errno : 0;
}

int dp_table_map_new(uint32_t n, void **mem, size_t *len)
{
	size_t bytes = table_bytes(n);
	int fd, err;
	void *m;

	if (!n)
		return -EINVAL;
	fd = table_map(n);
	if (fd < 0)
		return fd;
	m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		 fd, 0);
	if (m == MAP_FAILED) {
		err = -errno;
		close(fd);
		return err;
	}
	*mem = m;
	*len = bytes;
	return fd;
}

int dp_table_create(const struct dp_table *t)
{
	/* The table is an mmapable array (XFP_DP_TAB_FLAGS): the records
	 * are copied in with one memcpy instead of one kernel update each,
	 * and then the map is frozen (read-only for userspace from then
	 * on; the programs only read it). */
	size_t bytes;
	void *m;
	int fd, err = 0;

	fd = dp_table_map_new(t->n, &m, &bytes);
	if (fd < 0)
		return fd;
	memcpy(m, t->recs, (size_t)t->n * sizeof(*t->recs));
	if (munmap(m, bytes))
		err = -errno;
	if (!err)
		err = freeze(fd);
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

/* Freeze a dp_compile_map() table: no writable mapping may be left. */
static int seal_mapped(struct dp_table *t)
{
	void *m;
	int r;

	if (munmap(t->recs, t->map_len))
		return -errno;
	t->recs = NULL;
	r = freeze(t->fd);
	m = mmap(NULL, t->map_len, PROT_READ, MAP_SHARED, t->fd, 0);
	if (m == MAP_FAILED)
		return r ? r : -errno;
	t->recs = m;
	return r;
}

int dp_commit(int outer_fd, struct dp_table *t, char *err, size_t errlen)
{
	int fd, r;

	if (t->map_len) {
		r = seal_mapped(t);
		if (r) {
			snprintf(
				err, errlen,
				"cannot freeze the policy table (%u records): %s",
				t->n, strerror(-r));
			return r;
		}
		r = dp_table_install(outer_fd, t->fd);
		if (r)
			snprintf(err, errlen,
				 "cannot install the policy table: %s",
				 strerror(-r));
		return r;
	}
	fd = dp_table_create(t);

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
	size_t bytes;
	void *m;
	int err;

	memset(t, 0, sizeof(*t));
	err = dp_table_read(tab_fd, 0, 1, &r0);
	if (err)
		return err;
	memcpy(&h, &r0, sizeof(h));
	if (h.magic != XFP_DP_MAGIC || h.n_recs < XFP_DP_HDR_RECS)
		return -EBADMSG;
	/* A frozen table maps read-only: no copy, and only the pages that
	 * are read are faulted in (one lookup per record took most of a
	 * 10,000-filter `filter add`). */
	bytes = table_bytes(h.n_recs);
	m = mmap(NULL, bytes, PROT_READ, MAP_SHARED, tab_fd, 0);
	if (m != MAP_FAILED) {
		t->recs = m;
		t->n = h.n_recs;
		t->fd = -1; /* the mapping holds the map */
		t->map_len = bytes;
		memcpy(&t->info, &t->recs[4], sizeof(t->info));
		return 0;
	}
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
