#!/bin/bash
# tests/vm/initramfs.sh - build the initramfs (cpio.gz) the test VMs boot.
#
# Usage as a command:
#   tests/vm/initramfs.sh [options] KNAME SCENARIO_DIR OUT.cpio.gz
#     --module KO     netswap.ko to include (lib/modules/KVER/extra/)
#     --ctl BIN       netswapctl to include (/usr/sbin/netswapctl) with libs
#     --progs DIR     static test programs to include (/usr/bin/)
# Usage as a library: source it, then
#   nsw_build_initramfs KNAME SCENARIO_DIR OUT [KO] [CTL] [PROGS_DIR]
#
# Layout of the image:
#   /init                      tests/vm/init.sh
#   /bin/busybox + applet links (the whole busybox-static)
#   /sbin/ip.real /sbin/tc.real real iproute2 (busybox sh would prefer its own
#                              ip/tc applets, so call these by full path)
#   /usr/sbin/netswapctl       with every library ldd lists + the loader
#   /usr/bin/<prog>            static programs built from tests/prog/
#   /lib/netswap/guest-lib.sh  helpers for role scripts
#   /scenario/                 copy of the scenario directory
#   /lib/modules/KVER/         the kernel modules needed (decompressed),
#                              extra/netswap.ko, and modules.dep from depmod
# The image is unpacked into RAM of the VM, so keep it small (~10 MiB).

# shellcheck source=tests/vm/kernel.sh
source "$(dirname "${BASH_SOURCE[0]}")/kernel.sh"

# Kernel modules the guests need besides what netswap.ko depends on.
# virtio_pci: built in on 6.12, a module on 6.1. sch_netem: for scenarios
# that add delay / loss with tc.
NSW_GUEST_MODULES=(virtio_pci virtio_net udp_tunnel ip6_udp_tunnel sch_netem)

# Copy binary $1 to $root$2 plus every library ldd lists (incl. the loader).
_nsw_copy_dyn() {
	local root=$1 bin=$2 dest=$3 lib
	install -D -m 0755 "$bin" "$root$dest"
	# ldd lines: "libx.so => /path (addr)", "/lib64/ld-linux... (addr)",
	# "linux-vdso.so.1 (addr)" (no file: skipped).
	while read -r lib; do
		[[ -n "$lib" && ! -e "$root$lib" ]] || continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
}

# Copy kernel module file $2 (maybe .xz/.zst) from the extracted tree into
# the image root $1, decompressed, at the same relative path.
_nsw_copy_kmod() {
	local root=$1 src=$2 rel dst
	rel=${src#"$NSW_KROOT"}
	dst="$root${rel%.xz}"
	dst=${dst%.zst}
	[[ -e "$dst" ]] && return 0
	mkdir -p "$(dirname "$dst")"
	case "$src" in
	*.ko.xz) xz -dc "$src" >"$dst" ;;
	*.ko.zst) zstd -qdc "$src" >"$dst" ;;
	*.ko) cp "$src" "$dst" ;;
	*) nsw_die "unexpected module file $src" ;;
	esac
}

