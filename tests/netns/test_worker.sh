#!/usr/bin/env bash
# test_worker.sh - the worker's control plane and its failure behaviour:
# key handling, the root-only control socket, acquire events, bad packets
# sent at a host (unknown SPI, replayed, tampered, clear text), fail-closed
# when the worker is stopped or killed under traffic, restart without
# re-attach, and --remove leaving the device clean.
#
#   host A [a] --- [ca] C (bridge 198.18.0.3: capture, attacker) [cb] --- [b] host B
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
need ip ping tcpdump tshark bpftool setpriv "$XFP" "$PY"

esp_hosts
esp_pyhelper
ip -n "$C" addr add 198.18.0.3/24 dev br0

# bpf_stat DEV PROG SLOT: packets of one per-CPU counter of the worker's
# programs (PROG 0 NIC XDP, 1 NIC TC egress, 2 veth XDP).
bpf_stat() {
	bpftool -j map dump pinned "$XFP_BPFFS/xfp/$1/worker/xfp_stats" |
		"$PY" -c '
import json, sys
idx = int(sys.argv[1]) * 64 + int(sys.argv[2]); tot = 0
for e in json.load(sys.stdin):
    k = e["key"]; k = int(k[0], 16) | int(k[1], 16) << 8 if isinstance(k, list) else k
    if k != idx: continue
    for v in e["values"]:
        val = v["value"]
        tot += sum(int(b, 16) << (8 * i) for i, b in enumerate(val[:8])) if isinstance(val, list) else val["packets"]
print(tot)' "$2" "$3"
}
DROP=8 # XFP_STAT_DROP_BASE
R_NO_SA=11 R_NO_WORKER=12 R_CLEAR=13

worker_start "$A" "$DA" || { fail "worker on A starts" "see log"; done_testing; }
worker_start "$B" "$DB" || { fail "worker on B starts" "see log"; done_testing; }

