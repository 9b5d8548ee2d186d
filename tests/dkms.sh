#!/bin/bash
# tests/dkms.sh - dkms builds netswap.ko from dkms.conf for each kernel.
#
# Usage: tests/dkms.sh [KVER...]   (default: every generic 6.1/6.12 Debian kernel
# whose headers are in /usr/src). Runs dkms add + build in a private dkms
# and source tree (--dkmstree, --sourcetree), so the system's dkms state
# is left alone (but for the module signing key dkms makes on first use,
# /var/lib/dkms/mok.*), and checks that each module was built for its
# kernel.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
# shellcheck source=tests/vm/common.sh
source "$ROOT/tests/vm/common.sh"

nsw_ensure_pkgs dkms

kvers=("$@")
if [[ ${#kvers[@]} -eq 0 ]]; then
	for d in /usr/src/linux-headers-6.1.*-amd64 /usr/src/linux-headers-6.12.*-amd64; do
		# The RT and cloud flavours (tests/vm) build the same way.
		[[ $d == *-rt-amd64 || $d == *-cloud-amd64 ]] && continue
		[[ -d $d ]] && kvers+=("${d#/usr/src/linux-headers-}")
	done
fi
[[ ${#kvers[@]} -gt 0 ]] || nsw_die "no kernel headers in /usr/src"

name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' dkms.conf)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
[[ -n $name && -n $ver ]] || nsw_die "dkms.conf has no PACKAGE_NAME or PACKAGE_VERSION"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nsw-dkms.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The source as a package would ship it: what kbuild needs and dkms.conf.
src="$tmp/src/$name-$ver"
mkdir -p "$src"
cp -r Kbuild Makefile dkms.conf netswap include "$src/"
mkdir -p "$tmp/tree"
dkms=(dkms --dkmstree "$tmp/tree" --sourcetree "$tmp/src")

"${dkms[@]}" add -m "$name" -v "$ver"
fail=0
for k in "${kvers[@]}"; do
	kdir=/usr/src/linux-headers-$k
	nsw_log "dkms build $name/$ver for $k"
	if ! "${dkms[@]}" build -m "$name" -v "$ver" -k "$k" \
		--kernelsourcedir "$kdir"; then
		cat "$tmp/tree/$name/$ver/build/make.log" 2>/dev/null | tail -n 40
		nsw_log "FAIL: dkms build for $k"
		fail=1
		continue
	fi
	ko=$(find "$tmp/tree/$name/$ver/$k" -name "$name.ko*" | head -n 1)
	[[ -n $ko ]] || { nsw_log "FAIL: no $name.ko for $k"; fail=1; continue; }
	case $ko in
	*.xz) xz -dc "$ko" >"$tmp/m.ko" ;;
	*.zst) zstd -qdc "$ko" >"$tmp/m.ko" ;;
	*) cp "$ko" "$tmp/m.ko" ;;
	esac
	vermagic=$(modinfo -F vermagic "$tmp/m.ko")
	if [[ $vermagic != "$k "* ]]; then
		nsw_log "FAIL: $ko has vermagic '$vermagic', not $k"
		fail=1
		continue
	fi
	nsw_log "ok: $ko, vermagic $vermagic"
done
"${dkms[@]}" status -m "$name"
exit $fail
