// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_worker_raw.c - the raw AEAD primitive the worker's default SA
 * uses (AES-256-GCM, default engine), at the plaintext sizes that
 * bench_worker.sh pushes through AF_XDP (frames of 64, 512 and 1400
 * bytes): one core, key set up once, in place, no I/O, packets per
 * CPU-second of the measuring thread.  bench_worker.sh
 * runs it in the same run and prints the AF_XDP rates next to it.
 *
 * With --tun ADDR it instead measures the alternative delivery device the
 * worker does not use: write() of 64- and 1400-byte UDP packets to ADDR
 * (a local address of the namespace it runs in) through a TUN device, one
 * packet per system call, into the stack (docs/worker.md compares it
 * with AF_XDP transmit on xfp's veth pair).
 *
 *   bench_worker_raw [--seconds S] [--json FILE] [--tun ADDR]
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "crypto/engine.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * CPU time of this thread: the rates are per CPU-second, like the worker's
 * in bench_worker.sh, and do not drop when other jobs take the core.
 */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int tun_bench(const char *dst, double secs, const char *json)
{
	static const unsigned sizes[] = { 64, 1400 };
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
	uint8_t pkt[1500];
	double pps[2];
	int fd, s, i;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "xfptunb");
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr)) {
		perror("bench_worker_raw: tun");
		return 1;
	}
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ifr.ifr_flags = IFF_UP;
	if (s < 0 || ioctl(s, SIOCSIFFLAGS, &ifr)) {
		perror("bench_worker_raw: tun up");
		return 1;
	}
	close(s);
	for (i = 0; i < 2; i++) {
		unsigned len =
			sizes[i] - 14; /* the IP packet of such a frame */
		unsigned long n = 0;
		double t0 = now(), t;

		memset(pkt, 0, sizeof(pkt));
		pkt[0] = 0x45;
		pkt[2] = (uint8_t)(len >> 8);
		pkt[3] = (uint8_t)len;
		pkt[8] = 64;
		pkt[9] = 17;
		inet_pton(AF_INET, "198.18.0.99", pkt + 12);
		inet_pton(AF_INET, dst, pkt + 16);
		pkt[10] = 0;
		pkt[11] = 0;
		{
			uint16_t c = csum(pkt, 20);

			pkt[10] = (uint8_t)(c >> 8);
			pkt[11] = (uint8_t)c;
		}
		pkt[20] = 0x04; /* sport 1024, dport 9 (discard: no socket) */
		pkt[23] = 9;
		pkt[24] = (uint8_t)((len - 20) >> 8);
		pkt[25] = (uint8_t)(len - 20);
		do {
			for (int k = 0; k < 256; k++, n++)
				if (write(fd, pkt, len) != (ssize_t)len) {
					perror("bench_worker_raw: tun write");
					return 1;
				}
			t = now() - t0;
		} while (t < secs);
		pps[i] = n / t;
		printf("tun write into the stack, %4u-byte frames: %.3f Mpps\n",
		       sizes[i], pps[i] / 1e6);
	}
	close(fd);
	if (json) {
		FILE *f = fopen(json, "w");

		if (!f)
			return 1;
		fprintf(f, "{\"tun_write_pps\":{\"64\":%.0f,\"1400\":%.0f}}\n",
			pps[0], pps[1]);
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *tun = NULL;
	static const unsigned frames[] = { 64, 512, 1400 };
	const char *json = NULL;
	double secs = 0.5, enc[3], dec[3];
	struct xfp_cipher c = { 0 };
	uint8_t key[36], nonce[XFP_NONCE_LEN] = { 0 }, buf[2048], tag[16];
	uint8_t hdr[8] = { 0, 0, 0x10, 0x01, 0, 0, 0, 1 }, sealed[2048];
	struct xfp_iov aad = { hdr, sizeof(hdr) };
	FILE *f;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json = argv[++i];
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			secs = atof(argv[++i]);
		else if (!strcmp(argv[i], "--tun") && i + 1 < argc)
			tun = argv[++i];
		else {
			fprintf(stderr,
				"usage: bench_worker_raw [--seconds S] [--json FILE] [--tun ADDR]\n");
			return 2;
		}
	}
	if (tun)
		return tun_bench(tun, secs, json);
	for (i = 0; i < (int)sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 1);
	if (xfp_cipher_init(&c, XFP_ALG_AES256GCM16, XFP_ENGINE_DEFAULT, key,
			    sizeof(key))) {
		fprintf(stderr, "bench_worker_raw: AES-256-GCM unavailable\n");
		return 1;
	}
	xfp_wipe(key, sizeof(key));
	memset(buf, 0xa5, sizeof(buf));
	printf("raw %s (%s engine), one core, per CPU-second\n", "aes256gcm16",
	       c.eng->name);
	printf("%6s %14s %14s\n", "frame", "seal Mpps", "open Mpps");
	for (i = 0; i < 3; i++) {
		/* The IP packet inside the frame, plus ESP trailer (2). */
		size_t len = frames[i] - 14 + 2;
		unsigned long n = 0;
		double t0 = cpu_now(), t;

		do {
			for (int k = 0; k < 256; k++, n++) {
				nonce[11] = (uint8_t)n;
				c.eng->seal(&c, nonce, &aad, 1, buf, len, tag);
			}
			t = cpu_now() - t0;
		} while (t < secs);
		enc[i] = n / t;
		/* open needs an authentic input each time: copy it back
		 * first, as the worker's rx path copies frames too. */
		nonce[11] = 0;
		c.eng->seal(&c, nonce, &aad, 1, buf, len, tag);
		memcpy(sealed, buf, len);
		n = 0;
		t0 = cpu_now();
		do {
			for (int k = 0; k < 256; k++, n++) {
				memcpy(buf, sealed, len);
				if (c.eng->open(&c, nonce, &aad, 1, buf, len,
						tag)) {
					fprintf(stderr,
						"bench_worker_raw: open failed\n");
					return 1;
				}
			}
			t = cpu_now() - t0;
		} while (t < secs);
		dec[i] = n / t;
		printf("%6u %14.3f %14.3f\n", frames[i], enc[i] / 1e6,
		       dec[i] / 1e6);
	}
	if (json) {
		f = fopen(json, "w");
		if (!f) {
			perror(json);
			return 1;
		}
		fprintf(f,
			"{\"alg\":\"aes256gcm16\",\"engine\":\"%s\",\"sizes\":{",
			c.eng->name);
		for (i = 0; i < 3; i++)
			fprintf(f,
				"%s\"%u\":{\"seal_pps\":%.0f,\"open_pps\":%.0f}",
				i ? "," : "", frames[i], enc[i], dec[i]);
		fprintf(f, "}}\n");
		fclose(f);
	}
	xfp_cipher_fini(&c);
	return 0;
}
