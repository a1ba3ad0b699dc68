#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""scapy_peer.py - the independent IPsec peer of tests/unit/test_esp_interop.c.

scapy's SecurityAssociation builds and opens the ESP/AH packets; xfp is on
the other side.  Two commands, each reading a case file and writing one
result line per case:

  seal IN OUT   IN:  id proto alg mode inner6 outer6 natt esn spi seqhi seqlo key
                OUT: id INNER_HEX WIRE_HEX    (scapy encapsulated INNER)
  open IN OUT   IN:  the same fields, then WIRE_HEX made by xfp
                OUT: id OK INNER_HEX | id FAIL reason

The inner packet of a case is a function of its id only, so both sides can
rebuild it.  Keys are given by the C side; this script never prints them.

scapy 2.5 has no AES-GMAC for ESP (RFC 4543).  The class below adds it on
top of python-cryptography's AESGCM, keeping all of scapy's ESP framing:
the whole ESP header, IV and payload are the GCM additional data and the
plaintext is empty.  Written from the RFC for this test, not from xfp.
"""
import struct
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import (AH, CRYPT_ALGOS, ESP, CryptAlgo,
                                IPSecIntegrityError,
                                SecurityAssociation, _ESPPlain)
from scapy.packet import Raw, raw


class GmacAlgo(CryptAlgo):
    """ENCR_NULL_AUTH_AES_GMAC (RFC 4543) with a 4-byte salt, 8-byte IV."""

    def __init__(self):
        super().__init__('AES-NULL-GMAC', cipher=AESGCM, mode=None,
                         key_size=(16, 32), block_size=1, iv_size=8,
                         salt_size=4, icv_size=16)

    @staticmethod
    def _hdr(esp, esn_en, esn):
        if esn_en:
            return struct.pack('!LLL', esp.spi, esn, esp.seq)
        return struct.pack('!LL', esp.spi, esp.seq)

    def encrypt(self, sa, esp, key, icv_size=None, esn_en=False, esn=0):
        data = esp.data_for_encryption()
        aad = self._hdr(esp, esn_en, esn) + esp.iv + data
        tag = AESGCM(key).encrypt(sa.crypt_salt + esp.iv, b'', aad)
        return ESP(spi=esp.spi, seq=esp.seq, data=esp.iv + data + tag)

    def decrypt(self, sa, esp, key, icv_size=None, esn_en=False, esn=0):
        iv, data, tag = esp.data[:8], esp.data[8:-16], esp.data[-16:]
        aad = self._hdr(esp, esn_en, esn) + iv + data
        try:
            AESGCM(key).decrypt(sa.crypt_salt + iv, tag, aad)
        except InvalidTag as err:
            raise IPSecIntegrityError(err)
        padlen, nh = data[-2], data[-1]
        payload = data[:len(data) - padlen - 2]
        return _ESPPlain(spi=esp.spi, seq=esp.seq, iv=iv, data=payload,
                         padding=data[len(payload):-2], padlen=padlen,
                         nh=nh, icv=tag)


CRYPT_ALGOS['AES-NULL-GMAC'] = GmacAlgo()

# xfp algorithm name -> (protocol, scapy crypt_algo, scapy auth_algo)
ALGS = {
    'aes128gcm16': (ESP, 'AES-GCM', None),
    'aes256gcm16': (ESP, 'AES-GCM', None),
    'chacha20poly1305': (ESP, 'CHACHA20-POLY1305', None),
    'aes128gmac': (ESP, 'AES-NULL-GMAC', None),
    'aes256gmac': (ESP, 'AES-NULL-GMAC', None),
    'null-sha256': (ESP, 'NULL', 'SHA2-256-128'),
    'sha256': (AH, None, 'SHA2-256-128'),
    'sha512': (AH, None, 'SHA2-512-256'),
    'sha1': (AH, None, 'HMAC-SHA1-96'),
}


def parse(fields):
    c = {
        'id': int(fields[0]), 'proto': fields[1], 'alg': fields[2],
        'tunnel': fields[3] == 'tunnel', 'inner6': fields[4] == '1',
        'outer6': fields[5] == '1', 'natt': fields[6] == '1',
        'esn': fields[7] == '1', 'spi': int(fields[8], 16),
        'seqhi': int(fields[9], 16), 'seqlo': int(fields[10], 16),
        'key': bytes.fromhex(fields[11]),
    }
    return c


def make_sa(c):
    proto, crypt, auth = ALGS[c['alg']]
    kw = {'spi': c['spi'], 'seq_num': c['seqlo'], 'esn_en': c['esn'],
          'esn': c['seqhi']}
    if crypt:
        kw['crypt_algo'] = crypt
        kw['crypt_key'] = c['key']
    if auth:
        kw['auth_algo'] = auth
        kw['auth_key'] = c['key']
    if crypt == 'NULL':
        kw['crypt_key'] = None
    if c['tunnel']:
        if c['outer6']:
            kw['tunnel_header'] = IPv6(src='2001:db8::1', dst='2001:db8::2')
        else:
            kw['tunnel_header'] = IP(src='198.18.0.1', dst='198.18.0.2')
    if c['natt']:
        kw['nat_t_header'] = UDP(sport=4500, dport=4500)
    return SecurityAssociation(proto, **kw)


def inner(c):
    """The plaintext packet of case c: depends on the id and families."""
    i = c['id']
    data = bytes((i * 13 + k) & 0xff for k in range(17 + (i * 37) % 1300))
    l4 = (UDP(sport=1024 + i, dport=53) if i % 2 == 0
          else TCP(sport=2048 + i, dport=443, seq=i, flags='PA'))
    if c['inner6']:
        src, dst = '2001:db8:1::10', '2001:db8:2::20'
        if not c['tunnel']:
            src, dst = '2001:db8::1', '2001:db8::2'
        p = IPv6(src=src, dst=dst, hlim=64, tc=i & 0xfc) / l4 / Raw(data)
    else:
        src, dst = '198.18.1.10', '198.18.2.20'
        if not c['tunnel']:
            src, dst = '198.18.0.1', '198.18.0.2'
        p = IP(src=src, dst=dst, ttl=64, id=i, tos=i & 0xfc) / l4 / Raw(data)
    return p.__class__(raw(p))


def fix_natt_v4_udp_len(e):
    """scapy 2.5 re-dissects the IPv4 header before appending ESP, which
    freezes the NAT-T UDP length at 8.  Put the real length back (the UDP
    header is outside the ESP ICV, nothing cryptographic changes)."""
    if e.version == 4 and e.haslayer(UDP):
        e[UDP].len = len(e[UDP])
        e = e.__class__(raw(e))
    return e


def check_natt(pkt):
    """NAT-T framing of a packet xfp built: ports, length, checksum."""
    u = pkt[UDP]
    if u.sport != 4500 or u.dport != 4500:
        return 'NAT-T ports %d->%d' % (u.sport, u.dport)
    if u.len != len(u):
        return 'UDP length %d for %d bytes' % (u.len, len(u))
    if pkt.version == 6 or u.chksum != 0:
        want = u.__class__(raw(u))
        pkt2 = pkt.copy()
        pkt2[UDP].chksum = None
        if pkt2.__class__(raw(pkt2))[UDP].chksum != u.chksum:
            return 'bad UDP checksum %#x' % u.chksum
    return None


def strip_udp_v6(pkt):
    """scapy 2.5 leaves the UDP header in when it opens an IPv6
    transport-mode NAT-T packet (its decrypt() resets the UDP header's
    next-header instead of the IPv6 one).  Open the ESP inside instead:
    the NAT-T framing was already checked by check_natt()."""
    esp = raw(pkt[UDP].payload)
    hdr = bytearray(raw(pkt)[:40])  # the inner packets have no ext headers
    hdr[4:6] = len(esp).to_bytes(2, 'big')
    hdr[6] = 50
    return IPv6(bytes(hdr) + esp)


def seal(cases, out):
    for fields in cases:
        c = parse(fields)
        p = inner(c)
        e = make_sa(c).encrypt(p, seq_num=c['seqlo'])
        if c['natt']:
            e = fix_natt_v4_udp_len(e)
        out.write('%d %s %s\n' % (c['id'], raw(p).hex(), raw(e).hex()))


def open_(cases, out):
    for fields in cases:
        c = parse(fields)
        wire = bytes.fromhex(fields[12])
        pkt = IPv6(wire) if wire[0] >> 4 == 6 else IP(wire)
        if c['natt']:
            bad = check_natt(pkt)
            if bad:
                out.write('%d FAIL %s\n' % (c['id'], bad))
                continue
            if c['inner6'] and not c['tunnel']:
                pkt = strip_udp_v6(pkt)
                c['natt'] = False
        try:
            d = make_sa(c).decrypt(pkt)
            out.write('%d OK %s\n' % (c['id'], raw(d).hex()))
        except Exception as err:  # any refusal is a test failure
            out.write('%d FAIL %s\n' % (c['id'],
                                         type(err).__name__ + ':' +
                                         str(err).replace('\n', ' ')[:80]))


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ('seal', 'open'):
        sys.stderr.write('usage: scapy_peer.py seal|open IN OUT\n')
        return 2
    with open(sys.argv[2]) as f:
        cases = [line.split() for line in f if line.strip()]
    with open(sys.argv[3], 'w') as out:
        (seal if sys.argv[1] == 'seal' else open_)(cases, out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
