# shellcheck shell=bash
# esp_lib.sh - helpers for the ESP/AH end-to-end tests (test_esp*.sh,
# test_worker*.sh) and the demo.  Source after lib.sh.
#
#   host A [DA] --veth-- [CA] ns C: bridge, capture point [CB] --veth-- [DB] host B
#   198.18.0.1  2001:db8::1                                198.18.0.2  2001:db8::2
#
# Captures are taken in C: AF_XDP transmit and XDP redirect bypass the
# packet taps of A's and B's own devices, a bridge in between sees every
# frame that really crossed the wire.

# Workers get SIGTERM and a moment to remove their sockets before lib.sh's
# cleanup takes the namespaces away.
_esp_workers=()
_esp_cleanup() {
	local p i
	for p in "${_esp_workers[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for i in $(seq 30); do
		for p in "${_esp_workers[@]}"; do kill -0 "$p" 2>/dev/null && break; done
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	for p in "${_esp_workers[@]}"; do wait "$p" 2>/dev/null; done
	_cleanup
}
trap _esp_cleanup EXIT

esp_hosts() { # creates A, B, C and starts no worker
	netns_new A a
	netns_new B b
	netns_new C c
	DA=${TAG}a
	DB=${TAG}b
	CA=${TAG}ca
	CB=${TAG}cb
	veth_bridged "$DA" "$A" "$CA" "$DB" "$B" "$CB" "$C"
	ip -n "$A" addr add 198.18.0.1/24 dev "$DA"
	ip -n "$B" addr add 198.18.0.2/24 dev "$DB"
	ip -n "$A" addr add 2001:db8::1/64 dev "$DA" nodad
	ip -n "$B" addr add 2001:db8::2/64 dev "$DB" nodad
	# The plaintext path MTU leaves room for the ESP overhead.
	ip -n "$A" route add 198.18.0.2/32 dev "$DA" mtu lock 1400
	ip -n "$B" route add 198.18.0.1/32 dev "$DB" mtu lock 1400
	ip -n "$A" -6 route add 2001:db8::2/128 dev "$DA" mtu lock 1400
	ip -n "$B" -6 route add 2001:db8::1/128 dev "$DB" mtu lock 1400
	# Static neighbours: no ARP/ND timing in the results.
	local ma mb
	ma=$(ip -n "$A" -br link show "$DA" | awk '{print $3}')
	mb=$(ip -n "$B" -br link show "$DB" | awk '{print $3}')
	ip -n "$A" neigh replace 198.18.0.2 lladdr "$mb" dev "$DA" nud permanent
	ip -n "$B" neigh replace 198.18.0.1 lladdr "$ma" dev "$DB" nud permanent
	ip -n "$A" neigh replace 2001:db8::2 lladdr "$mb" dev "$DA" nud permanent
	ip -n "$B" neigh replace 2001:db8::1 lladdr "$ma" dev "$DB" nud permanent
	bpffs_private
	export XFP_RUNDIR=$TMPD/run
	mkdir -p -m 0700 "$XFP_RUNDIR"
	umask 077
}

# worker_start NS DEV [ARGS...]: run a worker in the background, wait for
# its control socket; the pid goes to WPID_<DEV>.
worker_start() {
	local ns=$1 dev=$2 i pid
	shift 2
	# Not through nsx (a function): $! must be the worker itself.
	ip netns exec "$ns" "$XFP" worker "$dev" "$@" >>"$TMPD/worker-$dev.log" 2>&1 &
	pid=$!
	_esp_workers+=("$pid")
	printf -v "WPID_$dev" '%s' "$pid"
	for i in $(seq 100); do
		if [ -S "$XFP_RUNDIR/$dev.sock" ] && grep -q "running on" "$TMPD/worker-$dev.log" &&
			[ "$(grep -c 'running on' "$TMPD/worker-$dev.log")" -gt "${_wstarts[$dev]:-0}" ]; then
			_wstarts[$dev]=$(grep -c 'running on' "$TMPD/worker-$dev.log")
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/# /' "$TMPD/worker-$dev.log"
	return 1
}
declare -A _wstarts

# keygen NAME BYTES: a random key in hex, in a 0600 file $TMPD/NAME.
keygen() {
	(umask 077 && head -c "$2" /dev/urandom | od -An -tx1 -v | tr -d ' \n' >"$TMPD/$1")
}
key_hex() { cat "$TMPD/$1"; }

