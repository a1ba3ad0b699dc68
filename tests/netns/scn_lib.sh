# shellcheck shell=bash
# scn_lib.sh - helpers for the WFP scenario tests (test_scn_*.sh).  Source
# after lib.sh.  Parts are copied from esp_lib.sh (topology, capture).
#
#   host A [DA] --veth-- [CA] ns C: bridge br0 [CB] --veth-- [DB] host B
#   198.18.0.1  2001:db8::1     capture on CA          198.18.0.2  2001:db8::2
#                               [CD] --veth-- [DD] host D (scn_hosts 3)
#                                              198.18.0.3  2001:db8::3
#
# xfp runs on A, the host the example policies are written for (their
# local address is 198.18.0.1).  The capture is taken on CA, the bridge
# port facing A: every frame A really sent or received crosses it.
#
#   scn_hosts [3]                 namespaces, addresses, static neighbours
#   scn_attach POLICY             xfp attach on A's device + policy load (TAP)
#   srv_start NS                  TCP (5001 5555 6000) / UDP (5002 500 4500)
#                                 servers in NS; every connection or
#                                 datagram the application gets is logged
#   srv_got NS PROTO PORT PEER    how many the application got from PEER
#   tcp_try NS ADDR PORT [SPORT]  client: 0 when the server's reply arrives
#   udp_try NS ADDR PORT N [SPORT] client: prints how many echoes came back
#   cap_start NAME / cap_stop     tcpdump on CA; CAP is the pcap
#   wire N FILTER                 frames in CAP matching a display filter
#   agree NAME DIR EXPECT PACKET... reference (explain --policy) and datapath
#                                 (explain DEV) decide the same; EXPECT is
#                                 FILTER:ACTION[:ALEFILTER:ACTION]

scn_hosts() {
	local n=${1:-2} ma mb md
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
	ma=$(ip -n "$A" -br link show "$DA" | awk '{print $3}')
	mb=$(ip -n "$B" -br link show "$DB" | awk '{print $3}')
	ip -n "$A" neigh replace 198.18.0.2 lladdr "$mb" dev "$DA" nud permanent
	ip -n "$B" neigh replace 198.18.0.1 lladdr "$ma" dev "$DB" nud permanent
	ip -n "$A" neigh replace 2001:db8::2 lladdr "$mb" dev "$DA" nud permanent
	ip -n "$B" neigh replace 2001:db8::1 lladdr "$ma" dev "$DB" nud permanent
	if [ "$n" -ge 3 ]; then
		netns_new D d
		DD=${TAG}d
		CD=${TAG}cd
		veth_new "$DD" "$D" "$CD" "$C"
		ip -n "$C" link set "$CD" master br0
		ip -n "$D" addr add 198.18.0.3/24 dev "$DD"
		ip -n "$D" addr add 2001:db8::3/64 dev "$DD" nodad
		md=$(ip -n "$D" -br link show "$DD" | awk '{print $3}')
		ip -n "$A" neigh replace 198.18.0.3 lladdr "$md" dev "$DA" nud permanent
		ip -n "$D" neigh replace 198.18.0.1 lladdr "$ma" dev "$DD" nud permanent
		ip -n "$A" neigh replace 2001:db8::3 lladdr "$md" dev "$DA" nud permanent
		ip -n "$D" neigh replace 2001:db8::1 lladdr "$ma" dev "$DD" nud permanent
		ip -n "$B" neigh replace 198.18.0.3 lladdr "$md" dev "$DB" nud permanent
		ip -n "$D" neigh replace 198.18.0.2 lladdr "$mb" dev "$DD" nud permanent
	fi
	bpffs_private
	# Timestamps and small windows keep handshakes quick and predictable.
	for ns in "$A" "$B" ${D:+"$D"}; do
		ip netns exec "$ns" sysctl -qw net.ipv4.tcp_syn_retries=1
	done
}

# scn_attach POLICY: attach xfp on A's device and commit POLICY (a TAP line).
scn_attach() {
	SCN_POL=$1
	if nsx "$A" "$XFP" attach "$DA" >"$TMPD/attach.log" 2>&1 &&
		nsx "$A" "$XFP" policy load "$SCN_POL" dev "$DA" >>"$TMPD/attach.log" 2>&1; then
		ok "attach xfp on A, load $(basename "$SCN_POL")"
	else
		fail "attach xfp on A, load $(basename "$SCN_POL")" "$(tr '\n' ' ' <"$TMPD/attach.log")"
	fi
}

