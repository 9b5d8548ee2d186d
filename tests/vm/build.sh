#!/bin/bash
# tests/vm/build.sh - build what goes into the test VMs.
#
# Usage as a command:  tests/vm/build.sh [--no-module] KNAME  (common.sh: NSW_KNAMES)
#   builds netswap.ko for that kernel (with the fault-injection knobs of
#   netswap/fault.h), netswapctl (host build, once) and the
#   static test programs of tests/prog/, and prints shell assignments
#   MODULE_KO=... CTL=... PROG_DIR=...
# Usage as a library:  source tests/vm/build.sh
#   nsw_build_module KNAME   -> NSW_MODULE_KO   (needs nsw_kernel; calls it)
#   nsw_build_tools          -> NSW_CTL
#   nsw_build_progs          -> NSW_PROG_DIR
#
# Every build happens in a private copy of the source tree (without .git
# and without build products of the original tree) under $NETSWAP_WORK, so
# the developers' work tree is never touched and the two kernels never share
# object files. The copies are updated with rsync, so make stays incremental.

# shellcheck source=tests/vm/kernel.sh
source "$(dirname "${BASH_SOURCE[0]}")/kernel.sh"

# Copy $NETSWAP_SRC to $1, leaving out git metadata and build products.
# Build products already in the copy are kept (rsync does not delete
# excluded files), so make only redoes what changed: files are compared by
# content (--checksum) and a changed file gets the current time as mtime
# (no -t), so make sees it as newer than the old build product even when
# the source's own mtime is older (another checkout, a reverted file).
nsw_sync_src() {
	local dst=$1
	mkdir -p "$dst"
	rsync -rlpD --checksum --delete \
		--exclude=/.git --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude=Module.symvers \
		--exclude=modules.order --exclude='*.a' --exclude=.tmp_versions \
		--exclude=/tools/netswapctl/netswapctl \
		"$NETSWAP_SRC"/ "$dst"/
}

nsw_build_module() {
	local kname=$1 dir src
	nsw_kernel "$kname"
	dir="$NETSWAP_WORK/build-$kname"
	src="$dir/src"
	mkdir -p "$dir"
	[[ -f "$NETSWAP_SRC/Makefile" ]] ||
		nsw_die "no top-level Makefile in $NETSWAP_SRC: the module is not written yet"
	(
		flock 9
		nsw_sync_src "$src"
		rm -f "$src/netswap.ko"
		nsw_log "building netswap.ko for $NSW_KVER (KDIR=$NSW_KDIR)"
		# With the fault-injection knobs (netswap/fault.h): test VMs only.
		nsw_make_logged "$dir/make-module.log" "module build for $kname" \
			-C "$src" module KDIR="$NSW_KDIR" NSW_FAULT_INJECT=y ||
			exit 1
		[[ -f "$src/netswap.ko" ]] || {
			nsw_log "make module succeeded but produced no $src/netswap.ko"
			exit 1
		}
	) 9>"$dir/.lock" || nsw_die "cannot build netswap.ko for kernel $kname"
	local vermagic
	vermagic=$(modinfo -F vermagic "$src/netswap.ko")
	[[ "$vermagic" == "$NSW_KVER "* ]] ||
		nsw_die "netswap.ko vermagic '$vermagic' does not match kernel $NSW_KVER"
	NSW_MODULE_KO="$src/netswap.ko"
}

nsw_build_tools() {
	local dir="$NETSWAP_WORK/build-tools" src
	src="$dir/src"
	mkdir -p "$dir"
	[[ -f "$NETSWAP_SRC/Makefile" ]] ||
		nsw_die "no top-level Makefile in $NETSWAP_SRC: netswapctl is not written yet"
	(
		flock 9
		nsw_sync_src "$src"
		nsw_log "building netswapctl"
		nsw_make_logged "$dir/make-tools.log" "netswapctl build" -C "$src" tools ||
			exit 1
		[[ -x "$src/tools/netswapctl/netswapctl" ]] || {
			nsw_log "make tools produced no $src/tools/netswapctl/netswapctl"
			exit 1
		}
	) 9>"$dir/.lock" || nsw_die "cannot build netswapctl"
	NSW_CTL="$src/tools/netswapctl/netswapctl"
}

# Build every tests/prog/*.c into a static binary of the same name.
nsw_build_progs() {
	local dir="$NETSWAP_WORK/prog" c bin sum
	mkdir -p "$dir"
	(
		flock 9
		for c in "$NETSWAP_SRC"/tests/prog/*.c; do
			[[ -e "$c" ]] || continue
			bin="$dir/$(basename "$c" .c)"
			# Rebuild when the source's content changed (not its mtime).
			sum=$(sha256sum <"$c")
			if [[ ! -x "$bin" || "$(cat "$bin.sum" 2>/dev/null)" != "$sum" ]]; then
				nsw_log "building $(basename "$bin") (static)"
				gcc -O2 -Wall -Wextra -Werror -static -o "$bin.tmp" "$c" || exit 1
				mv "$bin.tmp" "$bin"
				echo "$sum" >"$bin.sum"
			fi
		done
	) 9>"$dir/.lock" || nsw_die "cannot build the test programs in tests/prog"
	NSW_PROG_DIR="$dir"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	set -euo pipefail
	want_module=1
	if [[ "${1:-}" == "--no-module" ]]; then
		want_module=0
		shift
	fi
	[[ $# -eq 1 ]] || { echo "usage: $0 [--no-module] KNAME (one of $NSW_KNAMES)" >&2; exit 2; }
	nsw_ensure_pkgs "${NSW_HOST_PKGS[@]}"
	nsw_build_progs
	printf 'PROG_DIR=%q\n' "$NSW_PROG_DIR"
	if [[ $want_module == 1 ]]; then
		nsw_build_tools
		nsw_build_module "$1"
		printf 'CTL=%q\nMODULE_KO=%q\n' "$NSW_CTL" "$NSW_MODULE_KO"
	fi
fi
