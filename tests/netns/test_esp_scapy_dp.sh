#!/usr/bin/env bash
# test_esp_scapy_dp.sh - test_esp_scapy.sh with xfp's datapath attached on
# host A (`xfp attach`, a policy that secures all traffic with B, then the
# worker): the scapy peer's ESP, AH and NAT-T ESP reach the worker through
# the datapath's XDP program, and A's answers leave through its TC
# program's "secure" verdict.
SCAPY_WITH_DATAPATH=1 exec bash "$(dirname "$0")/test_esp_scapy.sh"
