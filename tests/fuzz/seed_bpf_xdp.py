#!/usr/bin/python3
# Seeds for fuzz_bpf_xdp: the fuzz_parse frames (seed_parse.py), plus one
# frame per outcome of the harness's policy that those do not reach: the
# permit (TCP to port 80), the block (UDP to 53) and the ALE block (UDP to
# 9001) from a host the IPsec filter does not cover, and ESP, AH and
# ESP-in-UDP with SPI 0x1001, the SPI the harness enters in the worker's
# xfp_spi_in.
# Regenerate:  /usr/bin/python3 tests/fuzz/seed_bpf_xdp.py
import hashlib
import os
import shutil

from scapy.all import IP, UDP, TCP, Ether, IPv6

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, 'corpus', 'bpf_xdp')
os.makedirs(out, exist_ok=True)
parse = os.path.join(here, 'corpus', 'parse')
for name in sorted(os.listdir(parse)):
    shutil.copy(os.path.join(parse, name), os.path.join(out, name))

E = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')
other = dict(src='198.18.0.3', dst='198.18.0.2')
peer = dict(src='198.18.0.1', dst='198.18.0.2')
esp = bytes.fromhex('00001001' '00000001') + b'\x5a' * 32
ah = bytes.fromhex('04040000' '00001001' '00000001') + b'\x5a' * 16
frames = [
    E / IP(**other) / TCP(sport=1000, dport=80, flags='S'),
    E / IP(**other) / TCP(sport=1000, dport=80, flags='A'),
    E / IP(**other) / UDP(sport=1000, dport=53) / (b'q' * 8),
    E / IP(**other) / UDP(sport=1000, dport=9001) / (b'q' * 8),
    E / IPv6(src='2001:db8::3', dst='2001:db8::2') / UDP(sport=1000, dport=9001),
    E / IP(**peer, proto=50) / esp,
    E / IP(**peer, proto=51) / ah,
    E / IP(**peer) / UDP(sport=4500, dport=4500) / esp,
]
for f in frames:
    b = bytes(f)
    with open(os.path.join(out, hashlib.sha1(b).hexdigest()), 'wb') as fh:
        fh.write(b)
