#!/bin/bash
# tests/vm/initramfs.sh - build the initramfs (cpio.gz) the test VMs boot.
#
# Usage as a command:
#   tests/vm/initramfs.sh [options] KNAME SCENARIO_DIR OUT.cpio.gz
#     --module KO     netswap.ko to include (lib/modules/KVER/extra/)
#     --ctl BIN       netswapctl to include (/usr/sbin/netswapctl) with libs,
#                     and jq
#     --progs DIR     static test programs to include (/usr/bin/)
#     --tool NAME     a program of NSW_GUEST_TOOLS (common.sh) to include,
#                     with libs (repeatable)
# Usage as a library: source it, then
#   nsw_build_initramfs KNAME SCENARIO_DIR OUT [KO] [CTL] [PROGS_DIR] [TOOLS]
# (TOOLS: names separated by spaces)
#
# Layout of the image:
#   /init                      tests/vm/init.sh
#   /bin/busybox + applet links (the whole busybox-static)
#   /sbin/ip.real /sbin/tc.real real iproute2 (busybox sh would prefer its own
#                              ip/tc applets, so call these by full path)
#   /usr/sbin/netswapctl       with every library ldd lists + the loader,
#                              and jq, with which guest-lib.sh reads it
#   /usr/libexec/netswap/      netswap.service's netswap-start, -stop
#   /usr/bin/<prog>            static programs built from tests/prog/
#   /usr/{bin,sbin}/<tool>     NSW_GUEST_TOOLS the scenario asked for, at
#                              their host paths, with their libraries
#                              (NSW_GUEST_STUB_LIBS replaced by stubs)
#   /lib/netswap/guest-lib.sh  helpers for role scripts
#   /scenario/                 copy of the scenario directory
#   /lib/modules/KVER/         the kernel modules needed (decompressed),
#                              extra/netswap.ko, and modules.dep from depmod
# The image is unpacked into RAM of the VM, so keep it small (~10 MiB).

# shellcheck source=tests/vm/kernel.sh
source "$(dirname "${BASH_SOURCE[0]}")/kernel.sh"

# Kernel modules the guests need besides what netswap.ko depends on.
# virtio_pci: built in on 6.12, a module on 6.1 (on 6.1-cloud virtio's core
# too, which modprobe's dependencies bring along). sch_netem: for scenarios
# that add delay / loss with tc. virtio_blk and nbd: the benchmark's swap on
# a local disk and over NBD.
NSW_GUEST_MODULES=(virtio_pci virtio_net udp_tunnel ip6_udp_tunnel sch_netem
	virtio_blk nbd)

# Copy the file $2 (following symlinks) into the image root $1 at the same
# path, unless it is there already.
_nsw_copy_file() {
	[[ -e "$1$2" ]] && return 0
	mkdir -p "$1$(dirname "$2")"
	cp -L "$2" "$1$2"
}

# The DT_NEEDED sonames of ELF file $1, one a line.
_nsw_needed() {
	readelf -d -W "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'
}

