#!/bin/sh
# make-keys.sh [-f] [DIR] - write fresh random key files for manual-sa.pol.
#
# Key material is never committed: a clone has no *.keys files, and git
# would not keep their 0600 mode anyway (xfp refuses a key file that group
# or others can read).  This script writes, into DIR (default: the folder
# of this script), with mode 0600:
#
#   host-b.keys, host-c.keys            the keys of this host's SAs
#   host-b.peer.keys, host-c.peer.keys  the same keys with inbound and
#                                       outbound swapped, for the peers
#
# The algorithm of both SAs is aes128gcm16: 16 key bytes + 4 salt bytes.
# Existing files are kept unless -f is given.  Exit 0 when done, 1 when a
# file exists or cannot be written, 2 on a usage error.
set -eu
force=0
if [ "${1:-}" = "-f" ]; then
	force=1
	shift
fi
case "${1:-}" in
-h | --help)
	sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
-*)
	echo "make-keys.sh: unknown option '$1'; usage: make-keys.sh [-f] [DIR]" >&2
	exit 2
	;;
esac
[ $# -le 1 ] || {
	echo "make-keys.sh: too many arguments; usage: make-keys.sh [-f] [DIR]" >&2
	exit 2
}
dir=${1:-$(dirname "$0")}
[ -d "$dir" ] || {
	echo "make-keys.sh: '$dir' is not a directory" >&2
	exit 1
}
umask 077

hex() { # N: N random bytes as hex
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

for sa in host-b host-c; do
	for f in "$dir/$sa.keys" "$dir/$sa.peer.keys"; do
		if [ -e "$f" ] && [ "$force" = 0 ]; then
			echo "make-keys.sh: '$f' exists; keeping it (use -f to replace)" >&2
			exit 1
		fi
	done
	in=$(hex 20)
	out=$(hex 20)
	rm -f "$dir/$sa.keys" "$dir/$sa.peer.keys"
	printf '# sa %s of manual-sa.pol (aes128gcm16: key + salt), made by make-keys.sh\ninbound  %s\noutbound %s\n' \
		"$sa" "$in" "$out" >"$dir/$sa.keys"
	printf '# the peer side of sa %s: inbound and outbound swapped\ninbound  %s\noutbound %s\n' \
		"$sa" "$out" "$in" >"$dir/$sa.peer.keys"
	chmod 600 "$dir/$sa.keys" "$dir/$sa.peer.keys"
	echo "wrote $dir/$sa.keys and $dir/$sa.peer.keys (mode 0600)"
done
