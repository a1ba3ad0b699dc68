// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_sa.c - `xfp sa add|del|show`: SAs of a running worker, through its
 * control socket.
 *
 * Keys come from a key file (hex, mode 0600 or stricter) or from stdin
 * (`key-file -`), never from the command line, where `ps` would show them.
 * They travel to the worker in one request over the root-only socket and
 * every buffer that held them is wiped.  `show` never prints keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/worker_ctl.h"
#include "loader/ctl.h"
#include "loader/ctl_policy.h"
#include "loader/json.h"
#include "loader/subcommands.h"

static void sa_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s sa add DEV dir in|out spi SPI alg ALG key-file FILE|-\n"
		"                 [proto esp|ah] [mode transport|tunnel] [src ADDR] [dst ADDR]\n"
		"                 [natt] [natt-sport PORT] [natt-dport PORT] [esn]\n"
		"                 [replay-window N] [no-replay] [engine sodium|openssl]\n"
		"                 [id N] [soft-bytes N] [hard-bytes N] [soft-packets N]\n"
		"                 [hard-packets N] [soft-seconds N] [hard-seconds N]\n"
		"                 [idle-seconds N] [seq N]\n"
		"       %s sa del DEV id N | spi SPI dir in|out\n"
		"       %s sa show DEV [-j]\n"
		"       %s sa load DEV POLICY-FILE\n"
		"       %s sa stats DEV [-i SEC] [-c COUNT] [-j]\n"
		"\n"
		"ALG := aes128gcm16 | aes256gcm16 | chacha20poly1305 | aes128gmac |\n"
		"       aes256gmac | null-sha256 (ESP) | sha256 | sha512 | sha1 (AH)\n"
		"The key file holds the key in hex (AEAD: key then 4-byte salt) and must\n"
		"not be readable by group or others; '-' reads it from stdin.  An\n"
		"outbound SA's dst is the peer whose traffic it protects.  'sa stats'\n"
		"prints the worker's counters, or with -i their rates per interval.\n"
		"'sa load' installs the manual SAs of a policy file (its filters' single\n"
		"remote-addr is the peer), replacing SAs with the same SPIs.\n"
		"'seq N' is for tests and interop only: an outbound SA's sequence numbers\n"
		"up to N count as used, its first packet carries N + 1 (at most\n"
		"4294967295 without esn; the SA expires when the numbers run out).  The\n"
		"worker never goes below the SPI's recorded high-water mark.\n",
		prog_name, prog_name, prog_name, prog_name, prog_name);
}

/* Word arguments and the protocol key each one sets. */
static const struct {
	const char *arg, *key;
	int flag; /* no value: key=1 */
} sa_args[] = {
	{ "dir", "dir", 0 },
	{ "spi", "spi", 0 },
	{ "alg", "alg", 0 },
	{ "proto", "proto", 0 },
	{ "mode", "mode", 0 },
	{ "src", "src", 0 },
	{ "dst", "dst", 0 },
	{ "natt", "natt", 1 },
	{ "natt-sport", "natt_sport", 0 },
	{ "natt-dport", "natt_dport", 0 },
	{ "esn", "esn", 1 },
	{ "replay-window", "replay_window", 0 },
	{ "no-replay", "no_replay", 1 },
	{ "engine", "engine", 0 },
	{ "id", "id", 0 },
	{ "soft-bytes", "soft_bytes", 0 },
	{ "hard-bytes", "hard_bytes", 0 },
	{ "soft-packets", "soft_packets", 0 },
	{ "hard-packets", "hard_packets", 0 },
	{ "soft-seconds", "soft_seconds", 0 },
	{ "hard-seconds", "hard_seconds", 0 },
	{ "idle-seconds", "idle_seconds", 0 },
	{ "seq", "seq", 0 }, /* tests and interop: outbound starting point */
};

#define KEYBUF 1024

/* Read the key (hex) from @path or stdin into @hex (secure memory),
 * checking the file's mode; returns the hex length or -1 (printed). */
