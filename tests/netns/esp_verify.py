# esp_verify.py - decrypt/authenticate every ESP or AH packet of a capture
# with scapy's SecurityAssociation (an implementation independent of xfp).
#
#   esp_verify.py PCAP ALG SPI:KEYHEX [SPI:KEYHEX...]
#
# ALG is xfp's name (aes256gcm16, chacha20poly1305, sha256, ...).  Prints
# "TOTAL OK": IPsec packets in the capture, and how many verified and
# carried a transport header inside.
import sys
import warnings

warnings.filterwarnings("ignore")
from scapy.all import rdpcap, IP, IPv6, TCP, UDP, ICMP  # noqa: E402
from scapy.layers.inet6 import ICMPv6EchoRequest, ICMPv6EchoReply  # noqa: E402
from scapy.layers.ipsec import ESP, AH, SecurityAssociation  # noqa: E402

ESP_ALGS = {"aes256gcm16": "AES-GCM", "aes128gcm16": "AES-GCM",
            "chacha20poly1305": "CHACHA20-POLY1305"}
AH_ALGS = {"sha256": "SHA2-256-128", "sha512": "SHA2-512-256",
           "sha1": "HMAC-SHA1-96"}

pcap, alg = sys.argv[1], sys.argv[2]
sas = {}
for arg in sys.argv[3:]:
    spi, key = arg.split(":")
    key = bytes.fromhex(key)
    if alg in ESP_ALGS:
        sas[int(spi, 0)] = SecurityAssociation(ESP, spi=int(spi, 0), crypt_algo=ESP_ALGS[alg], crypt_key=key)
    else:
        sas[int(spi, 0)] = SecurityAssociation(AH, spi=int(spi, 0), auth_algo=AH_ALGS[alg], auth_key=key)

total = good = 0
for frame in rdpcap(pcap):
    ip = frame[IP] if IP in frame else frame[IPv6] if IPv6 in frame else None
    if ip is None:
        continue
    layer = ESP if alg in ESP_ALGS else AH
    if layer not in ip:
        continue
    total += 1
    sa = sas.get(ip[layer].spi)
    if sa is None:
        continue
    try:
        inner = sa.decrypt(ip.copy())
        inner = inner.__class__(bytes(inner))  # AH leaves the payload raw
    except Exception:
        continue
    if any(t in inner for t in (TCP, UDP, ICMP, ICMPv6EchoRequest, ICMPv6EchoReply)):
        good += 1
print(total, good)
