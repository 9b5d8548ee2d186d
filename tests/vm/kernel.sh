#!/bin/bash
# tests/vm/kernel.sh - fetch a Debian kernel to boot in QEMU.
#
# Usage as a command:   tests/vm/kernel.sh 6.1|6.12
#   prints shell assignments (KVER=..., VMLINUZ=..., MODDIR=..., KDIR=...,
#   KROOT=...) that can be eval'ed.
# Usage as a library:   source tests/vm/kernel.sh; nsw_kernel 6.12
#   sets NSW_KVER NSW_VMLINUZ NSW_MODDIR NSW_KDIR NSW_KROOT in the caller.
#
# The kernel image package is only downloaded (apt-get download) and
# unpacked with dpkg-deb -x into $NETSWAP_CACHE/KVER/root; it is never
# installed on the host. The matching headers package IS installed, since
# that is what the module is built against (KDIR).

# shellcheck source=tests/vm/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

nsw_kernel() {
	local kname=$1 img_meta hdr_meta img_pkg hdr_pkg kver dir deb debs
	read -r img_meta hdr_meta < <(nsw_kernel_meta "$kname")
	img_pkg=$(nsw_resolve_meta "$img_meta")
	hdr_pkg=$(nsw_resolve_meta "$hdr_meta")
	kver=${img_pkg#linux-image-}
	[[ "${hdr_pkg#linux-headers-}" == "$kver" ]] ||
		nsw_die "image $img_pkg and headers $hdr_pkg disagree on the version"

	# Headers: installed for real (idempotent).
	nsw_ensure_pkgs "$hdr_pkg"

	dir="$NETSWAP_CACHE/$kver"
	mkdir -p "$dir"
	(
		# Serialise concurrent runs (e.g. both kernels in parallel, or two
		# scenarios for the same kernel) on the extraction of one image.
		flock 9
		if [[ ! -e "$dir/.extracted" ]]; then
			debs=("$dir/$img_pkg"_*.deb)
			deb=${debs[0]}
			if [[ ! -f "$deb" ]]; then
				nsw_log "downloading $img_pkg"
				# _apt cannot write to a root-owned dir; the warning that
				# apt prints about that is harmless, so hide it.
				if ! (cd "$dir" && apt-get download -q "$img_pkg" >&2 2>/dev/null); then
					nsw_apt_update
					(cd "$dir" && apt-get download -q "$img_pkg" >&2 2>/dev/null) ||
						nsw_die "apt-get download $img_pkg failed"
				fi
				debs=("$dir/$img_pkg"_*.deb)
				deb=${debs[0]}
				[[ -f "$deb" ]] || nsw_die "apt-get download left no $img_pkg .deb"
			fi
			nsw_log "extracting $(basename "$deb")"
			rm -rf "$dir/root"
			dpkg-deb -x "$deb" "$dir/root"
			# The .deb carries no modules.dep (its postinst makes it):
			# generate it so that modprobe -d/-S can resolve dependencies.
			depmod -b "$dir/root" "$kver"
			touch "$dir/.extracted"
		fi
	) 9>"$dir/.lock"

	NSW_KNAME=$kname
	NSW_KVER=$kver
	NSW_KROOT="$dir/root"
	NSW_VMLINUZ="$dir/root/boot/vmlinuz-$kver"
	NSW_MODDIR="$dir/root/lib/modules/$kver"
	if [[ -d "/usr/src/linux-headers-$kver" ]]; then
		NSW_KDIR="/usr/src/linux-headers-$kver"
	else
		NSW_KDIR="/lib/modules/$kver/build"
	fi
	[[ -f "$NSW_VMLINUZ" ]] || nsw_die "no $NSW_VMLINUZ in $img_pkg"
	[[ -d "$NSW_MODDIR/kernel" ]] || nsw_die "no modules in $NSW_MODDIR"
	[[ -f "$NSW_KDIR/Makefile" ]] || nsw_die "no kernel headers at $NSW_KDIR"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	set -euo pipefail
	[[ $# -eq 1 ]] || { echo "usage: $0 6.1|6.12" >&2; exit 2; }
	nsw_kernel "$1"
	printf 'KNAME=%q\nKVER=%q\nVMLINUZ=%q\nMODDIR=%q\nKDIR=%q\nKROOT=%q\n' \
		"$NSW_KNAME" "$NSW_KVER" "$NSW_VMLINUZ" "$NSW_MODDIR" "$NSW_KDIR" "$NSW_KROOT"
fi