# Copy program $2 to $1$3 with the shared libraries it needs (each at the
# host path ldd resolves it to, plus the loader). A library named in
# NSW_GUEST_STUB_LIBS is not copied: it is noted in $1/.nsw-stubs ("SONAME
# HOSTPATH NEEDER", see _nsw_make_stubs), and the libraries only it needed
# are left out.
_nsw_copy_dyn() {
	local root=$1 bin=$2 dest=$3 obj name lib
	local -A where=() seen=()
	local todo=()
	install -D -m 0755 "$bin" "$root$dest"
	# ldd lines: "libx.so => /path (addr)", "/lib64/ld-linux... (addr)",
	# "linux-vdso.so.1 (addr)" (no file: skipped).
	while read -r name lib; do
		if [[ -z "$lib" ]]; then
			# the loader (libc needs it by its base name)
			_nsw_copy_file "$root" "$name"
			where[${name##*/}]=$name
		else
			where[$name]=$lib
		fi
	done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 } $1 ~ /^\// { print $1 }')
	todo=("$bin")
	while [[ ${#todo[@]} -gt 0 ]]; do
		obj=${todo[0]}
		todo=("${todo[@]:1}")
		for name in $(_nsw_needed "$obj"); do
			lib=${where[$name]:-}
			[[ -n "$lib" ]] || nsw_die "ldd $bin does not resolve $name (needed by $obj)"
			if [[ " ${NSW_GUEST_STUB_LIBS[*]} " == *" $name "* ]]; then
				echo "$name $lib $obj" >>"$root/.nsw-stubs"
				continue
			fi
			[[ -n "${seen[$name]:-}" ]] && continue
			seen[$name]=1
			_nsw_copy_file "$root" "$lib"
			todo+=("$lib")
		done
	done
}

# Build the stubs noted in $1/.nsw-stubs. The stub of a library exports
# exactly the symbols of the real one (same versions, objects with the
# same size) that the copied files needing it import, so the loader binds
# them as it would the real library (the tools are linked with BIND_NOW:
# every symbol must resolve at start). Calling a stub function prints
# "stub SONAME: SYMBOL called" and exits 127, so a tool that does use the
# feature fails loudly instead of misbehaving.
_nsw_make_stubs() {
	local root=$1 name lib dir c vs obj
	[[ -s "$root/.nsw-stubs" ]] || { rm -f "$root/.nsw-stubs"; return 0; }
	dir=$(mktemp -d "${TMPDIR:-/tmp}/nsw-stub.XXXXXX")
	while read -r name lib; do
		c="$dir/$name.c" vs="$dir/$name.map"
		# "VERSION SYMBOL TYPE SIZE" for each symbol the library defines
		# (VERSION "-" when unversioned) that a needer imports: with the
		# same version if the import names one, any if it does not.
		{
			for obj in $(awk -v n="$name" '$1 == n { print $3 }' "$root/.nsw-stubs" | sort -u); do
				# "VALUE FLAGS... SECTION SIZE VERSION NAME"
				objdump -T "$obj" | awk 'NF >= 5 && $(NF - 3) == "*UND*" {
					v = $(NF - 1); gsub(/[()]/, "", v)
					print "U", (v == "Base" ? "-" : v), $NF
				}'
			done
			objdump -T "$lib" | awk 'NF >= 6 && $1 ~ /^[0-9a-f]+$/ &&
				$(NF - 3) != "*UND*" && $(NF - 3) != "*ABS*" {
				v = $(NF - 1); gsub(/[()]/, "", v)
				if (v == "Base") v = "-"
				print "D", v, $NF, ($(NF - 4) ~ /O/ ? "O" : "F"), "0x" $(NF - 2)
			}'
		} | awk '
			$1 == "U" { want[$3] = want[$3] " " $2; next }
			$1 == "D" && ($3 in want) {
				if (want[$3] ~ / -( |$)/ || index(want[$3] " ", " " $2 " "))
					if (!(($2, $3) in done)) { done[$2, $3] = 1; print $2, $3, $4, $5 }
			}' >"$dir/$name.syms"
		[[ -s "$dir/$name.syms" ]] || nsw_die "stub $name: no symbol imported from $lib"
		awk -v soname="$name" '
			BEGIN {
				print "#include <unistd.h>"
				print "static void nsw_stub(const char *m, unsigned long n)"
				print "{ (void)!write(2, m, n); _exit(127); }"
			}
			{
				id = "nsw_" NR
				if ($3 == "O") {
					printf "char %s[%s + 1] __asm__(\"%s\");\n", id, $4, $2
					printf "char %s[%s + 1];\n", id, $4
				} else {
					m = "stub " soname ": " $2 " called (not in the test image)\\n"
					printf "void %s(void) __asm__(\"%s\");\n", id, $2
					printf "void %s(void) { static const char m[] = \"%s\"; nsw_stub(m, sizeof(m) - 1); }\n", id, m
				}
			}' "$dir/$name.syms" >"$c"
		# Version nodes as in the real library; unversioned symbols of a
		# versioned library go to a node of their own (an unversioned
		# import binds to any default version).
		awk '{ v = ($1 == "-" ? "NSW_STUB_UNVERSIONED" : $1); s[v] = s[v] " " $2 ";" }
			END { for (v in s) print v " { global:" s[v] " };"; print "NSW_STUB_LOCAL { local: *; };" }' \
			"$dir/$name.syms" >"$vs"
		# shellcheck disable=SC2054 # one linker option with commas
		local vsopt=(-Wl,--version-script,"$vs")
		awk '$1 != "-" { f = 1 } END { exit !f }' "$dir/$name.syms" || vsopt=()
		gcc -shared -fPIC -O1 -w -o "$dir/$name" "$c" -Wl,-soname,"$name" "${vsopt[@]}" ||
			nsw_die "cannot build the stub of $name (sources in $dir)"
		mkdir -p "$root$(dirname "$lib")"
		rm -f "$root$lib"
		install -m 0755 "$dir/$name" "$root$lib"
	done < <(awk '!seen[$1]++ { print $1, $2 }' "$root/.nsw-stubs")
	rm -rf "$dir" "$root/.nsw-stubs"
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
	local kname=$1 scen=$2 out=$3 ko=${4:-} ctl=${5:-} progs=${6:-} tools=${7:-}
	local root mods=() m f dep t
	nsw_kernel "$kname"
	[[ -d "$scen" ]] || nsw_die "no scenario directory $scen"

	root=$(mktemp -d "${TMPDIR:-/tmp}/nsw-initramfs.XXXXXX")
	# mktemp makes it 0700: "/" of the VMs must be open to other users too.
	chmod 0755 "$root"
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
		# guest-lib.sh reads netswapctl's JSON with jq (nsw_get).
		f=$(command -v jq) || nsw_die "jq is not installed on the host"
		_nsw_copy_dyn "$root" "$f" "$f"
		# netswap.service's scripts, where make install puts them
		install -D -m 0755 "$NETSWAP_SRC/tools/systemd/netswap-start" \
			"$root/usr/libexec/netswap/netswap-start"
		install -D -m 0755 "$NETSWAP_SRC/tools/systemd/netswap-stop" \
			"$root/usr/libexec/netswap/netswap-stop"
	fi
	if [[ -n "$progs" ]]; then
		for f in "$progs"/*; do
			[[ -f "$f" && -x "$f" ]] || continue
			install -m 0755 "$f" "$root/usr/bin/$(basename "$f")"
		done
	fi
	for t in $tools; do
		[[ " ${NSW_GUEST_TOOLS[*]} " == *" $t "* ]] ||
			nsw_die "tool $t is not one of NSW_GUEST_TOOLS (${NSW_GUEST_TOOLS[*]})"
		f=$(command -v "$t") || nsw_die "tool $t is not installed on the host"
		_nsw_copy_dyn "$root" "$f" "$f"
	done
	_nsw_make_stubs "$root"

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
	ko= ctl= progs= tools=
	while [[ $# -gt 0 ]]; do
		case "$1" in
		--module) ko=$2; shift 2 ;;
		--ctl) ctl=$2; shift 2 ;;
		--progs) progs=$2; shift 2 ;;
		--tool) tools+=" $2"; shift 2 ;;
		-*) echo "unknown option $1" >&2; exit 2 ;;
		*) break ;;
		esac
	done
	[[ $# -eq 3 ]] || {
		echo "usage: $0 [--module KO] [--ctl BIN] [--progs DIR] [--tool NAME]... KNAME SCENARIO_DIR OUT" >&2
		exit 2
	}
	nsw_build_initramfs "$1" "$2" "$3" "$ko" "$ctl" "$progs" "$tools"
fi
