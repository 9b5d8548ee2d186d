#!/bin/bash
# tests/vm/run-scenario.sh - boot the VMs of one scenario and judge the run.
#
# Usage: tests/vm/run-scenario.sh KNAME SCENARIO
#   KNAME     6.1, 6.12, 6.12-rt (PREEMPT_RT) or 6.1-cloud (Debian kernel to
#             boot and build netswap.ko for, common.sh: nsw_kernel_meta),
#             or debug (tests/vm/kernel.sh: 6.12 with KASAN and lockdep)
#   SCENARIO  name of a directory in tests/scenarios/, or a path to one
#
# A scenario directory holds one ROLE.sh per VM (run by /init in the VM,
# see tests/vm/init.sh and guest-lib.sh) and a "vms" file:
#   # comment
#   NAME MEM_MB IPV4 [IPV6]     one line per VM (IPv4 link-local 169.254/16,
#                               IPv6 ULA fd00::/8, /64 assumed)
#   timeout SECONDS             overall limit (default 600)
#   module required|none        build + include netswap.ko and netswapctl
#                               (default required; "none" for test-bed-only
#                               scenarios such as smoke)
#   tools NAME...               programs of NSW_GUEST_TOOLS (common.sh) to
#                               include with their libraries
#   disk NAME SIZE_MB           a virtio disk (/dev/vda) for VM NAME, backed
#                               by a sparse host file, gone after the run
#   link vde|stream             the VMs' link (default vde, see below)
#   mtu BYTES                   eth0's MTU in every VM (default 1500)
#
# The VMs (QEMU, TCG only) share one vde_switch on a unix socket in a
# private temp dir: no host network interface is involved. vde_switch
# takes no frame above 1518 bytes, so a jumbo-frame MTU needs "link
# stream": exactly two VMs joined by QEMU's -netdev stream over a unix
# socket, frames of any size, no loss (a full socket holds the sender).
# Each VM's serial console goes to
# $NETSWAP_WORK/results/KNAME-SCENARIO/NAME.console (NAME.bootN.console
# for its boot N, when it asked the host to restart it: host_requests).
#
# The scenario passes when every VM printed "NETSWAP-RESULT: PASS" (in its
# last boot) and no console of any boot shows a kernel problem (BUG:, WARNING:, Oops, general protection,
# hung_task, INFO: task, Kernel panic). Exit status 0 pass, 1 fail, 2 usage.
#
# Environment:
#   NETSWAP_FOLLOW="a b"|all   stream those VMs' consoles to stdout live
#   NETSWAP_GRACE=30           seconds the other VMs get after one failed
#   NETSWAP_KARGS=...          base kernel arguments (default mitigations=off)
#   NETSWAP_CPU=max,-cx16,-erms  QEMU -cpu model (README.md: "CPU model")
#   NETSWAP_APPEND="..."       more kernel command line for every VM; each
#                              nsw_key=value is NSW_KEY=value for the roles
#   NETSWAP_LINK, NETSWAP_MTU  link and mtu for scenarios that set neither
#   NETSWAP_POWEROFF_S=60      seconds a VM has to power off after its result

set -euo pipefail
# shellcheck source=tests/vm/build.sh
source "$(dirname "${BASH_SOURCE[0]}")/build.sh"
# shellcheck source=tests/vm/initramfs.sh
source "$NSW_VM_DIR/initramfs.sh"