_scn_srv() {
	cat >"$TMPD/scn_srv.py" <<'EOF'
import os, selectors, socket, sys
log = open(sys.argv[1], "a", buffering=1)
tcp_ports = [int(x) for x in sys.argv[3].split(",")]
udp_ports = [int(x) for x in sys.argv[4].split(",")]
sel = selectors.DefaultSelector()
def peer(a):
    h = a[0]
    return h[7:] if h.startswith("::ffff:") else h
for p in tcp_ports:
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", p)); s.listen(64); s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, ("tcp", p))
for p in udp_ports:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", p)); s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, ("udp", p))
open(sys.argv[2], "w").close()
conns = {}
while True:
    for key, _ in sel.select():
        kind, p = key.data
        if kind == "tcp":
            c, a = key.fileobj.accept()
            log.write("tcp %d %s\n" % (p, peer(a)))
            c.setblocking(True); c.settimeout(2)
            try:
                c.sendall(b"hi\n")
            except OSError:
                pass
            # held open: the client decides when it ends (ALE tests)
            conns[c.fileno()] = c
            if len(conns) > 200:
                for k in list(conns)[:100]:
                    conns.pop(k).close()
        elif kind == "udp":
            while True:
                try:
                    d, a = key.fileobj.recvfrom(4096)
                except BlockingIOError:
                    break
                log.write("udp %d %s\n" % (p, peer(a)))
                try:
                    key.fileobj.sendto(d, a)
                except OSError:
                    pass
EOF
}

# srv_start NS [TCPPORTS] [UDPPORTS]
srv_start() {
	local ns=$1 tp=${2:-5001,5555,6000} up=${3:-5002,500,4500} i
	[ -e "$TMPD/scn_srv.py" ] || _scn_srv
	rm -f "$TMPD/ready.$ns"
	: >"$TMPD/srv.$ns.log"
	nsx "$ns" "$PY" "$TMPD/scn_srv.py" "$TMPD/srv.$ns.log" "$TMPD/ready.$ns" "$tp" "$up" >"$TMPD/srv.$ns.out" 2>&1 &
	bg_pid $!
	for i in $(seq 50); do [ -e "$TMPD/ready.$ns" ] && return 0; sleep 0.1; done
	return 1
}

# srv_got NS PROTO PORT PEER: connections / datagrams the server got.
srv_got() {
	grep -c "^$2 $3 $4\$" "$TMPD/srv.$1.log"
}

_scn_cli() {
	cat >"$TMPD/scn_cli.py" <<'EOF'
import socket, sys
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
sport = int(sys.argv[5]) if len(sys.argv) > 5 else 0
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
if mode == "tcp":
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sport:
        s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", sport))
    s.settimeout(float(sys.argv[4]))
    try:
        s.connect((addr, port))
        ok = s.recv(16) == b"hi\n"
    except OSError:
        ok = False
    sys.exit(0 if ok else 1)
else:
    n = int(sys.argv[4]); got = 0
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if sport:
        s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", sport))
    s.settimeout(0.5)
    for i in range(n):
        # on 4500 an IKE message starts with the non-ESP marker (RFC 3948)
        s.sendto((b"\0\0\0\0" if port == 4500 else b"") + b"scn-%d" % i, (addr, port))
        try:
            s.recvfrom(4096); got += 1
        except OSError:
            pass
    print(got)
EOF
}

# tcp_try NS ADDR PORT [SPORT]
tcp_try() {
	[ -e "$TMPD/scn_cli.py" ] || _scn_cli
	nsx "$1" "$PY" "$TMPD/scn_cli.py" tcp "$2" "$3" 2 ${4:+"$4"} 2>/dev/null
}

# udp_try NS ADDR PORT N [SPORT]
udp_try() {
	[ -e "$TMPD/scn_cli.py" ] || _scn_cli
	nsx "$1" "$PY" "$TMPD/scn_cli.py" udp "$2" "$3" "$4" ${5:+"$5"} 2>/dev/null
}