# sa_pair ALG SPI_AB SPI_BA FAMILY [EXTRA...]: SAs A->B and B->A for the
# traffic between the hosts' addresses of FAMILY (4 or 6); keys in
# $TMPD/k<SPI>.  EXTRA arguments go to every `sa add`.
sa_pair() {
	local alg=$1 ab=$2 ba=$3 fam=$4 len a b
	shift 4
	case $alg in
	aes256gcm16 | chacha20poly1305 | aes256gmac) len=36 ;;
	aes128gcm16 | aes128gmac) len=20 ;;
	sha512) len=64 ;;
	sha1) len=20 ;;
	*) len=32 ;;
	esac
	if [ "$fam" = 6 ]; then a=2001:db8::1 b=2001:db8::2; else a=198.18.0.1 b=198.18.0.2; fi
	keygen "k$ab" $len
	keygen "k$ba" $len
	nsx "$A" "$XFP" sa add "$DA" dir out spi "$ab" alg "$alg" dst "$b" key-file "$TMPD/k$ab" "$@" >/dev/null &&
		nsx "$A" "$XFP" sa add "$DA" dir in spi "$ba" alg "$alg" dst "$a" key-file "$TMPD/k$ba" "$@" >/dev/null &&
		nsx "$B" "$XFP" sa add "$DB" dir out spi "$ba" alg "$alg" dst "$a" key-file "$TMPD/k$ba" "$@" >/dev/null &&
		nsx "$B" "$XFP" sa add "$DB" dir in spi "$ab" alg "$alg" dst "$b" key-file "$TMPD/k$ab" "$@" >/dev/null
}

# capture_start NAME / capture_stop: tcpdump on C's port towards A.
capture_start() {
	CAP=$TMPD/$1.pcap
	nsx "$C" tcpdump -i "$CA" -U -n -w "$CAP" >"$TMPD/tcpdump.log" 2>&1 &
	CAP_PID=$!
	bg_pid "$CAP_PID"
	local i
	for i in $(seq 50); do
		grep -q "listening on" "$TMPD/tcpdump.log" && return 0
		sleep 0.1
	done
	return 1
}
capture_stop() {
	sleep 0.3
	kill "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
}

# Frames of protected traffic (between the hosts' addresses) that crossed
# in clear: neither ESP nor AH, nor neighbour discovery (exempt, as in WFP).
CLEAR_FILTER='((ip.src==198.18.0.1 && ip.dst==198.18.0.2) || (ip.src==198.18.0.2 && ip.dst==198.18.0.1) || (ipv6.addr==2001:db8::1 && ipv6.addr==2001:db8::2)) && !esp && !ah && !(icmpv6.type >= 133 && icmpv6.type <= 137)'
clear_count() {
	tshark -r "$1" -n -Y "$CLEAR_FILTER" 2>/dev/null | wc -l
}

clear_show() {
	tshark -r "$1" -n -Y "$CLEAR_FILTER" 2>/dev/null |
		head -5 | sed 's/^/# clear: /'
}

# tshark's name for an xfp algorithm, and its key with 0x.
tshark_alg() {
	case $1 in
	aes256gcm16 | aes128gcm16) echo 'AES-GCM with 16 octet ICV [RFC4106]' ;;
	chacha20poly1305) echo 'ChaCha20/Poly1305' ;;
	*) echo 'NULL' ;;
	esac
}

# esp_decrypt_check PCAP ALG FAM SPI...: every ESP frame decrypts with the
# keys of the given SPIs, i.e. tshark dissects a transport header inside.
# Prints "ESP_TOTAL DECRYPTED".
esp_decrypt_check() {
	local pcap=$1 alg=$2 fam=$3 spi uat=() total ok
	shift 3
	for spi in "$@"; do
		uat+=(-o "uat:esp_sa:\"IPv$fam\",\"*\",\"*\",\"$(printf '0x%08x' "$spi")\",\"$(tshark_alg "$alg")\",\"0x$(key_hex "k$spi")\",\"NULL\",\"\"")
	done
	total=$(tshark -r "$pcap" -n -Y esp 2>/dev/null | wc -l)
	# Count the frames that did not decrypt, not the ones that did: a
	# frame can show two transport headers (an ICMP error quoting one).
	bad=$(tshark -r "$pcap" -n -o esp.enable_encryption_decode:TRUE "${uat[@]}" \
		-Y 'esp && !(tcp || udp || icmp || icmpv6)' 2>/dev/null | wc -l)
	echo "$total $((total - bad))"
}