static int read_key(const char *path, char *hex)
{
	uint8_t raw[XFP_ALG_MAX_KEY_LEN];
	struct stat st;
	size_t n = 0, i, o = 0;
	int fd = 0, len;

	if (strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			fprintf(stderr, "%s: key file %s: %s\n", prog_name,
				path, strerror(errno));
			return -1;
		}
		if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "%s: key file %s: not a regular file\n",
				prog_name, path);
			close(fd);
			return -1;
		}
		if (st.st_mode & 077) {
			fprintf(stderr,
				"%s: key file %s has mode %04o: it must not be readable by group or others (chmod 600 %s)\n",
				prog_name, path, st.st_mode & 07777, path);
			close(fd);
			return -1;
		}
	}
	for (;;) {
		ssize_t r = read(fd, hex + n, KEYBUF - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n >= KEYBUF - 1)
			break;
	}
	if (fd)
		close(fd);
	/* Keep hex digits only (allow whitespace and a 0x prefix). */
	for (i = 0; i < n; i++) {
		if (hex[i] == '0' && i + 1 < n &&
		    (hex[i + 1] == 'x' || hex[i + 1] == 'X') && o == 0) {
			i++;
			continue;
		}
		if (hex[i] == ' ' || hex[i] == '\n' || hex[i] == '\t' ||
		    hex[i] == '\r')
			continue;
		hex[o++] = hex[i];
	}
	sodium_memzero(hex + o, KEYBUF - o);
	len = xfp_hex_decode(hex, o, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	if (len <= 0) {
		fprintf(stderr,
			"%s: key file %s: expected one key in hex (at most %d bytes)\n",
			prog_name, strcmp(path, "-") ? path : "<stdin>",
			XFP_ALG_MAX_KEY_LEN);
		return -1;
	}
	return (int)o;
}

static int sa_add(const char *dev, int argc, char **argv)
{
	char *req, *hex, *reply = NULL, val[512];
	const char *keyfile = NULL;
	size_t len = 0, cap = 4096;
	int i, rc = 1, code, hl;

	req = sodium_malloc(cap);
	hex = sodium_malloc(KEYBUF);
	if (!req || !hex) {
		fprintf(stderr, "%s: out of memory\n", prog_name);
		goto out;
	}
	len = (size_t)snprintf(req, cap, "add_sa=1\n");
	for (i = 0; i < argc; i++) {
		size_t k;

		if (!strcmp(argv[i], "key-file")) {
			if (i + 1 >= argc || keyfile) {
				fprintf(stderr,
					"%s: key-file needs one FILE (or -)\n",
					prog_name);
				rc = 2;
				goto out;
			}
			keyfile = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "key")) {
			fprintf(stderr,
				"%s: keys are never taken from the command line; use key-file FILE or key-file - (stdin)\n",
				prog_name);
			rc = 2;
			goto out;
		}
		for (k = 0; k < sizeof(sa_args) / sizeof(sa_args[0]); k++)
			if (!strcmp(argv[i], sa_args[k].arg))
				break;
		if (k == sizeof(sa_args) / sizeof(sa_args[0])) {
			fprintf(stderr, "%s: sa add: unknown argument '%s'\n",
				prog_name, argv[i]);
			rc = 2;
			goto out;
		}
		if (!sa_args[k].flag && i + 1 >= argc) {
			fprintf(stderr, "%s: sa add: '%s' needs a value\n",
				prog_name, argv[i]);
			rc = 2;
			goto out;
		}
		if (!sa_args[k].flag && strchr(argv[i + 1], '\n')) {
			fprintf(stderr, "%s: sa add: bad value for '%s'\n",
				prog_name, argv[i]);
			rc = 2;
			goto out;
		}
		len += (size_t)snprintf(req + len, cap - len, "%s=%s\n",
					sa_args[k].key,
					sa_args[k].flag ? "1" : argv[++i]);
		if (len >= cap - 200) {
			fprintf(stderr, "%s: sa add: too many arguments\n",
				prog_name);
			rc = 2;
			goto out;
		}
	}
	if (!keyfile) {
		fprintf(stderr, "%s: sa add: missing key-file FILE|-\n",
			prog_name);
		rc = 2;
		goto out;
	}
	hl = read_key(keyfile, hex);
	if (hl < 0)
		goto out;
	if (len + (size_t)hl + 8 >= cap) {
		fprintf(stderr, "%s: key too long\n", prog_name);
		goto out;
	}
	len += (size_t)snprintf(req + len, cap - len, "key=%.*s\n\n", hl, hex);
	code = ctl_call(dev, req, len, &reply);
	if (code < 0)
		goto out;
	if (code) {
		fprintf(stderr, "%s: sa add on %s failed: %s%s%s\n", prog_name,
			dev, strerror(code),
			ctl_reply_get(reply, "message", val, sizeof(val)) ?
				": " :
				"",
			ctl_reply_get(reply, "message", val, sizeof(val)) ?
				val :
				"");
		goto out;
	}
	printf("%s: sa %s added\n", dev,
	       ctl_reply_get(reply, "sa", val, sizeof(val)) ? val : "?");
	rc = 0;
out:
	free(reply);
	if (req)
		sodium_free(req); /* wipes */
	if (hex)
		sodium_free(hex);
	return rc;
}