# cap_start NAME [IFACE]: capture on C's port facing A (or IFACE).
cap_start() {
	local i
	CAP=$TMPD/$1.pcap
	nsx "$C" tcpdump -i "${2:-$CA}" -U -n -w "$CAP" >"$TMPD/tcpdump.$1.log" 2>&1 &
	CAP_PID=$!
	bg_pid "$CAP_PID"
	for i in $(seq 50); do
		grep -q "listening on" "$TMPD/tcpdump.$1.log" && return 0
		sleep 0.1
	done
	return 1
}
cap_stop() {
	sleep 0.3
	kill "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
}

# wire FILTER: frames of the last capture that match a display filter.
wire() {
	tshark -r "$CAP" -n -Y "$1" 2>/dev/null | wc -l
}

# dp_counter PROG REASON: a drop-reason counter of A's device.
#   PROG: xdp (inbound) or tc (outbound)
dp_counter() {
	local key
	if [ "$1" = tc ]; then key='j["tc_egress"]["drop_reasons"]'; else key='j["drop_reasons"]'; fi
	nsx "$A" "$XFP" stats -j "$DA" | json_get - "$key.get('$2', {}).get('packets', 0)"
}

# agree NAME DIR EXPECT PACKET... [-- REFERENCE-ONLY WORDS...]
#
# One decision of the scenario for host A, asked of both classifiers:
#  - the reference, `xfp explain --policy FILE --layer L -j`, at the
#    transport layer of DIR and, when that does not block and the packet
#    opens a connection (tcp-flags syn, or any packet that is not TCP), at
#    the ALE layer (recv-accept inbound, connect outbound);
#  - the datapath, `xfp explain DEV direction DIR -j`, which runs the packet
#    through the compiled tables in A's XDP (in) or TC (out) program.
# EXPECT = TFILTER:ACTION[:AFILTER:ACTION], "-" for no filter; ACTION is
# permit, block, or secure (a permit that leaves over an SA).  The
# reference must decide exactly EXPECT.  The datapath must name the same
# filters, and its verdict must be what the decision means: block -> drop
# with the reference's drop reason, permit -> pass, secure -> not passed
# in clear (drop no-worker today, redirect to the worker once wired).
# Words after "--" (sa NAME, ipsec-flags, flow-was-secured,
# nd-clear-expired, remote-*-id) describe protection state that only the
# reference can be given; such a decision is checked at the reference only
# and its TAP name says so.
agree() {
	local name=$1 dir=$2 expect=$3 tl al conn=0 proto="" i dpargs=() refargs=() extra=() rt ra got fin rr dp want
	shift 3
	while [ $# -gt 0 ]; do
		case $1 in
		--) shift; extra=("$@"); break ;;
		tcp-flags) [ "$2" = syn ] && conn=1; dpargs+=("$1" "$2"); shift 2 ;;
		protocol) proto=$2; dpargs+=("$1" "$2"); refargs+=("$1" "$2"); shift 2 ;;
		*) dpargs+=("$1"); refargs+=("$1"); shift ;;
		esac
	done
	[ "$proto" = tcp ] || conn=1
	if [ "$dir" = in ]; then tl=inbound-transport al=ale-auth-recv-accept; else tl=outbound-transport al=ale-auth-connect; fi
	refargs+=(local-addr-type unicast "${extra[@]}")
	_ref_one() { # LAYER -> "NAME:ACTION DROPREASON"
		"$XFP" explain --policy "$SCN_POL" --layer "$1" "${refargs[@]}" -j 2>&1 |
			json_get - '(j["filter"]["name"] if j["filter"] else "-")+":"+("secure" if j["action"]=="permit" and j["secure"] else j["action"])+" "+j["drop_reason"]' 2>&1
	}
	rt=$(_ref_one "$tl")
	got=${rt% *} rr=${rt#* }
	if [ "$conn" = 1 ] && [ "${got##*:}" != block ]; then
		ra=$(_ref_one "$al")
		got="$got:${ra% *}"
		rr=${ra#* }
	fi
	if [ "$got" != "$expect" ]; then
		fail "$name" "reference decides '$got' ($rr), expected '$expect'"
		return
	fi
	if [ ${#extra[@]} -gt 0 ]; then
		ok "$name (reference only: ${extra[*]})"
		return
	fi
	dp=$(nsx "$A" "$XFP" explain "$DA" direction "$dir" "${dpargs[@]}" -j 2>&1)
	got=$(echo "$dp" | json_get - 'j["datapath"]["transport_filter"]+":"+j["datapath"]["ale_filter"]+" "+j["datapath"]["verdict"]+"/"+j["datapath"]["drop_reason"]' 2>&1)
	want=$(echo "$expect" | awk -F: '{ print $1 ":" ($3 != "" ? $3 : "-") }')
	fin=${expect##*:}
	case $expect in
	*:block) ;;
	*:secure*)
		# leaves over an SA: never passed in clear.  Today the datapath
		# drops it as no-worker (the crypto hand-off is not wired in); once
		# it is, TC redirects it to the worker.
		if [ "$got" = "$want drop/no-worker" ] || [ "$got" = "$want redirect/none" ]; then ok "$name"
		else fail "$name" "datapath '$got', expected '$want' and drop/no-worker or redirect"; fi
		return ;;
	esac
	case $fin in
	block) want="$want drop/$rr" ;;
	permit) want="$want pass/none" ;;
	esac
	if [ "$got" = "$want" ]; then ok "$name"; else fail "$name" "datapath '$got', expected '$want'"; fi
}