# A TCP or UDP peer in Python: tcp-recv/tcp-send print/compare sha256.
esp_pyhelper() {
	cat >"$TMPD/peer.py" <<'EOF'
import hashlib, socket, sys, time
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
if mode == 'tcp-recv':
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(1); s.settimeout(30)
    open(sys.argv[4], 'w').close()            # ready
    c, _ = s.accept(); c.settimeout(30); h = hashlib.sha256(); n = 0
    while True:
        b = c.recv(65536)
        if not b: break
        h.update(b); n += len(b)
    print(h.hexdigest(), n)
elif mode == 'tcp-send':
    s = socket.create_connection((addr, port), timeout=30)
    with open(sys.argv[4], 'rb') as f: s.sendall(f.read())
    s.shutdown(socket.SHUT_WR)
    try: s.recv(1)
    except OSError: pass
elif mode == 'udp-recv':
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, port)); s.settimeout(3)
    open(sys.argv[4], 'w').close()
    n = 0
    try:
        while True:
            d, peer = s.recvfrom(65536); n += 1
            s.sendto(d, peer)                    # echo
    except socket.timeout: pass
    print(n)
elif mode == 'udp-send':
    count = int(sys.argv[4]); s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(2); got = 0
    for i in range(count):
        s.sendto(b'x' * 512 + str(i).encode(), (addr, port))
        try:
            s.recvfrom(65536); got += 1
        except socket.timeout: pass
    print(got)
EOF
}

# tcp_check NAME SRCNS DSTNS ADDR FILE: send FILE over TCP, compare sha256.
tcp_check() {
	local name=$1 src=$2 dst=$3 addr=$4 file=$5 want got rp i
	want=$(sha256sum "$file" | cut -d' ' -f1)
	rm -f "$TMPD/ready"
	nsx "$dst" "$PY" "$TMPD/peer.py" tcp-recv "$addr" 5001 "$TMPD/ready" >"$TMPD/tcp.out" 2>&1 &
	rp=$!
	for i in $(seq 50); do [ -e "$TMPD/ready" ] && break; sleep 0.1; done
	nsx "$src" "$PY" "$TMPD/peer.py" tcp-send "$addr" 5001 "$file" >/dev/null 2>&1
	wait "$rp"
	got=$(cut -d' ' -f1 <"$TMPD/tcp.out")
	check_eq "$name" "$got" "$want"
}

# udp_check NAME SRCNS DSTNS ADDR N: N echoed datagrams all come back.
udp_check() {
	local name=$1 src=$2 dst=$3 addr=$4 n=$5 rp i got
	rm -f "$TMPD/ready"
	nsx "$dst" "$PY" "$TMPD/peer.py" udp-recv "$addr" 5002 "$TMPD/ready" >"$TMPD/udp.out" 2>&1 &
	rp=$!
	for i in $(seq 50); do [ -e "$TMPD/ready" ] && break; sleep 0.1; done
	got=$(nsx "$src" "$PY" "$TMPD/peer.py" udp-send "$addr" 5002 "$n" 2>&1)
	wait "$rp"
	check_eq "$name" "$got/$(cat "$TMPD/udp.out")" "$n/$n"
}

# sa_counter NS DEV SPI DIR NAME: one counter of one SA from `sa show -j`.
sa_counter() {
	nsx "$1" "$XFP" sa show "$2" -j | json_get - "[s for s in j['sas'] if int(s['spi'],16)==$3 and s['dir']=='$4'][0]['$5']"
}
worker_counter() {
	nsx "$1" "$XFP" sa show "$2" -j | json_get - "j['worker']['$3']"
}

# xfp_both: xfp attached and a worker running on host A and host B (TAP
# lines; a worker that does not start ends the test).
xfp_both() {
	check "attach xfp on A" nsx "$A" "$XFP" attach "$DA"
	check "attach xfp on B" nsx "$B" "$XFP" attach "$DB"
	worker_start "$A" "$DA" || { fail "worker on A starts" "see log"; done_testing; exit; }
	worker_start "$B" "$DB" || { fail "worker on B starts" "see log"; done_testing; exit; }
}

# pair_keys SPI_AB SPI_BA BYTES [TAG]: fresh keys for the SAs A->B and
# B->A, as key files of the policy language: $TMPD/a[TAG].keys (A's view)
# and $TMPD/b[TAG].keys (B's), mode 0600; the keys also in $TMPD/k<SPI>.
pair_keys() {
	keygen "k$1" "$3"
	keygen "k$2" "$3"
	(umask 077
	 printf 'inbound %s\noutbound %s\n' "$(key_hex "k$2")" "$(key_hex "k$1")" >"$TMPD/a${4:-}.keys"
	 printf 'inbound %s\noutbound %s\n' "$(key_hex "k$1")" "$(key_hex "k$2")" >"$TMPD/b${4:-}.keys")
}
