// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_status.c - `xfp status [-j]`: every device xfp is attached to, its
 * program ids, the running policy's generation and size.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "loader/dp_load.h"
#include "loader/dp_orphan.h"
#include "loader/json.h"
#include "loader/pin.h"
#include "loader/subcommands.h"
#include "policy/dp_commit.h"

struct dev_status {
	const char *dev;
	unsigned ifindex;
	__u32 xdp_id, xdp_attached_id, tc_id, link_id, table_id;
	__u32 flow_slots; /* flow cache slots per CPU, 0 when unknown */
	bool tc_attached;
	const char *xdp_mode;
	bool have_table;
	struct xfp_dp_header h;
	struct dp_table t;
};

static __u32 obj_id(const char *dev, const char *name, bool link)
{
	char path[512];
	__u32 id = 0;
	int fd;

	if (pin_path(path, sizeof(path), dev, name))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (link) {
		struct bpf_link_info li;
		__u32 len = sizeof(li);

		memset(&li, 0, sizeof(li));
		if (!bpf_obj_get_info_by_fd(fd, &li, &len))
			id = li.id;
	} else {
		struct bpf_prog_info pi;
		__u32 len = sizeof(pi);

		memset(&pi, 0, sizeof(pi));
		if (!bpf_obj_get_info_by_fd(fd, &pi, &len))
			id = pi.id;
	}
	close(fd);
	return id;
}

static void collect(struct dev_status *s)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int outer, tab;

	s->ifindex = if_nametoindex(s->dev);
	s->xdp_id = obj_id(s->dev, XFP_PIN_PROG_XDP, false);
	s->tc_id = obj_id(s->dev, XFP_PIN_PROG_TC, false);
	s->link_id = obj_id(s->dev, XFP_PIN_LINK_TC, true);
	s->tc_attached = s->ifindex && dp_tcx_has((int)s->ifindex, s->tc_id);
	s->xdp_mode = "none";
	if (s->ifindex && !bpf_xdp_query((int)s->ifindex, 0, &q)) {
		s->xdp_attached_id = q.prog_id;
		s->xdp_mode = q.attach_mode == XDP_ATTACHED_DRV ? "native" :
			      q.attach_mode == XDP_ATTACHED_SKB ? "generic" :
			      q.attach_mode == XDP_ATTACHED_HW	? "offload" :
			      q.attach_mode			? "multi" :
								  "none";
	}
	outer = pin_open_map(s->dev, XFP_MAP_FLOWS);
	if (outer >= 0) {
		struct bpf_map_info mi;
		__u32 len = sizeof(mi);

		memset(&mi, 0, sizeof(mi));
		if (!bpf_obj_get_info_by_fd(outer, &mi, &len))
			s->flow_slots = mi.max_entries;
		close(outer);
	}
	outer = pin_open_map(s->dev, XFP_MAP_POLICY);
	if (outer < 0)
		return;
	tab = dp_table_current(outer);
	close(outer);
	if (tab < 0)
		return;
	s->table_id = dp_map_id(tab);
	if (!dp_table_read_all(tab, &s->t)) {
		memcpy(&s->h, &s->t.recs[0], sizeof(s->h));
		s->have_table = true;
	}
	close(tab);
}

/* xfp-named programs on devices of this netns that have no pins (or
 * other ones than the pins name).  n < 0: only count, print nothing. */
static int orphans(struct json *j, char **devs, int n)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int count = 0;

	if (!ifs)
		return 0;
	for (i = ifs; i->if_index; i++) {
		__u32 xdp = dp_xfp_xdp_on((int)i->if_index), tcx[8];
		int nt = dp_xfp_tcx_on((int)i->if_index, tcx, 8);
		bool pinned = false;

		for (int k = 0; k < n; k++)
			if (!strcmp(devs[k], i->if_name))
				pinned = true;
		if (pinned) {
			if (xdp == obj_id(i->if_name, XFP_PIN_PROG_XDP, false))
				xdp = 0;
			for (int k = 0; k < nt; k++)
				if (tcx[k] ==
				    obj_id(i->if_name, XFP_PIN_PROG_TC, false))
					tcx[k--] = tcx[--nt];
		}
		if (!xdp && !nt)
			continue;
		count++;
		if (n < 0)
			continue;
		if (j) {
			json_obj_open(j, NULL);
			json_str(j, "dev", i->if_name);
			json_u64(j, "ifindex", i->if_index);
			json_u64(j, "xdp_prog_id", xdp);
			json_u64(j, "tc_prog_id", nt ? tcx[0] : 0);
			json_obj_close(j);
		} else {
			printf("%s (ifindex %u): ORPHANED xfp programs, no pins "
			       "(still filtering with their last policy; "
			       "remove with: xfp detach %s)\n",
			       i->if_name, i->if_index, i->if_name);
			if (xdp)
				printf("  xdp ingress  prog id %u\n", xdp);
			for (int k = 0; k < nt; k++)
				printf("  tc egress    prog id %u\n", tcx[k]);
		}
	}
	if_freenameindex(ifs);
	return count;
}

