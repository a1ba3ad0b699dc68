#!/usr/bin/env bash
# demo.sh - `make demo`: two hosts in network namespaces, xfp attached to
# host B's interface, real traffic from host A, and what xfp counted.
#
#   host A  [xda] 198.18.0.1/24 2001:db8::1/64
#              |  veth
#   host B  [xdb] 198.18.0.2/24 2001:db8::2/64   xfp XDP ingress attached
set -u
cd "$(dirname "$0")/.." || exit 1
TAG=xd$$
. tests/netns/lib.sh
need ip ping "$XFP"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "Two hosts: $TAG-a (198.18.0.1) and $TAG-b (198.18.0.2), joined by a veth pair"
netns_new A a
netns_new B b
DA=${TAG}a
DB=${TAG}b
veth_new "$DA" "$A" "$DB" "$B"
ip -n "$A" addr add 198.18.0.1/24 dev "$DA"
ip -n "$B" addr add 198.18.0.2/24 dev "$DB"
ip -n "$A" addr add 2001:db8::1/64 dev "$DA" nodad
ip -n "$B" addr add 2001:db8::2/64 dev "$DB" nodad
bpffs_private

say "Attach xfp to $DB on host B"
run ip netns exec "$B" "$XFP" attach "$DB" || exit 1
ip -n "$B" -d link show "$DB" | grep -E 'prog/xdp' | sed 's/^ */   /'

say "Traffic from host A: ping (IPv4, IPv6) and 10 UDP datagrams"
run ip netns exec "$A" ping -c 3 -i 0.2 198.18.0.2 | tail -2
run ip netns exec "$A" ping -6 -c 3 -i 0.2 2001:db8::2 | tail -2
for i in $(seq 10); do ip netns exec "$A" bash -c 'echo demo >/dev/udp/198.18.0.2/9999'; done

say "What xfp counted on $DB"
run ip netns exec "$B" "$XFP" stats "$DB"

say "Detach: the device is left as it was"
run ip netns exec "$B" "$XFP" detach "$DB"
ip -n "$B" link show "$DB" | grep -q prog/xdp && echo "   still attached?!" || echo "   no XDP program on $DB"
say "Done; namespaces and mounts are removed on exit"