static int sa_del(const char *dev, int argc, char **argv)
{
	char req[256], *reply = NULL, val[160];
	size_t len;
	int code;

	if (argc == 2 && !strcmp(argv[0], "id"))
		len = (size_t)snprintf(req, sizeof(req), "del_sa=1\nid=%s\n\n",
				       argv[1]);
	else if (argc == 4 && !strcmp(argv[0], "spi") &&
		 !strcmp(argv[2], "dir"))
		len = (size_t)snprintf(req, sizeof(req),
				       "del_sa=1\nspi=%s\ndir=%s\n\n", argv[1],
				       argv[3]);
	else {
		sa_usage(stderr);
		return 2;
	}
	if (len >= sizeof(req) || strchr(argv[1], '\n') ||
	    (argc == 4 && strchr(argv[3], '\n'))) {
		fprintf(stderr, "%s: sa del: arguments too long\n", prog_name);
		return 2;
	}
	code = ctl_call(dev, req, len, &reply);
	if (code < 0)
		return 1;
	if (code) {
		fprintf(stderr, "%s: sa del on %s failed: %s%s%s\n", prog_name,
			dev, strerror(code),
			ctl_reply_get(reply, "message", val, sizeof(val)) ?
				": " :
				"",
			ctl_reply_get(reply, "message", val, sizeof(val)) ?
				val :
				"");
		free(reply);
		return 1;
	}
	free(reply);
	printf("%s: sa deleted\n", dev);
	return 0;
}

static int is_number(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* The reply: blocks starting at "sa=", then "worker=" block, "errno=". */
static int sa_show(const char *dev, int json)
{
	char *reply = NULL, *p, *line, *save = NULL;
	struct json j;
	int code, in_sa = 0, in_worker = 0, first = 1;

	code = ctl_call(dev, "get=1\n\n", 7, &reply);
	if (code < 0)
		return 1;
	if (code) {
		fprintf(stderr, "%s: sa show on %s failed: %s\n", prog_name,
			dev, strerror(code));
		free(reply);
		return 1;
	}
	if (json) {
		json_begin(&j, stdout);
		json_str(&j, "dev", dev);
		json_arr_open(&j, "sas");
	}
	for (p = reply; (line = strtok_r(p, "\n", &save)); p = NULL) {
		char *eq = strchr(line, '=');
		const char *k, *v;

		if (!eq)
			continue;
		*eq = 0;
		k = line;
		v = eq + 1;
		if (!strcmp(k, "errno"))
			break;
		if (!strcmp(k, "sa")) {
			if (json) {
				if (in_sa)
					json_obj_close(&j);
				json_obj_open(&j, NULL);
				json_u64(&j, "id", strtoull(v, NULL, 10));
			} else {
				printf("%ssa %s:\n", first ? "" : "\n", v);
			}
			first = 0;
			in_sa = 1;
			continue;
		}
		if (!strcmp(k, "worker")) {
			if (json) {
				if (in_sa)
					json_obj_close(&j);
				json_arr_close(&j);
				json_obj_open(&j, "worker");
			} else {
				printf("%sworker %s:\n", first ? "" : "\n", v);
			}
			in_sa = 0;
			in_worker = 1;
			continue;
		}
		if (json) {
			if (is_number(v))
				json_u64(&j, k, strtoull(v, NULL, 10));
			else
				json_str(&j, k, v);
		} else {
			printf("    %-22s %s\n", k, v);
		}
	}
	if (json) {
		if (in_sa)
			json_obj_close(&j);
		if (in_worker)
			json_obj_close(&j);
		else
			json_arr_close(&j);
		json_end(&j);
	}
	free(reply);
	return 0;
}

/* ------------------------------------------------------- worker rates */

#define MAX_CTRS 128

struct wsnap {
	unsigned n;
	char name[MAX_CTRS][40];
	unsigned long long v[MAX_CTRS];
	double when;
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The numeric counters of the worker block of a `get` reply. */
static int wsnap_take(const char *dev, struct wsnap *w)
{
	char *reply = NULL, *p, *line, *save = NULL;
	int code, in_worker = 0;

	code = ctl_call(dev, "get=1\n\n", 7, &reply);
	w->when = mono_now();
	w->n = 0;
	if (code) {
		free(reply);
		return code < 0 ? code : -code;
	}
	for (p = reply; (line = strtok_r(p, "\n", &save)); p = NULL) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = 0;
		if (!strcmp(line, "worker"))
			in_worker = 1;
		else if (!strcmp(line, "errno"))
			break;
		else if (in_worker && is_number(eq + 1) && w->n < MAX_CTRS) {
			snprintf(w->name[w->n], sizeof(w->name[0]), "%s", line);
			w->v[w->n++] = strtoull(eq + 1, NULL, 10);
		}
	}
	free(reply);
	return 0;
}

static unsigned long long wsnap_get(const struct wsnap *w, const char *name)
{
	unsigned i;

	for (i = 0; i < w->n; i++)
		if (!strcmp(w->name[i], name))
			return w->v[i];
	return 0;
}

static int is_error_ctr(const char *n)
{
	return strncmp(n, "in_err_", 7) == 0 ||
	       strncmp(n, "out_err_", 8) == 0 || strstr(n, "drop") ||
	       strstr(n, "bad") || strstr(n, "too_big") || strstr(n, "full") ||
	       strstr(n, "no_") || strstr(n, "invalid") || strstr(n, "empty") ||
	       (n[0] == 'I' && n[1] == 'n');
}

static void wsnap_print(const char *dev, const struct wsnap *cur,
			const struct wsnap *prev, int json)
{
	double dt = prev ? cur->when - prev->when : 0;
	unsigned i;

	if (json) {
		struct json j;

		json_begin(&j, stdout);
		json_str(&j, "dev", dev);
		if (prev)
			json_double(&j, "interval", dt);
		json_obj_open(&j, prev ? "rates" : "counters");
		for (i = 0; i < cur->n; i++) {
			if (prev)
				json_double(&j, cur->name[i],
					    (cur->v[i] -
					     wsnap_get(prev, cur->name[i])) /
						    (dt > 0 ? dt : 1));
			else
				json_u64(&j, cur->name[i], cur->v[i]);
		}
		json_obj_close(&j);
		json_end(&j);
		fflush(stdout);
		return;
	}
	if (!prev) {
		for (i = 0; i < cur->n; i++)
			printf("  %-24s %llu\n", cur->name[i], cur->v[i]);
		return;
	}
#define RATE(n) ((wsnap_get(cur, n) - wsnap_get(prev, n)) / (dt > 0 ? dt : 1))
	printf("%-10s %'14.0f decrypted/s %'14.0f encrypted/s %'14.0f rx/s %'14.0f tx/s\n",
	       "Summary", RATE("decrypted"), RATE("encrypted"),
	       RATE("rx_nic") + RATE("rx_secure"),
	       RATE("tx_nic") + RATE("tx_stack"));
	for (i = 0; i < cur->n; i++) {
		double r = RATE(cur->name[i]);

		if (is_error_ctr(cur->name[i]) && r > 0)
			printf("  %-24s %'14.0f /s\n", cur->name[i], r);
	}
#undef RATE
	fflush(stdout);
}

static int sa_stats(const char *dev, int argc, char **argv)
{
	struct wsnap *a = calloc(2, sizeof(*a)), *cur = a, *prev = a + 1, *t;
	double interval = 0;
	long count = -1;
	int json = 0, i, rc = 1;
	char *end;

	if (!a)
		return 1;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-j")) {
			json = 1;
		} else if (!strcmp(argv[i], "-i") && i + 1 < argc) {
			interval = strtod(argv[++i], &end);
			if (*end || interval <= 0) {
				fprintf(stderr,
					"%s: -i '%s': expected seconds\n",
					prog_name, argv[i]);
				goto out;
			}
		} else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			count = strtol(argv[++i], &end, 10);
			if (*end || count <= 0) {
				fprintf(stderr,
					"%s: -c '%s': expected a count\n",
					prog_name, argv[i]);
				goto out;
			}
		} else {
			sa_usage(stderr);
			rc = 2;
			goto out;
		}
	}
	if (wsnap_take(dev, cur))
		goto out;
	if (interval <= 0) {
		wsnap_print(dev, cur, NULL, json);
		rc = 0;
		goto out;
	}
	while (count < 0 || count-- > 0) {
		t = prev;
		prev = cur;
		cur = t;
		usleep((useconds_t)(interval * 1e6));
		if (wsnap_take(dev, cur))
			goto out;
		wsnap_print(dev, cur, prev, json);
	}
	rc = 0;