static void status_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s status [-j]\n"
		"\n"
		"Devices xfp is attached to: XDP and TC program ids, the policy\n"
		"generation and the size of the compiled tables.\n"
		"  -j, --json   JSON output\n",
		prog_name);
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct json j;
	char **devs;
	int n, c, json = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			status_usage(stdout);
			return 0;
		default:
			status_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		status_usage(stderr);
		return 2;
	}
	n = dp_devs(&devs);
	if (json) {
		json_begin(&j, stdout);
		json_arr_open(&j, "devices");
	} else if (!n && !orphans(NULL, NULL, -1)) {
		printf("xfp is not attached to any device\n");
	}
	for (int i = 0; i < n; i++) {
		struct dev_status s;

		memset(&s, 0, sizeof(s));
		s.dev = devs[i];
		collect(&s);
		if (json) {
			json_obj_open(&j, NULL);
			json_str(&j, "dev", s.dev);
			json_u64(&j, "ifindex", s.ifindex);
			json_u64(&j, "xdp_prog_id", s.xdp_id);
			json_bool(&j, "xdp_attached",
				  s.xdp_id && s.xdp_id == s.xdp_attached_id);
			json_str(&j, "xdp_mode", s.xdp_mode);
			json_u64(&j, "tc_prog_id", s.tc_id);
			json_bool(&j, "tc_attached", s.tc_attached);
			json_u64(&j, "flow_cache_slots", s.flow_slots);
			json_u64(&j, "policy_table_id", s.table_id);
			if (s.have_table) {
				json_u64(&j, "generation", s.h.generation);
				json_u64(&j, "filters", s.t.info.n_filters);
				json_u64(&j, "filters_compiled",
					 s.t.info.n_compiled);
				json_u64(&j, "tree_nodes", s.t.info.n_nodes);
				json_u64(&j, "decisions", s.t.info.n_decisions);
				json_u64(&j, "inbound_sas", s.h.n_spi);
				json_u64(&j, "records", s.h.n_recs);
				json_u64(&j, "max_depth", s.t.info.max_depth);
				json_u64(&j, "compile_us", s.t.info.build_us);
			}
			json_obj_close(&j);
		} else {
			printf("%s (ifindex %u)\n", s.dev, s.ifindex);
			printf("  xdp ingress  prog id %u, %s (%s mode)\n",
			       s.xdp_id,
			       s.xdp_id && s.xdp_id == s.xdp_attached_id ?
				       "attached" :
				       "NOT attached",
			       s.xdp_mode);
			printf("  tc egress    prog id %u, %s (tcx)\n", s.tc_id,
			       s.tc_attached ? "attached" : "NOT attached");
			if (s.flow_slots)
				printf("  flow cache   %u slots per CPU\n",
				       s.flow_slots);
			if (s.have_table)
				printf("  policy       generation %llu, %u filters "
				       "(%u in packet layers), %u inbound SAs\n"
				       "  tables       map id %u, %u records, %u "
				       "tree nodes, %u decisions, depth %u, "
				       "compiled in %.1f ms\n",
				       (unsigned long long)s.h.generation,
				       s.t.info.n_filters, s.t.info.n_compiled,
				       s.h.n_spi, s.table_id, s.h.n_recs,
				       s.t.info.n_nodes, s.t.info.n_decisions,
				       s.t.info.max_depth,
				       s.t.info.build_us / 1000.0);
			else
				printf("  policy       none (every packet is "
				       "dropped as no-policy)\n");
		}
		dp_table_free(&s.t);
	}
	if (json) {
		json_arr_close(&j);
		json_arr_open(&j, "orphans");
	}
	orphans(json ? &j : NULL, devs, n);
	if (json) {
		json_arr_close(&j);
		json_end(&j);
	}
	dp_devs_free(devs, n);
	return 0;
}