# The whole script is one brace group: bash parses it completely before
# running it, so editing this file while a run is in progress is harmless.
{
[[ $# -eq 2 ]] || { echo "usage: $0 KNAME SCENARIO (KNAME: one of $NSW_KNAMES)" >&2; exit 2; }
KNAME=$1
if [[ "$2" == */* ]]; then
	SCEN_DIR=$(cd "$2" && pwd)
else
	SCEN_DIR="$NETSWAP_SRC/tests/scenarios/$2"
fi
SCEN=$(basename "$SCEN_DIR")
# Without cmpxchg16b: QEMU up to 7.2 (Debian 12's) computes the flags of
# cmpxchg16b from stale state under TCG, which makes 6.12 guests double
# fault in the slab allocator (tests/prog/cx16check.c, README.md). And
# without ERMS: TCG runs "rep movsb" a byte at a time, so kernels that
# pick it for memcpy and clear_page spent most of a page's cost there.
NSW_CPU=${NETSWAP_CPU:-max,-cx16,-erms}
# demo/scenario is called "demo"
[[ "$SCEN" == scenario ]] && SCEN=$(basename "$(dirname "$SCEN_DIR")")
[[ -f "$SCEN_DIR/vms" ]] || { echo "no $SCEN_DIR/vms" >&2; exit 2; }

# Kernel-log lines that fail a scenario whatever the role scripts say.
KERNEL_BAD='BUG:|WARNING:|Oops|general protection|hung_task|INFO: task|Kernel panic'
# Kernel-log lines shown in the summary as hints (they do not fail a run).
KERNEL_NOTE='page allocation failure|I/O error|(Read|Write)-error on swap|Out of memory|oom-kill|soft lockup|no answer from'

RES="$NETSWAP_WORK/results/$KNAME-$SCEN"
# Keep the previous run's consoles (one generation) for comparison.
rm -rf "$RES.prev"
[[ -d "$RES" ]] && mv "$RES" "$RES.prev"
mkdir -p "$RES"

# ---- parse the vms file ----------------------------------------------------
VM_NAMES=() VM_MEM=() VM_IP=() VM_IP6=()
TIMEOUT=600
MODULE=required
TOOLS=
LINK=${NETSWAP_LINK:-vde}
MTU=${NETSWAP_MTU:-}
declare -A DISK
while read -r a b c d rest; do
	case "$a" in
	'' | '#'*) continue ;;
	timeout) TIMEOUT=$b ;;
	module) MODULE=$b ;;
	tools) TOOLS+=" $b $c $d $rest" ;;
	link) LINK=$b ;;
	mtu) MTU=$b ;;
	disk)
		[[ "$c" =~ ^[0-9]+$ ]] || nsw_die "bad line in $SCEN_DIR/vms: disk $b $c"
		DISK[$b]=$c
		;;
	*)
		[[ "$b" =~ ^[0-9]+$ && -n "$c" ]] || nsw_die "bad line in $SCEN_DIR/vms: $a $b $c"
		[[ -f "$SCEN_DIR/$a.sh" ]] || nsw_die "no role script $SCEN_DIR/$a.sh"
		VM_NAMES+=("$a") VM_MEM+=("$b") VM_IP+=("$c") VM_IP6+=("${d:-}")
		;;
	esac
done <"$SCEN_DIR/vms"
[[ ${#VM_NAMES[@]} -gt 0 ]] || nsw_die "no VM listed in $SCEN_DIR/vms"
case "$LINK" in
vde) ;;
stream)
	[[ ${#VM_NAMES[@]} -eq 2 ]] ||
		nsw_die "link stream joins exactly two VMs, not ${#VM_NAMES[@]}"
	;;
*) nsw_die "unknown link '$LINK' (vde or stream)" ;;
esac
[[ -z "$MTU" || "$MTU" =~ ^[0-9]+$ ]] || nsw_die "bad mtu '$MTU'"
# The debug kernel keeps about 120 MiB of a 256 MiB VM for itself (KASAN's
# shadow, an eighth of all memory; lockdep's tables; a larger image): add
# 128 MiB to every VM. Larger VMs still lose some, their shadow being
# larger.
# Its checks also make it slower, so the deadline grows by half.
if [[ "$KNAME" == debug ]]; then
	for i in "${!VM_MEM[@]}"; do
		VM_MEM[i]=$((VM_MEM[i] + 128))
	done
	TIMEOUT=$((TIMEOUT * 3 / 2))
fi

# ---- build -----------------------------------------------------------------
nsw_log "scenario $SCEN on kernel $KNAME: ${VM_NAMES[*]} (timeout ${TIMEOUT}s, link $LINK${MTU:+, mtu $MTU})"
nsw_ensure_pkgs "${NSW_HOST_PKGS[@]}"
nsw_kernel "$KNAME"
nsw_build_progs
KO= CTL=
if [[ "$MODULE" != none ]]; then
	# Build in a subshell (nsw_die exits it) that hands back the paths.
	if ! built=$(nsw_build_tools && nsw_build_module "$KNAME" &&
		printf '%s\n%s\n' "$NSW_CTL" "$NSW_MODULE_KO"); then
		echo "SCENARIO $KNAME/$SCEN: FAIL (build failed, see above)"
		echo "build failed" >"$RES/summary.txt"
		exit 1
	fi
	{ read -r CTL; read -r KO; } <<<"$built"
fi
INITRD="$NETSWAP_WORK/initramfs/$KNAME-$SCEN.cpio.gz"
echo "$NSW_CPU" >"$RES/qemu-cpu"	# for the bench's results
nsw_build_initramfs "$KNAME" "$SCEN_DIR" "$INITRD" "$KO" "$CTL" "$NSW_PROG_DIR" "$TOOLS"

# ---- network + VMs ---------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nsw-run.XXXXXX")
PIDS=() FOLLOW_PIDS=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local p
	for p in "${PIDS[@]}" "${FOLLOW_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	if [[ -f "$TMP/vde.pid" ]]; then
		kill "$(cat "$TMP/vde.pid")" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ "$LINK" == vde ]]; then
	vde_switch --sock "$TMP/sw" --daemon --pidfile "$TMP/vde.pid" \
		--mgmt "$TMP/mgmt" </dev/null >"$RES/vde.log" 2>&1
	for _ in $(seq 50); do
		[[ -S "$TMP/sw/ctl" && -s "$TMP/vde.pid" ]] && break
		sleep 0.1
	done
	[[ -S "$TMP/sw/ctl" ]] || nsw_die "vde_switch did not start (see $RES/vde.log)"
fi

# The -netdev of VM $1 (its index): a port of the switch, or an end of
# the stream link, whose first VM listens and whose second connects.
netdev_of() {
	if [[ "$LINK" == vde ]]; then
		echo "vde,sock=$TMP/sw,id=n0"
	elif [[ $1 -eq 0 ]]; then
		echo "stream,id=n0,server=on,addr.type=unix,addr.path=$TMP/link"
	else
		echo "stream,id=n0,server=off,addr.type=unix,addr.path=$TMP/link"
	fi
}

# Console of VM $1 in its boot $2 (default: the current one): NAME.console
# for the first, NAME.bootN.console for boot N after a restart.
console_of() {
	local b=${2:-${BOOT[$1]}}
	if ((b == 1)); then
		echo "$RES/$1.console"
	else
		echo "$RES/$1.boot$b.console"
	fi
}

# start_vm I: boot VM number I (boot BOOT[NAME]: nsw_boot= on its command
# line), its QEMU's pid in PIDS[I]. A restart boots it again the same way:
# same MAC, IP and memory, RAM empty.
start_vm() {
	local i=$1 n=${VM_NAMES[$1]} mac append con
	local -a drive=()
	mac=$(printf '52:54:00:00:00:%02x' $((i + 1)))
	con=$(console_of "$n")
	# oops=panic + panic=-1: a crashed VM exits at once. NETSWAP_KARGS
	# (default mitigations=off: no retpolines etc., ~10% faster under TCG,
	# and no change to what netswap does) can be set to "" to leave it out.
	append="console=ttyS0 panic=-1 oops=panic ${NETSWAP_KARGS-mitigations=off}"
	# no_timer_check, as KVM guests have it: the boot-time check that
	# the PIT's interrupt arrives through the IO-APIC wants 5 ticks in
	# a short busy-wait, a loaded TCG host loses ticks, and the kernel
	# then reports "8254 timer not connected to IO-APIC" and reroutes
	# the timer. A 6.12-rt guest whose timer went as far as ExtINT got
	# no device interrupt after: serial and virtio_net TX hung at boot.
	append+=" no_timer_check"
	append+=" nsw_role=$n nsw_ip=${VM_IP[$i]}"
	append+=" nsw_scenario=$SCEN nsw_boot=${BOOT[$n]}"
	[[ -n "$MTU" ]] && append+=" nsw_mtu=$MTU"
	[[ -n "${VM_IP6[$i]}" ]] && append+=" nsw_ip6=${VM_IP6[$i]}"
	# The debug kernel on QEMU's "max" CPU takes 5-level paging, and on a
	# busy host a device interrupt can then come in before KASAN covers
	# the direct map (a "wild-memory-access" in handle_edge_irq during
	# identify_cpu). With 4 levels it did not, in two runs under the same
	# load.
	[[ "$KNAME" == debug ]] && append+=" no5lvl"
	append+=" ${NETSWAP_APPEND:-}"
	: >"$con"
	if [[ -n "${DISK[$n]:-}" ]]; then
		[[ -f "$TMP/$n.disk" ]] || truncate -s "${DISK[$n]}M" "$TMP/$n.disk"
		drive=(-drive "file=$TMP/$n.disk,if=virtio,format=raw")
	fi
	qemu-system-x86_64 -machine q35 -accel tcg -cpu "$NSW_CPU" -smp 1 -m "${VM_MEM[$i]}" \
		-nodefaults -display none -no-reboot -monitor none \
		-kernel "$NSW_VMLINUZ" -initrd "$INITRD" -append "$append" \
		-netdev "$(netdev_of "$i")" \
		-device "virtio-net-pci,netdev=n0,mac=$mac" "${drive[@]}" \
		-serial "file:$con" \
		</dev/null >>"$RES/$n.qemu.log" 2>&1 &
	PIDS[i]=$!
	# QEMU 7.2's stream client does not retry: connect once it listens.
	if [[ "$LINK" == stream && $i -eq 0 ]]; then
		for _ in $(seq 100); do
			[[ -S "$TMP/link" ]] && break
			sleep 0.1
		done
		[[ -S "$TMP/link" ]] || nsw_die "VM $n did not open the stream link"
	fi
	nsw_log "started VM $n (${VM_MEM[$i]} MiB, ${VM_IP[$i]}, boot ${BOOT[$n]}, pid ${PIDS[$i]})"
	if [[ "${NETSWAP_FOLLOW:-}" == all || " ${NETSWAP_FOLLOW:-} " == *" $n "* ]]; then
		tail --pid=$$ -n +1 -F "$con" 2>/dev/null | sed -u "s/\r$//; s/^/[$n] /" &
		FOLLOW_PIDS+=($!)
	fi
}

T_START=$(date +%s)
declare -A START END STATUS BOOT
for i in "${!VM_NAMES[@]}"; do
	n=${VM_NAMES[$i]}
	: >"$RES/$n.qemu.log"
	BOOT[$n]=1
	start_vm "$i"
	START[$n]=$(date +%s)
done

# Result of VM $1 from the console of its last boot: PASS, FAIL <reason>,
# or "" if none.
vm_result() {
	grep -a -m1 -o 'NETSWAP-RESULT: .*' "$(console_of "$1")" 2>/dev/null |
		sed 's/^NETSWAP-RESULT: //; s/\r$//' || true
}

# What a VM asks of the host on its console (of its current boot).
# "NETSWAP-HOST: pause N" stops its QEMU (SIGSTOP) for N seconds: the
# whole VM freezes, as a paused VM does, and nothing of it answers. Its
# clocks jump by N seconds when it resumes (TCG has no paused-clock notice
# for the guest, as KVM's pvclock has), so the role script raises the
# lockup detectors' limits above N first (guest-lib.sh: host_pause).
# "NETSWAP-HOST: kill" ends its QEMU with SIGKILL: the machine is gone at
# once, as at a power cut, without running its kernel's shutdown
# (guest-lib.sh: host_kill). "NETSWAP-HOST: restart" does the same, then
# boots the VM again (start_vm: boot N+1, its console NAME.bootN+1.console)
# with empty RAM, as a node that crashed and came back (guest-lib.sh:
# host_restart, NSW_BOOT).
declare -A HOST_SEEN=()
host_requests() {
	local i=$1 n=${VM_NAMES[$1]} k=0 secs con
	con=$(console_of "$n")
	if grep -a -q 'NETSWAP-HOST: kill' "$con"; then
		nsw_log "VM $n asked to be killed: SIGKILL"
		kill -KILL "${PIDS[$i]}" 2>/dev/null || true
		return
	fi
	if grep -a -q 'NETSWAP-HOST: restart' "$con"; then
		nsw_log "VM $n asked to be restarted: SIGKILL, then boot $((BOOT[$n] + 1))"
		kill -KILL "${PIDS[$i]}" 2>/dev/null || true
		wait "${PIDS[$i]}" 2>/dev/null || true
		BOOT[$n]=$((BOOT[$n] + 1))
		HOST_SEEN[$n]=0
		unset "RESULT_AT[$n]"
		start_vm "$i"
		return
	fi
	while read -r secs; do
		k=$((k + 1))
		((k > ${HOST_SEEN[$n]:-0})) || continue
		HOST_SEEN[$n]=$k
		nsw_log "VM $n asked to be paused: SIGSTOP for ${secs}s"
		kill -STOP "${PIDS[$i]}" 2>/dev/null || continue
		(
			sleep "$secs"
			kill -CONT "${PIDS[$i]}" 2>/dev/null && nsw_log "VM $n resumed (SIGCONT)"
		) &
	done < <(grep -a -o 'NETSWAP-HOST: pause [0-9]*' "$con" | awk '{ print $3 }')
}

# A VM that printed its result but has not powered off this long after
# is stuck in its kernel's shutdown (Debian's 6.1 can spin in virtio_net's
# TX clean-up once virtio_dev_shutdown() has broken the queues, see
# host_kill in guest-lib.sh): its QEMU is killed, its result stands, and
# the log says so. A kernel problem it printed still fails it.
POWEROFF_S=${NETSWAP_POWEROFF_S:-60}
deadline=$((T_START + TIMEOUT))
GRACE=${NETSWAP_GRACE:-30}
timed_out=0
declare -A RESULT_AT
while :; do
	running=0
	for i in "${!VM_NAMES[@]}"; do
		n=${VM_NAMES[$i]}
		[[ -n "${END[$n]:-}" ]] && continue
		if kill -0 "${PIDS[$i]}" 2>/dev/null; then
			running=$((running + 1))
			host_requests "$i"
			if [[ -z "${RESULT_AT[$n]:-}" && -n "$(vm_result "$n")" ]]; then
				RESULT_AT[$n]=$(date +%s)
			elif [[ -n "${RESULT_AT[$n]:-}" ]] &&
				(($(date +%s) - RESULT_AT[$n] >= POWEROFF_S)); then
				nsw_log "VM $n printed its result ${POWEROFF_S}s ago but has not powered off: killing it (SIGKILL)"
				kill -KILL "${PIDS[$i]}" 2>/dev/null || true
			fi
			continue
		fi
		rc=0
		wait "${PIDS[$i]}" || rc=$?
		END[$n]=$(date +%s)
		r=$(vm_result "$n")
		nsw_log "VM $n exited (qemu status $rc) after $((END[$n] - START[$n]))s: ${r:-no result line}"
		# Once a VM failed, the others would only wait for it: cut short.
		if [[ "$r" != PASS ]] && ((deadline > $(date +%s) + GRACE)); then
			deadline=$(($(date +%s) + GRACE))
		fi
	done
	((running == 0)) && break
	if (($(date +%s) >= deadline)); then
		timed_out=1
		for i in "${!VM_NAMES[@]}"; do
			n=${VM_NAMES[$i]}
			[[ -n "${END[$n]:-}" ]] && continue
			nsw_log "VM $n still running at the deadline: killing it"
			kill "${PIDS[$i]}" 2>/dev/null || true
			kill -CONT "${PIDS[$i]}" 2>/dev/null || true
			STATUS[$n]="FAIL killed at the deadline, no result"
		done
		sleep 1
		for i in "${!VM_NAMES[@]}"; do
			n=${VM_NAMES[$i]}
			[[ -n "${END[$n]:-}" ]] && continue
			kill -9 "${PIDS[$i]}" 2>/dev/null || true
			wait "${PIDS[$i]}" 2>/dev/null || true
			END[$n]=$(date +%s)
		done
		break
	fi
	sleep 1
done
for p in "${FOLLOW_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
FOLLOW_PIDS=()

# ---- judge -------------------------------------------------------------------
overall=PASS
{
	echo "scenario $SCEN on kernel $KNAME ($NSW_KVER): $(($(date +%s) - T_START))s"
	for n in "${VM_NAMES[@]}"; do
		r=$(vm_result "$n")
		if [[ -z "$r" ]]; then
			# killed at the deadline, or died without printing a result
			r=${STATUS[$n]:-FAIL no NETSWAP-RESULT line}
		fi
		# Every boot's console is judged, the result is the last one's.
		cons=()
		for ((b = 1; b <= BOOT[$n]; b++)); do
			cons+=("$(console_of "$n" "$b")")
		done
		bad=$(cat "${cons[@]}" | grep -a -E -m 5 "$KERNEL_BAD" | tr -d '\r' || true)
		if [[ -n "$bad" ]]; then
			[[ "$r" == PASS ]] && r="FAIL kernel problem in console"
		fi
		[[ "$r" == PASS ]] || overall=FAIL
		boots=
		((BOOT[$n] > 1)) && boots=" (${BOOT[$n]} boots)"
		printf '  %-6s %4ss  %s%s\n' "$n" "$((END[$n] - START[$n]))" "$r" "$boots"
		if [[ -n "$bad" ]]; then
			# shellcheck disable=SC2001
			sed 's/^/           kernel: /' <<<"$bad"
		fi
		# Worth knowing, but not a failure by itself.
		note=$(cat "${cons[@]}" | grep -a -E -m 3 "$KERNEL_NOTE" | tr -d '\r' || true)
		if [[ -n "$note" ]]; then
			echo "           (first notable kernel lines of $(cat "${cons[@]}" | grep -a -c -E "$KERNEL_NOTE"))"
			# shellcheck disable=SC2001
			sed 's/^/           note: /' <<<"$note"
		fi
		STATUS[$n]=$r
	done
	echo "  consoles: $RES/"
} >"$RES/summary.txt" # a brace group, not a pipe: variables set above stay
cat "$RES/summary.txt"
((timed_out)) && nsw_log "deadline reached (timeout ${TIMEOUT}s, ${GRACE}s after a failure)"

if [[ $overall != PASS ]]; then
	for n in "${VM_NAMES[@]}"; do
		[[ "${STATUS[$n]}" == PASS ]] && continue
		echo "---- last 40 lines of $(basename "$(console_of "$n")") ----"
		tail -n 40 "$(console_of "$n")" | tr -d '\r'
		if [[ -s "$RES/$n.qemu.log" ]]; then
			echo "---- $n.qemu.log ----"
			tail -n 10 "$RES/$n.qemu.log"
		fi
	done
	echo "SCENARIO $KNAME/$SCEN: FAIL"
	exit 1
fi
echo "SCENARIO $KNAME/$SCEN: PASS"
exit 0
exit
}