out:
	free(a);
	return rc;
}

int cmd_sa(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "%s: libsodium failed to initialise\n",
			prog_name);
		return 1;
	}
	if (argc >= 2 &&
	    (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	     !strcmp(argv[1], "help"))) {
		sa_usage(stdout);
		return 0;
	}
	/* `xfp sa VERB --help`: the same help (never a device "--help") */
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			sa_usage(stdout);
			return 0;
		}
	if (argc < 3) {
		sa_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "add"))
		return sa_add(argv[2], argc - 3, argv + 3);
	if (!strcmp(argv[1], "del"))
		return sa_del(argv[2], argc - 3, argv + 3);
	if (!strcmp(argv[1], "show")) {
		if (argc == 3)
			return sa_show(argv[2], 0);
		if (argc == 4 && !strcmp(argv[3], "-j"))
			return sa_show(argv[2], 1);
		sa_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "stats"))
		return sa_stats(argv[2], argc - 3, argv + 3);
	if (!strcmp(argv[1], "load")) {
		if (argc != 4) {
			sa_usage(stderr);
			return 2;
		}
		return ctl_sa_load(argv[2], argv[3]);
	}
	fprintf(stderr,
		"%s: sa: unknown command '%s' (expected add, del, show, stats or load)\n",
		prog_name, argv[1]);
	return 2;
}