# Runs in a subshell so that the temporary tree is removed on any exit.
nsw_build_initramfs() (
	set -euo pipefail
	local kname=$1 scen=$2 out=$3 ko=${4:-} ctl=${5:-} progs=${6:-}
	local root mods=() m f dep
	nsw_kernel "$kname"
	[[ -d "$scen" ]] || nsw_die "no scenario directory $scen"

	root=$(mktemp -d "${TMPDIR:-/tmp}/nsw-initramfs.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$root'" EXIT

	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,etc,proc,sys,dev,tmp,run,root,scenario,lib/netswap}
	chmod 1777 "$root/tmp"
	# The kernel needs /dev/console in the image to give /init a console.
	mknod -m 600 "$root/dev/console" c 5 1
	mknod -m 666 "$root/dev/null" c 1 3

	# busybox and its applets
	cp /bin/busybox "$root/bin/busybox"
	while read -r f; do
		[[ -e "$root/$f" ]] || { mkdir -p "$root/$(dirname "$f")"; ln -s /bin/busybox "$root/$f"; }
	done < <(/bin/busybox --list-full)

	# real iproute2, plus tc's netem distribution tables
	_nsw_copy_dyn "$root" "$(command -v ip || echo /sbin/ip)" /sbin/ip.real
	_nsw_copy_dyn "$root" "$(command -v tc || echo /sbin/tc)" /sbin/tc.real
	for f in /usr/lib/x86_64-linux-gnu/tc/*.dist /usr/lib/tc/*.dist; do
		[[ -e "$f" ]] || continue
		mkdir -p "$root$(dirname "$f")"
		cp "$f" "$root$f"
	done

	if [[ -n "$ctl" ]]; then
		_nsw_copy_dyn "$root" "$ctl" /usr/sbin/netswapctl
	fi
	if [[ -n "$progs" ]]; then
		for f in "$progs"/*; do
			[[ -f "$f" && -x "$f" ]] || continue
			install -m 0755 "$f" "$root/usr/bin/$(basename "$f")"
		done
	fi

	install -m 0755 "$NSW_VM_DIR/init.sh" "$root/init"
	install -m 0644 "$NSW_VM_DIR/guest-lib.sh" "$root/lib/netswap/guest-lib.sh"
	cp -r "$scen"/. "$root/scenario/"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\n' >"$root/etc/group"
	printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"

	# Kernel modules: what we always need plus netswap.ko's dependencies,
	# each with its own dependencies, resolved on the extracted tree.
	mods=("${NSW_GUEST_MODULES[@]}")
	if [[ -n "$ko" ]]; then
		dep=$(modinfo -F depends "$ko")
		IFS=, read -r -a m <<<"$dep"
		mods+=("${m[@]}")
	fi
	local kdst="$root/lib/modules/$NSW_KVER"
	mkdir -p "$kdst"
	for m in "${mods[@]}"; do
		[[ -n "$m" ]] || continue
		# "insmod /path/x.ko" per module in load order, or "builtin x".
		while read -r f; do
			_nsw_copy_kmod "$root" "$f"
		done < <(modprobe -d "$NSW_KROOT" -S "$NSW_KVER" --show-depends "$m" |
			awk '$1 == "insmod" { print $2 }')
		modprobe -d "$NSW_KROOT" -S "$NSW_KVER" --show-depends "$m" >/dev/null ||
			nsw_die "kernel $NSW_KVER has no module $m"
	done
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[[ -e "$NSW_MODDIR/$f" ]] && cp "$NSW_MODDIR/$f" "$kdst/"
	done
	if [[ -n "$ko" ]]; then
		install -D -m 0644 "$ko" "$kdst/extra/netswap.ko"
	fi
	depmod -b "$root" "$NSW_KVER"

	mkdir -p "$(dirname "$out")"
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet --owner=0:0 | gzip -1) >"$out.tmp"
	mv "$out.tmp" "$out"
	nsw_log "initramfs $out: $(du -k "$out" | cut -f1) KiB ($(du -sk "$root" | cut -f1) KiB unpacked)"
)

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	set -euo pipefail
	ko= ctl= progs=
	while [[ $# -gt 0 ]]; do
		case "$1" in
		--module) ko=$2; shift 2 ;;
		--ctl) ctl=$2; shift 2 ;;
		--progs) progs=$2; shift 2 ;;
		-*) echo "unknown option $1" >&2; exit 2 ;;
		*) break ;;
		esac
	done
	[[ $# -eq 3 ]] || {
		echo "usage: $0 [--module KO] [--ctl BIN] [--progs DIR] KNAME SCENARIO_DIR OUT" >&2
		exit 2
	}
	nsw_build_initramfs "$1" "$2" "$3" "$ko" "$ctl" "$progs"
fi
