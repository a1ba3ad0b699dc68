#!/usr/bin/python3
# Seeds for fuzz_parse: one frame per header path the datapath parser
# takes (VLAN, IPv4 options and fragments, IPv6 extension chains and
# fragments, TCP/UDP/ICMP, ESP, AH, NAT-T keepalive/IKE/ESP-in-UDP, ARP).
# The ESP payload is the RFC 7634 appendix A test vector.
# Regenerate:  /usr/bin/python3 tests/fuzz/seed_parse.py
import hashlib
import os

from scapy.all import (IP, UDP, TCP, ICMP, ICMPv6EchoRequest, IPv6, Dot1Q,
                       Ether, IPOption, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'parse')
E = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')
a4 = dict(src='198.18.0.1', dst='198.18.0.2')
a6 = dict(src='2001:db8::1', dst='2001:db8::2')
rfc7634 = bytes.fromhex(
    "01020304000000051011121314151617"
    "24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6"
    "14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3"
    "cbec163fac469b502773f6fb94e664da9165b82829f641e0"
    "76aaa8266b7fb0f7b11b369907e1ad43")
ah = bytes.fromhex('04040000000010010000000100112233445566778899aabbccdd') \
    + b'\0' * 6
D = IPv6ExtHdrDestOpt
frames = [
    E / IP(**a4) / TCP(sport=1000, dport=80, flags='S'),
    E / IP(**a4) / UDP(sport=1000, dport=53) / (b'x' * 6),
    E / IP(**a4) / ICMP(),
    E / IP(**a4, options=[IPOption(b'\x01\x01\x01\x00')]) / UDP(sport=1, dport=2),
    E / IP(**a4, flags='MF') / UDP(sport=1, dport=2) / (b'x' * 16),
    E / IP(**a4, frag=3) / (b'y' * 16),
    E / IP(**a4, proto=50) / rfc7634,
    E / IP(**a4, proto=51) / ah,
    E / IP(**a4) / UDP(sport=4500, dport=4500) / b'\xff',
    E / IP(**a4) / UDP(sport=4500, dport=4500) / (b'\0' * 4 + b'i' * 28),
    E / IP(**a4) / UDP(sport=4500, dport=4500) / rfc7634,
    E / IP(**a4) / UDP(sport=4500, dport=4500),
    E / IP(**a4) / UDP(sport=1000, dport=53),
    E / Dot1Q(vlan=5) / IP(**a4, proto=50) / rfc7634,
    Ether(type=0x88a8) / Dot1Q(vlan=5) / Dot1Q(vlan=6) / IP(**a4) / TCP(),
    E / IPv6(**a6) / TCP(sport=1000, dport=22),
    E / IPv6(**a6) / UDP(sport=1000, dport=53) / (b'z' * 4),
    E / IPv6(**a6) / ICMPv6EchoRequest(),
    E / IPv6(**a6) / IPv6ExtHdrHopByHop() / D() / IPv6ExtHdrRouting() / UDP(),
    E / IPv6(**a6) / D() / D() / D() / D() / D() / D() / D() / TCP(),
    E / IPv6(**a6) / IPv6ExtHdrFragment(m=1) / UDP() / (b'f' * 8),
    E / IPv6(**a6) / IPv6ExtHdrFragment(offset=5) / (b'f' * 8),
    E / IPv6(**a6, nh=50) / rfc7634,
    E / IPv6(**a6, nh=51) / ah,
    E / IPv6(**a6) / UDP(sport=4500, dport=4500) / b'\xff',
    E / IPv6(**a6) / UDP(sport=4500, dport=4500) / rfc7634,
    Ether(type=0x0806) / (b'\0' * 28),
]
for f in frames:
    b = bytes(f)
    with open(os.path.join(out, hashlib.sha1(b).hexdigest()), 'wb') as fh:
        fh.write(b)