# tcp_allowed NAME NS ADDR PORT / tcp_blocked NAME NS ADDR PORT: a TCP
# client in NS gets (or does not get) the server's reply.
tcp_allowed() {
	if tcp_try "$2" "$3" "$4"; then ok "$1"; else fail "$1" "no reply from $3 port $4"; fi
}
tcp_blocked() {
	if tcp_try "$2" "$3" "$4"; then fail "$1" "$3 port $4 answered"; else ok "$1"; fi
}

# raw_ipsec NS DST esp|ah SPI N: N forged ESP or AH packets with SPI from
# NS to DST (no SA anywhere has that SPI).
raw_ipsec() {
	nsx "$1" "$PY" -c '
import socket, struct, sys
dst, kind, spi, n = sys.argv[1], sys.argv[2], int(sys.argv[3], 0), int(sys.argv[4])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
proto = 50 if kind == "esp" else 51
s = socket.socket(fam, socket.SOCK_RAW, proto)
for i in range(n):
    if kind == "esp":
        pkt = struct.pack("!II", spi, i + 1) + bytes(32)
    else:   # next header UDP, payload length 4 (24 bytes: 12 of ICV)
        pkt = struct.pack("!BBHII", 17, 4, 0, spi, i + 1) + bytes(12) + bytes(16)
    s.sendto(pkt, (dst, 0))
' "$2" "$3" "$4" "$5"
}

# Crypto workers (copied from esp_lib.sh): SIGTERM and a moment to remove
# their sockets before lib.sh's cleanup takes the namespaces away.
_scn_workers=()
_scn_cleanup() {
	local p i alive
	if [ ${#_scn_workers[@]} -gt 0 ]; then
		for p in "${_scn_workers[@]}"; do kill -TERM "$p" 2>/dev/null; done
		for i in $(seq 30); do
			alive=0
			for p in "${_scn_workers[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
			[ $alive = 0 ] && break
			sleep 0.1
		done
		for p in "${_scn_workers[@]}"; do wait "$p" 2>/dev/null; done
	fi
	_cleanup
}
trap _scn_cleanup EXIT

# worker_up NS DEV: run `xfp worker DEV` in NS, wait for its socket.
worker_up() {
	local ns=$1 dev=$2 i pid
	export XFP_RUNDIR=$TMPD/run
	mkdir -p -m 0700 "$XFP_RUNDIR"
	ip netns exec "$ns" "$XFP" worker "$dev" >>"$TMPD/worker-$dev.log" 2>&1 &
	pid=$!
	_scn_workers+=("$pid")
	for i in $(seq 100); do
		[ -S "$XFP_RUNDIR/$dev.sock" ] && grep -q "running on" "$TMPD/worker-$dev.log" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/# /' "$TMPD/worker-$dev.log"
	return 1
}
