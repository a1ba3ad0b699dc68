// SPDX-License-Identifier: GPL-2.0
/*
 * dp_orphan.c - see dp_orphan.h.
 */
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "loader/dp_orphan.h"

__u32 dp_prog_id(int fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

static int prog_named(__u32 id, const char *name)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id), r = 0;

	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		r = !strncmp(info.name, name, sizeof(info.name) - 1);
	close(fd);
	return r;
}

__u32 dp_xfp_xdp_on(int ifindex)
{
	__u32 id = 0;

	if (bpf_xdp_query_id(ifindex, 0, &id) || !id)
		return 0;
	return prog_named(id, XFP_PROG_NAME_XDP) ? id : 0;
}

static int tcx_ids(int ifindex, __u32 *ids, __u32 *cnt)
{
	__u32 flags = 0;

	/* target_fd and target_ifindex share the attr field. */
	return bpf_prog_query(ifindex, XFP_BPF_TCX_EGRESS, 0, &flags, ids, cnt);
}

int dp_xfp_tcx_on(int ifindex, __u32 *ids, int max)
{
	__u32 all[64], cnt = 64;
	int n = 0;

	if (tcx_ids(ifindex, all, &cnt))
		return 0;
	for (__u32 i = 0; i < cnt && i < 64 && n < max; i++)
		if (prog_named(all[i], XFP_PROG_NAME_TC))
			ids[n++] = all[i];
	return n;
}

int dp_tcx_has(int ifindex, __u32 id)
{
	__u32 all[64], cnt = 64;

	if (!id || tcx_ids(ifindex, all, &cnt))
		return 0;
	for (__u32 i = 0; i < cnt && i < 64; i++)
		if (all[i] == id)
			return 1;
	return 0;
}
