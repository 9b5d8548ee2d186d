# shellcheck shell=bash
# tests/vm/common.sh - helpers shared by the host-side VM test scripts.
#
# Sourced (never executed) by kernel.sh, build.sh, initramfs.sh,
# run-scenario.sh, tests/run-all.sh and demo/run.sh.
#
# Environment knobs (all optional):
#   NETSWAP_CACHE  downloaded / extracted kernel images   (/var/cache/netswap-test)
#   NETSWAP_WORK   build copies, initramfs images, results (/tmp/netswap-vm)
#   NETSWAP_SRC    source tree to test                    (repo root of this file)

if [[ -n "${_NSW_COMMON_SOURCED:-}" ]]; then
	return 0
fi
_NSW_COMMON_SOURCED=1

NSW_VM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NETSWAP_SRC="${NETSWAP_SRC:-$(cd "$NSW_VM_DIR/../.." && pwd)}"
NETSWAP_CACHE="${NETSWAP_CACHE:-/var/cache/netswap-test}"
NETSWAP_WORK="${NETSWAP_WORK:-/tmp/netswap-vm}"
export NETSWAP_SRC NETSWAP_CACHE NETSWAP_WORK

# Log to stderr so that functions can still return values on stdout.
nsw_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
nsw_die() { nsw_log "ERROR: $*"; exit 1; }

# Every kernel name the test bed knows (debug: tests/vm/kernel.sh).
NSW_KNAMES="6.1 6.12 6.12-rt 6.1-cloud debug"

# Map the short kernel name used everywhere in the test bed to Debian's
# meta packages. Prints "IMAGE_META HEADERS_META". 6.12-rt is PREEMPT_RT
# (spinlocks sleep, softirqs and most interrupts run in threads); 6.1-cloud
# is what Debian's cloud images boot, a 6.1 with few drivers, where even
# virtio and virtio_pci are modules.
nsw_kernel_meta() {
	case "$1" in
	6.1)  echo "linux-image-amd64 linux-headers-amd64" ;;
	6.12) echo "linux-image-6.12-amd64 linux-headers-6.12-amd64" ;;
	6.12-rt) echo "linux-image-6.12-rt-amd64 linux-headers-6.12-rt-amd64" ;;
	6.1-cloud) echo "linux-image-cloud-amd64 linux-headers-cloud-amd64" ;;
	*)    nsw_die "unknown kernel name '$1' (known: $NSW_KNAMES)" ;;
	esac
}

# apt-get update at most once per process, and only when we need it.
_NSW_APT_UPDATED=
nsw_apt_update() {
	if [[ -z "$_NSW_APT_UPDATED" ]]; then
		nsw_log "apt-get update"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
		_NSW_APT_UPDATED=1
	fi
}

# Install every Debian package given that is not installed yet.
nsw_ensure_pkgs() {
	local missing=() p
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
			missing+=("$p")
		fi
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	nsw_apt_update
	nsw_log "apt-get install ${missing[*]}"
	local out
	if ! out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" 2>&1); then
		printf '%s\n' "$out" >&2
		nsw_die "apt-get install ${missing[*]} failed"
	fi
}

# Resolve the concrete package a meta package depends on, e.g.
# linux-image-amd64 -> linux-image-6.1.0-56-amd64. Runs apt-get update once
# if apt does not know the package yet (fresh machine without lists).
nsw_resolve_meta() {
	local meta=$1 dep
	dep=$(apt-cache depends "$meta" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-/ { print $2; exit }')
	if [[ -z "$dep" ]]; then
		nsw_apt_update
		dep=$(apt-cache depends "$meta" 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-/ { print $2; exit }')
	fi
	[[ -n "$dep" ]] || nsw_die "cannot resolve meta package $meta with apt-cache depends"
	echo "$dep"
}

# Packages the host-side VM machinery needs (binutils: readelf/objdump for
# the library stubs of initramfs.sh; stress-ng memtester fio jq iperf3
# nbd-server nbd-client, and util-linux for swapon: the NSW_GUEST_TOOLS
# below).
NSW_HOST_PKGS=(qemu-system-x86 busybox-static vde2 cpio kmod xz-utils zstd
	iproute2 gcc make libc6-dev libnl-genl-3-dev libnl-3-dev pkg-config rsync
	util-linux sparse binutils stress-ng memtester fio jq iperf3 nbd-server
	nbd-client)
# And those of make fuzz (tests/fuzz), for the whole suite only. libFuzzer
# is in libclang-rt-14-dev, which clang merely recommends.
NSW_FUZZ_PKGS=(clang libclang-rt-14-dev)

# Programs of Debian packages a scenario may ask for with a "tools" line in
# its vms file (run-scenario.sh): each is copied into that scenario's
# initramfs at its host path, with the shared libraries it needs. jq
# checks JSON output; swapon is util-linux's (/usr/sbin/swapon: busybox's,
# at /sbin/swapon, has no -p), for netswap-start's SwapPriority. iperf3,
# nbd-server and nbd-client: the benchmark's references (bench/).
NSW_GUEST_TOOLS=(stress-ng memtester fio jq swapon iperf3 nbd-server
	nbd-client)

# Shared libraries those tools link for features the tests never use; the
# image gets a stub in their place (same soname, the symbols the tools
# import; calling one prints "stub ... called" and exits 127), and what only
# they needed is left out. Without them fio would bring ~80 MiB (Ceph,
# Gluster, RDMA, NBD, PMEM engines are linked in, not plugins) and
# stress-ng ~20 MiB (GPU, IPsec-MB, crypto, jpeg stressors).
NSW_GUEST_STUB_LIBS=(
	librados.so.2 librbd.so.1 libgfapi.so.0 libnbd.so.0 libibverbs.so.1
	librdmacm.so.1 libpmem.so.1 libpmemblk.so.1
	libIPSec_MB.so.1 libcrypto.so.3 libEGL.so.1 libGLESv2.so.2 libgbm.so.1
	libjpeg.so.62
)

# Run make, sending its output to a log; on failure show the end of the log.
# $1 = log file, $2 = what (for messages), rest = make arguments.
nsw_make_logged() {
	local log=$1 what=$2
	shift 2
	if ! make "$@" >"$log" 2>&1; then
		nsw_log "---- last lines of $log ----"
		tail -n 30 "$log" >&2
		nsw_log "$what FAILED (make $*); full log: $log"
		return 1
	fi
}
