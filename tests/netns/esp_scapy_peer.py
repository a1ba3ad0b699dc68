# esp_scapy_peer.py - an independent IPsec peer: scapy's
# SecurityAssociation protects ICMP echo requests and UDP datagrams sent to
# an xfp host, and decrypts/authenticates the host's answers.
#
#   esp_scapy_peer.py IFACE MYADDR PEERADDR ALG SPI_OUT:KEY SPI_IN:KEY [natt]
#
# SPI_OUT is what this peer sends with (xfp's inbound SA), SPI_IN what xfp
# answers with.  Prints "ping N/M udp N/M": answers that came back
# protected with SPI_IN, verified, and matched the request.
import sys
import threading
import time
import warnings

warnings.filterwarnings("ignore")
from scapy.all import AsyncSniffer, IP, IPv6, ICMP, UDP, Raw, conf, send  # noqa: E402
from scapy.layers.inet6 import ICMPv6EchoRequest, ICMPv6EchoReply  # noqa: E402
from scapy.layers.ipsec import AH, ESP, SecurityAssociation  # noqa: E402

conf.verb = 0
iface, me, peer, alg = sys.argv[1:5]
spi_out, key_out = sys.argv[5].split(":")
spi_in, key_in = sys.argv[6].split(":")
natt = len(sys.argv) > 7 and sys.argv[7] == "natt"
v6 = ":" in peer
L3 = IPv6 if v6 else IP


def make_sa(spi, key):
    spi = int(spi, 0)
    key = bytes.fromhex(key)
    nat = UDP(sport=4500, dport=4500) if natt else None
    if alg == "sha256":
        return SecurityAssociation(AH, spi=spi, auth_algo="SHA2-256-128", auth_key=key)
    crypt = {"aes256gcm16": "AES-GCM", "chacha20poly1305": "CHACHA20-POLY1305"}[alg]
    return SecurityAssociation(ESP, spi=spi, crypt_algo=crypt, crypt_key=key, nat_t_header=nat)


def wire(p):
    """scapy 2.5 leaves the NAT-T UDP length at 8 (the bare header); xfp
    checks it against the datagram (RFC 768), so fix it before sending."""
    if natt and UDP in p and p[UDP].dport == 4500:
        p[UDP].len = None
        p[UDP].chksum = 0  # RFC 3948: may be zero over IPv4
        if IP in p:
            p[IP].len = None
            p[IP].chksum = None
        p = p.__class__(bytes(p))
    return p


sa_out = make_sa(spi_out, key_out)
sa_in = make_sa(spi_in, key_in)
N = 5
got = {"ping": set(), "udp": set()}
bad = []


def on_pkt(p):
    ip = p[L3] if L3 in p else None
    if ip is None or ip.src != peer:
        return
    if not (ESP in ip or AH in ip):
        return
    try:
        inner = sa_in.decrypt(ip.copy())
        inner = inner.__class__(bytes(inner))
    except Exception as e:  # noqa: BLE001
        bad.append(repr(e))
        return
    if v6 and ICMPv6EchoReply in inner and inner[ICMPv6EchoReply].id == 0x5a5a:
        got["ping"].add(inner[ICMPv6EchoReply].seq)
    elif not v6 and ICMP in inner and inner[ICMP].type == 0 and inner[ICMP].id == 0x5a5a:
        got["ping"].add(inner[ICMP].seq)
    elif UDP in inner and inner[UDP].sport == 7777 and Raw in inner:
        data = bytes(inner[Raw].load)
        if data.startswith(b"xfp-scapy-"):
            got["udp"].add(int(data[10:]))


sn = AsyncSniffer(iface=iface, prn=on_pkt, store=False,
                  filter="esp or ah or udp port 4500")
sn.start()
time.sleep(0.5)
for i in range(N):
    if v6:
        req = IPv6(src=me, dst=peer) / ICMPv6EchoRequest(id=0x5a5a, seq=i)
    else:
        req = IP(src=me, dst=peer) / ICMP(id=0x5a5a, seq=i)
    send(wire(sa_out.encrypt(req)))
    u = L3(src=me, dst=peer) / UDP(sport=7778, dport=7777) / Raw(b"xfp-scapy-%d" % i)
    send(wire(sa_out.encrypt(u)))
    time.sleep(0.05)
deadline = time.time() + 3
while time.time() < deadline and (len(got["ping"]) < N or len(got["udp"]) < N):
    time.sleep(0.1)
sn.stop()
print("ping %d/%d udp %d/%d bad %d" % (len(got["ping"]), N, len(got["udp"]), N, len(bad)))
