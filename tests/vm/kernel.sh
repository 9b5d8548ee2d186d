#!/bin/bash
# tests/vm/kernel.sh - fetch a Debian kernel to boot in QEMU.
#
# Usage as a command:   tests/vm/kernel.sh KNAME  (6.1 6.12 6.12-rt 6.1-cloud debug)
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

# The debug kernel: Debian's linux-source-6.12 built with
# tests/vm/debug-kernel.config (KASAN, lockdep, sleep-in-atomic checks),
# cached under $NETSWAP_CACHE/debug-HASH, HASH naming the source package's
# version and the fragment. The first call builds it (10 minutes on two
# cores, extraction included); modules_install and depmod give it the
# layout of an extracted Debian image, and the build tree is its KDIR.
nsw_debug_kernel() {
	local frag="$NSW_VM_DIR/debug-kernel.config" tarball ver hash dir src kver
	nsw_ensure_pkgs linux-source-6.12 build-essential bc bison flex \
		libelf-dev libssl-dev xz-utils
	tarball=$(find /usr/src -maxdepth 1 -name 'linux-source-6.12*.tar.xz' |
		sort | tail -n 1)
	[[ -n "$tarball" ]] || nsw_die "linux-source-6.12 left no tarball in /usr/src"
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	hash=$( { echo "$ver"; cat "$frag"; } | sha256sum | cut -c1-12)
	dir="$NETSWAP_CACHE/debug-$hash"
	src="$dir/src"
	mkdir -p "$dir"
	(
		flock 9
		if [[ ! -e "$dir/.built" ]]; then
			nsw_log "building the debug kernel from $(basename "$tarball") in $dir"
			rm -rf "$src" "$dir/root"
			mkdir -p "$src"
			tar -xf "$tarball" -C "$src" --strip-components=1 || exit 1
			make -s -C "$src" x86_64_defconfig kvm_guest.config >/dev/null &&
				(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$frag") >/dev/null &&
				make -s -C "$src" olddefconfig >/dev/null || exit 1
			nsw_make_logged "$dir/make-kernel.log" "debug kernel build" \
				-C "$src" -j"$(nproc)" bzImage modules || exit 1
			kver=$(make -s -C "$src" kernelrelease)
			make -s -C "$src" INSTALL_MOD_PATH="$dir/root" \
				INSTALL_MOD_STRIP=1 DEPMOD=true modules_install >/dev/null || exit 1
			rm -f "$dir/root/lib/modules/$kver/build"
			install -D -m 0644 "$src/arch/x86/boot/bzImage" \
				"$dir/root/boot/vmlinuz-$kver"
			depmod -b "$dir/root" "$kver"
			echo "$kver" >"$dir/.built"
		fi
	) 9>"$dir/.lock" || nsw_die "cannot build the debug kernel (see $dir/make-kernel.log)"

	kver=$(cat "$dir/.built")
	NSW_KNAME=debug
	NSW_KVER=$kver
	NSW_KROOT="$dir/root"
	NSW_VMLINUZ="$dir/root/boot/vmlinuz-$kver"
	NSW_MODDIR="$dir/root/lib/modules/$kver"
	NSW_KDIR=$src
}

nsw_kernel() {
	local kname=$1 img_meta hdr_meta img_pkg hdr_pkg kver dir deb debs
	if [[ "$kname" == debug ]]; then
		nsw_debug_kernel
		return
	fi
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
	[[ $# -eq 1 ]] || { echo "usage: $0 KNAME (one of $NSW_KNAMES)" >&2; exit 2; }
	nsw_kernel "$1"
	printf 'KNAME=%q\nKVER=%q\nVMLINUZ=%q\nMODDIR=%q\nKDIR=%q\nKROOT=%q\n' \
		"$NSW_KNAME" "$NSW_KVER" "$NSW_VMLINUZ" "$NSW_MODDIR" "$NSW_KDIR" "$NSW_KROOT"
fi
