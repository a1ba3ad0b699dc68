// SPDX-License-Identifier: GPL-2.0
/*
 * test_abi.c - the shared ABI header keeps its promises: drop reasons and
 * verdicts keep their numbers and names, every enum value has a name, and
 * names are unique (they are used as JSON keys and CLI words).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "bpf/xfp_abi.h"

/* The published numbering.  Append here when a reason is added; a change
 * to an existing line means a renumbering, which the ABI forbids. */
static const struct {
	int num;
	const char *name;
} published_drops[] = {
	{ 0, "none" },		 { 1, "parse-eth" },   { 2, "parse-vlan" },
	{ 3, "parse-ipv4" },	 { 4, "parse-ipv6" },  { 5, "ipv6-ext-limit" },
	{ 6, "parse-l4" },	 { 7, "parse-esp" },   { 8, "parse-ah" },
	{ 9, "filter-block" },	 { 10, "ale-block" },  { 11, "no-sa" },
	{ 12, "no-worker" },	 { 13, "clear-text" }, { 14, "flow-downgrade" },
	{ 15, "no-policy" },	 { 16, "internal" },   { 17, "bad-handoff" },
	{ 18, "no-frame-room" },
};

static void drop_reasons_keep_numbers(void **state)
{
	size_t i;

	(void)state;
	assert_true(XFP_DROP__MAX >=
		    sizeof(published_drops) / sizeof(published_drops[0]));
	for (i = 0; i < sizeof(published_drops) / sizeof(published_drops[0]);
	     i++) {
		assert_non_null(xfp_drop_names[published_drops[i].num]);
		assert_string_equal(xfp_drop_names[published_drops[i].num],
				    published_drops[i].name);
	}
}

static void assert_names_complete_unique(const char *const *names, int n)
{
	int i, k;

	for (i = 0; i < n; i++) {
		assert_non_null(names[i]);
		assert_true(strlen(names[i]) > 0);
		for (k = 0; k < i; k++)
			assert_string_not_equal(names[i], names[k]);
	}
}

static void every_enum_value_has_a_unique_name(void **state)
{
	(void)state;
	assert_names_complete_unique(xfp_drop_names, XFP_DROP__MAX);
	assert_names_complete_unique(xfp_verdict_names, XFP_VERDICT__MAX);
	assert_names_complete_unique(xfp_proto_names, XFP_PROTO__MAX);
	assert_names_complete_unique(xfp_layer_names, XFP_LAYER__MAX);
	assert_names_complete_unique(xfp_action_names, XFP_ACTION__MAX);
}

static void verdicts_keep_numbers(void **state)
{
	(void)state;
	assert_int_equal(XFP_VERDICT_PASS, 0);
	assert_int_equal(XFP_VERDICT_DROP, 1);
	assert_int_equal(XFP_VERDICT_REDIRECT, 2);
	assert_string_equal(xfp_verdict_names[XFP_VERDICT_DROP], "drop");
}

static void stat_slots_do_not_overlap(void **state)
{
	int prog, slot;

	(void)state;
	/* Each (program, slot) pair maps to its own index inside the map. */
	for (prog = 0; prog < XFP_PROG__MAX; prog++)
		for (slot = 0; slot < XFP_STAT_SLOTS; slot++) {
			int idx = XFP_STAT_INDEX(prog, slot);

			assert_true(idx >= 0 && idx < XFP_STAT_ENTRIES);
			assert_int_equal(idx / XFP_STAT_SLOTS, prog);
			assert_int_equal(idx % XFP_STAT_SLOTS, slot);
		}
	assert_true(XFP_STAT_DROP_BASE + XFP_DROP__MAX - 1 < XFP_STAT_SLOTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drop_reasons_keep_numbers),
		cmocka_unit_test(every_enum_value_has_a_unique_name),
		cmocka_unit_test(verdicts_keep_numbers),
		cmocka_unit_test(stat_slots_do_not_overlap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