# ---- keys and the control socket
keygen kbad 36
chmod 644 "$TMPD/kbad"
out=$(nsx "$A" "$XFP" sa add "$DA" dir in spi 0x5000 alg aes256gcm16 key-file "$TMPD/kbad" 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q "mode 0644"; then ok "key file readable by others refused"; else fail "key file readable by others refused" "rc=$rc $out"; fi
out=$(nsx "$A" "$XFP" sa add "$DA" dir in spi 0x5000 alg aes256gcm16 key 00112233 2>&1); rc=$?
if [ $rc -eq 2 ] && echo "$out" | grep -q "never taken from the command line"; then ok "key on the command line refused"; else fail "key on the command line refused" "rc=$rc $out"; fi
out=$(printf '%s' "$(head -c 36 /dev/urandom | od -An -tx1 -v | tr -d ' \n')" |
	nsx "$A" "$XFP" sa add "$DA" dir in spi 0x5000 alg aes256gcm16 key-file - 2>&1); rc=$?
check_eq "key from stdin accepted" "$rc" 0
check "sa del by spi" nsx "$A" "$XFP" sa del "$DA" spi 0x5000 dir in
keygen kshort 7
out=$(nsx "$A" "$XFP" sa add "$DA" dir in spi 0x5001 alg aes256gcm16 key-file "$TMPD/kshort" 2>&1); rc=$?
[ $rc -eq 1 ] && ok "wrong key length refused by the worker ($out)" || fail "wrong key length refused" "rc=$rc $out"

sa_pair aes256gcm16 0x3000 0x3001 4 || fail "SAs installed" "sa add failed"
check "ping A->B under ESP" nsx "$A" ping -c 2 -i 0.2 -W 2 198.18.0.2
# The SA travels with each decapsulated packet: TC on the stack side saw
# the hand-off metadata with the inbound SA's id on every echo reply.
id_in=$(sa_counter "$A" "$DA" 0x3001 in id)
meta=$(bpftool -j map dump pinned "$XFP_BPFFS/xfp/$DA/worker/xfp_meta_sa" | "$PY" -c '
import json, sys
want = int(sys.argv[1]); n = 0
for e in json.load(sys.stdin):
    k, v = e["key"], e["value"]
    k = int.from_bytes(bytes(int(b, 16) for b in k), "little") if isinstance(k, list) else k
    v = int.from_bytes(bytes(int(b, 16) for b in v), "little") if isinstance(v, list) else v
    n += v if k == want else 0
print(n)' "$id_in")
check_eq "TC on the stack side read SA $id_in from the hand-off metadata of each reply" "$meta" "$(sa_counter "$A" "$DA" 0x3001 in InPackets)"
nsx "$A" ping -c 40 -i 0.05 -W 1 198.18.0.2 >/dev/null &
pp=$!
rates=$(nsx "$A" "$XFP" sa stats "$DA" -j -i 1 -c 1)
wait $pp
r=$(echo "$rates" | json_get - 'int(j["rates"]["decrypted"] > 5 and j["rates"]["encrypted"] > 5 and j["rates"]["in_err_icv"] == 0)')
check_eq "sa stats -i: decrypted/s and encrypted/s under a 20/s ping ($(echo "$rates" | json_get - 'round(j["rates"]["decrypted"])')/s)" "$r" 1
show=$(nsx "$A" "$XFP" sa show "$DA")
k1=$(key_hex k0x3000) k2=$(key_hex k0x3001)
if echo "$show" | grep -q '<hidden>' && ! echo "$show$(nsx "$A" "$XFP" sa show "$DA" -j)" | grep -qi -e "${k1:0:16}" -e "${k2:0:16}"; then
	ok "sa show hides the keys"
else fail "sa show hides the keys" "key material in the output"; fi
if grep -qi -e "${k1:0:16}" -e "${k2:0:16}" "$TMPD"/worker-*.log; then fail "worker log holds no key" "key in log"; else ok "worker log holds no key"; fi
check_eq "control socket is 0600" "$(stat -c %a "$XFP_RUNDIR/$DA.sock")" 600
# Defence in depth: even with the file modes opened up, a non-root peer is
# refused by SO_PEERCRED.
chmod 755 "$XFP_RUNDIR"
chmod 666 "$XFP_RUNDIR/$DA.sock"
chmod 755 "$TMPD"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
print(s.recv(4096).decode().replace("\n", " "))' "$XFP_RUNDIR/$DA.sock" 2>&1)
chmod 700 "$XFP_RUNDIR" "$TMPD"
chmod 600 "$XFP_RUNDIR/$DA.sock"
if echo "$out" | grep -q "errno=1 " && ! echo "$out" | grep -q "spi="; then ok "non-root peer refused (EPERM)"; else fail "non-root peer refused" "$out"; fi
out=$(printf 'add_sa=1\nspi=300\nbogus=1\n\n' | "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())
print(s.recv(4096).decode().replace("\n", " "))' "$XFP_RUNDIR/$DA.sock")
if echo "$out" | grep -q "unknown key 'bogus'" && echo "$out" | grep -q "errno=22"; then ok "bad request answered with errno=22 and the reason"; else fail "bad request answered" "$out"; fi

# ---- packets sent at host A by an attacker on the link (C)
capture_start attack
nsx "$A" ping -c 5 -i 0.1 -W 2 198.18.0.2 >/dev/null
nsx "$B" ping -c 5 -i 0.1 -W 2 198.18.0.1 >/dev/null
capture_stop
cp "$CAP" "$TMPD/orig.pcap"
before_dup=$(sa_counter "$A" "$DA" 0x3001 in InReplayDup)
before_icv=$(sa_counter "$A" "$DA" 0x3001 in InIcvFail)
before_nosa=$(bpf_stat "$DA" 0 $((DROP + R_NO_SA)))
before_clear=$(bpf_stat "$DA" 0 $((DROP + R_CLEAR)))
nsx "$C" "$PY" - "$TMPD/orig.pcap" br0 "$(key_hex k0x3001)" <<'EOF' >"$TMPD/attack.out" 2>&1
import sys, warnings
warnings.filterwarnings("ignore")
from scapy.all import rdpcap, sendp, Ether, IP, ICMP, Raw, conf
from scapy.layers.ipsec import ESP, SecurityAssociation
conf.verb = 0
frames = [f for f in rdpcap(sys.argv[1]) if IP in f and f[IP].dst == "198.18.0.1" and f[IP].proto == 50]
assert len(frames) >= 5, len(frames)
dev = sys.argv[2]
sendp(frames[:5], iface=dev)                               # replayed: InReplayDup
# Fresh sequence numbers (past the replay check), ICV broken: InIcvFail.
sa = SecurityAssociation(ESP, spi=0x3001, crypt_algo="AES-GCM", crypt_key=bytes.fromhex(sys.argv[3]), seq_num=100000)
eth = Ether(dst=frames[0][Ether].dst, src=frames[0][Ether].src, type=0x0800)
bad = []
for i in range(4):
    e = bytearray(bytes(sa.encrypt(IP(src="198.18.0.2", dst="198.18.0.1") / ICMP(id=7, seq=i))))
    e[-1] ^= 0x01
    bad.append(eth / Raw(bytes(e)))
sendp(bad, iface=dev)
unk = bytearray(bytes(frames[0])); unk[34:38] = b"\xde\xad\xbe\xef"
sendp([Ether(bytes(unk))] * 3, iface=dev)                  # unknown SPI: no-sa in XDP
clr = eth / IP(src="198.18.0.2", dst="198.18.0.1") / ICMP()
sendp([clr] * 2, iface=dev)                                # clear text from a protected peer
print("sent")
EOF
grep -q sent "$TMPD/attack.out" || sed 's/^/# /' "$TMPD/attack.out"
sleep 0.5
check_eq "5 replayed ESP packets counted InReplayDup" "$(($(sa_counter "$A" "$DA" 0x3001 in InReplayDup) - before_dup))" 5
check_eq "4 tampered ESP packets counted InIcvFail" "$(($(sa_counter "$A" "$DA" 0x3001 in InIcvFail) - before_icv))" 4
check_eq "3 unknown-SPI packets dropped in XDP as no-sa" "$(($(bpf_stat "$DA" 0 $((DROP + R_NO_SA))) - before_nosa))" 3
check_eq "2 clear packets from a protected peer dropped as clear-text" "$(($(bpf_stat "$DA" 0 $((DROP + R_CLEAR))) - before_clear))" 2
check "ESP still works after the attack" nsx "$A" ping -c 2 -i 0.2 -W 2 198.18.0.2

# ---- acquire: traffic to a protected peer without an SA
nsx "$A" "$XFP" monitor "$DA" -j -c 1 -t 10 >"$TMPD/mon.out" 2>&1 &
mp=$!
sleep 0.5
before=$(bpf_stat "$DA" 1 $((DROP + R_NO_SA)))
check "sa del of A's outbound SA" nsx "$A" "$XFP" sa del "$DA" spi 0x3000 dir out
capture_start acquire
if nsx "$A" ping -c 2 -i 0.2 -W 1 198.18.0.2 >/dev/null 2>&1; then fail "no SA: ping fails" "ping succeeded"; else ok "no SA: ping fails"; fi
capture_stop
wait $mp; rc=$?
if [ $rc -eq 0 ] && [ "$(json_get "$TMPD/mon.out" 'j["dst"]')" = 198.18.0.2 ]; then ok "xfp monitor shows the acquire event"; else fail "xfp monitor shows the acquire event" "rc=$rc $(cat "$TMPD/mon.out")"; fi
n=$(($(bpf_stat "$DA" 1 $((DROP + R_NO_SA))) - before))
[ "$n" -ge 2 ] && ok "no-SA packets dropped at TC egress and counted ($n)" || fail "no-SA drops counted" "$n"
check_eq "nothing in clear on the wire without an SA" "$(clear_count "$CAP")" 0
sa_readd_out() {
	nsx "$A" "$XFP" sa add "$DA" dir out spi 0x3000 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k0x3000" >/dev/null
}
check "outbound SA re-added" sa_readd_out
check "ping works again" nsx "$A" ping -c 2 -i 0.2 -W 2 198.18.0.2

# ---- fail closed: kill -9 under traffic, restart
xdp_id=$(ip -n "$A" -j link show "$DA" | json_get - 'j[0]["xdp"]["prog"]["id"]' 2>/dev/null)
capture_start killed
nsx "$A" ping -i 0.02 -c 200 -W 1 198.18.0.2 >"$TMPD/pingA.out" 2>&1 &
pa=$!
nsx "$B" ping -i 0.02 -c 200 -W 1 198.18.0.1 >"$TMPD/pingB.out" 2>&1 &
pb=$!
sleep 1
nw_out=$(bpf_stat "$DA" 2 $((DROP + R_NO_WORKER)))
nw_in=$(bpf_stat "$DA" 0 $((DROP + R_NO_WORKER)))
wpid=WPID_$DA
kill -9 "${!wpid}"
wait "${!wpid}" 2>/dev/null
sleep 1.5
d_out=$(($(bpf_stat "$DA" 2 $((DROP + R_NO_WORKER))) - nw_out))
d_in=$(($(bpf_stat "$DA" 0 $((DROP + R_NO_WORKER))) - nw_in))
[ "$d_out" -gt 10 ] && ok "worker dead: outbound protected traffic dropped, counted no-worker ($d_out)" || fail "worker dead: outbound dropped" "$d_out"
[ "$d_in" -gt 10 ] && ok "worker dead: inbound ESP dropped, counted no-worker ($d_in)" || fail "worker dead: inbound dropped" "$d_in"
worker_start "$A" "$DA" || fail "worker restarts" "see log"
grep -q "taking over" "$TMPD/worker-$DA.log" && ok "restart takes over the pinned state" || fail "restart takes over" "no takeover"
check_eq "restart did not re-attach XDP" "$(ip -n "$A" -j link show "$DA" | json_get - 'j[0]["xdp"]["prog"]["id"]')" "$xdp_id"
nsx "$A" "$XFP" sa add "$DA" dir in spi 0x3001 alg aes256gcm16 dst 198.18.0.1 key-file "$TMPD/k0x3001" >/dev/null
sa_readd_out
wait $pa $pb
capture_stop
n=$(clear_count "$CAP")
check_eq "kill -9 under traffic: no clear text on the wire" "$n" 0
[ "$n" = 0 ] || clear_show "$CAP"
check "after restart: traffic resumes A->B" nsx "$A" ping -c 3 -i 0.2 -W 2 198.18.0.2
check "after restart: traffic resumes B->A" nsx "$B" ping -c 3 -i 0.2 -W 2 198.18.0.1
seq=$(sa_counter "$A" "$DA" 0x3000 out seq)
[ "$seq" -gt 16777216 ] && ok "restarted outbound SA continues after the reserved sequence numbers ($seq)" || fail "sequence continues" "seq=$seq"

# ---- SIGTERM: clean exit, only the sockets go
kill -TERM "${!wpid}"
wait "${!wpid}"; rc=$?
check_eq "SIGTERM: worker exits 0" "$rc" 0
[ -e "$XFP_RUNDIR/$DA.sock" ] && fail "SIGTERM: control socket removed" "still there" || ok "SIGTERM: control socket removed"
[ -e "$XFP_BPFFS/xfp/$DA/worker/xfp_xsks" ] && ok "SIGTERM: pinned state kept" || fail "SIGTERM: pinned state kept" "gone"
if nsx "$A" ping -c 2 -i 0.2 -W 1 198.18.0.2 >/dev/null 2>&1; then fail "no worker: protected traffic dropped" "ping succeeded"; else ok "no worker: protected traffic dropped"; fi

# ---- --remove
check "worker --remove" nsx "$A" "$XFP" worker "$DA" --remove
ip -n "$A" link show "$DA" | grep -q prog/xdp && fail "--remove detaches XDP" "still attached" || ok "--remove detaches XDP"
tc -n "$A" filter show dev "$DA" egress 2>/dev/null | grep -q xfp_xsk_tc && fail "--remove detaches TC" "still there" || ok "--remove detaches TC"
ip -n "$A" link show "xfpw$(ip -n "$A" -j link show "$DA" | json_get - 'j[0]["ifindex"]')" >/dev/null 2>&1 && fail "--remove deletes the veth pair" "still there" || ok "--remove deletes the veth pair"
[ -e "$XFP_BPFFS/xfp/$DA" ] && fail "--remove deletes the pins" "$(ls -R "$XFP_BPFFS/xfp/$DA")" || ok "--remove deletes the pins"
done_testing
