#!/bin/bash
# tests/run-all.sh - the whole netswap test suite.
#
# Run as root on Debian 12 (a fresh machine is fine: missing packages are
# installed with apt-get). Tests, each counted once:
#   build-tools        make tools  (the host kernel is not a Debian one, so
#                      the module is only built inside the VM tests, for
#                      the Debian kernels they boot)
#   unit               make unit: the pure protocol code in userspace
#   fuzz               make fuzz FUZZ_SECONDS=60: libFuzzer on the datagram
#                      parser, from the committed corpus
#   check-static       make check-static: W=1, sparse, checkpatch --strict,
#                      kernel-doc (tests/kerneldoc.sh)
#   dkms               tests/dkms.sh: dkms.conf builds netswap.ko for each
#                      kernel's installed headers
#   completion         tests/completion.sh: netswapctl's bash completion
#   vm/6.1/testbed-selftest  tests/vm/selftest.sh: the VM test bed must
#                      detect a kernel WARNING, a failing role, a hung VM
#   bench/KNAME        bench/run.sh --quick KNAME: the benchmark at small
#                      sizes; passes when every figure was measured and
#                      all data read back was right (its report is in
#                      the logs, bench-KNAME/REPORT.md)
#   vm/KNAME/SCENARIO  tests/vm/run-scenario.sh KNAME SCENARIO for KNAME in
#                      $NETSWAP_KERNELS (default "6.1 6.12") and every
#                      directory of tests/scenarios/ that has a "vms" file;
#                      for KNAME in $NETSWAP_EXTRA_KERNELS (default "6.12-rt
#                      6.1-cloud") only those of $NETSWAP_EXTRA_SCENARIOS
#                      (default "smoke peerloss torture e2e")
#   build-debug-kernel tests/vm/kernel.sh debug: 6.12 with KASAN, lockdep
#                      and the sleep-in-atomic checks (cached once built)
#   vm/debug/SCENARIO  the scenarios of $NETSWAP_DEBUG_SCENARIOS (default
#                      below; empty: none) on that kernel
# The last line printed is "N passed, N failed"; the exit status is
# non-zero when any test failed.
#
# Environment: NETSWAP_KERNELS, NETSWAP_SCENARIOS (default: all),
# NETSWAP_EXTRA_KERNELS, NETSWAP_EXTRA_SCENARIOS, NETSWAP_DEBUG_SCENARIOS,
# NETSWAP_CHAINS (which kernels run one after the other in a chain, see
# below), NETSWAP_PARALLEL (1: the chains run side by side; 0: one after
# the other), and the knobs of tests/vm/common.sh (NETSWAP_WORK,
# NETSWAP_CACHE).

set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ROOT=$(pwd)
# shellcheck source=tests/vm/common.sh
source "$ROOT/tests/vm/common.sh"

# The whole script is one brace group: bash parses it completely before
# running it, so editing this file while a run is in progress is harmless.
{
KERNELS=${NETSWAP_KERNELS:-6.1 6.12}
# Kernels users run whose differences matter to the data path but not to
# the control path: PREEMPT_RT (spinlocks sleep, softirqs in threads) and
# the cloud kernel (virtio as modules). They run the scenarios that move
# pages under load, loss and peer failure; a kernel also in KERNELS runs
# them all.
EXTRA_KERNELS=
for k in ${NETSWAP_EXTRA_KERNELS-6.12-rt 6.1-cloud}; do
	[[ " $KERNELS " == *" $k "* ]] || EXTRA_KERNELS+=" $k"
done
EXTRA_SCENARIOS=${NETSWAP_EXTRA_SCENARIOS:-smoke peerloss torture e2e}
# Teardown and every control path, and a store's restart: a session lost
# and begun again. torture's page-in floors are set for Debian's speed:
# NETSWAP_DEBUG_SCENARIOS="control restart torture" adds it.
NSW_DEBUG_SCENARIOS="control restart"
LOGS="$NETSWAP_WORK/logs"
mkdir -p "$LOGS"
SUITE_T0=$(date +%s)

# One line per finished test: "PASS|FAIL NAME SECONDS LOG". Appended to by
# the kernel chains running in parallel (short single-line appends).
RESULTS_FILE="$LOGS/results.$$"
: >"$RESULTS_FILE"
trap 'rm -f "$RESULTS_FILE"' EXIT

# record NAME RC SECONDS [LOG]
record() {
	local name=$1 rc=$2 secs=$3 log=${4:--} word=PASS
	[[ $rc -eq 0 ]] || word=FAIL
	echo "$word $name $secs $log" >>"$RESULTS_FILE"
	printf '%s  %-24s %5ss\n' "$word" "$name" "$secs"
}

# run_test NAME CMD...: run CMD with its output in $LOGS/NAME.log, show the
# end of the log when it fails.
run_test() {
	local name=$1 log t0 rc
	shift
	log="$LOGS/${name//\//_}.log"
	echo "==== $name: start"
	t0=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	if [[ $rc -ne 0 ]]; then
		echo "---- $name failed (rc $rc), last lines of $log ----"
		tail -n 60 "$log"
		echo "---- end of $name"
	elif [[ $name == vm/* ]]; then
		# Scenario logs end with a short summary worth showing.
		grep -E '^  [a-z]|^scenario ' "$log" | sed "s|^|$name: |" || true
	fi
	record "$name" "$rc" "$(($(date +%s) - t0))" "$log"
}

# ---- packages --------------------------------------------------------------
echo "==== installing packages (if missing)"
# perl runs the headers' scripts/kernel-doc (make check-static).
pkgs=("${NSW_HOST_PKGS[@]}" "${NSW_FUZZ_PKGS[@]}" dkms bash-completion perl)
for k in $KERNELS $EXTRA_KERNELS; do
	read -r _img hdr < <(nsw_kernel_meta "$k")
	pkgs+=("$hdr")
done
if ! (nsw_ensure_pkgs "${pkgs[@]}"); then
	echo "package installation failed"
	record packages 1 0 "-"
fi

# ---- host builds and unit tests ----------------------------------------------
run_test build-tools make -C "$ROOT" tools

run_test unit make -C "$ROOT" unit

# One minute of libFuzzer on nsw_hdr_decode() (tests/fuzz).
run_test fuzz make -C "$ROOT" fuzz FUZZ_SECONDS=60

# W=1 and sparse against both kernels' headers, checkpatch --strict.
run_test check-static make -C "$ROOT" check-static

# dkms add + build from dkms.conf, for both kernels' headers.
run_test dkms "$ROOT/tests/dkms.sh"
run_test completion "$ROOT/tests/completion.sh"

# ---- VM scenarios -------------------------------------------------------------
scenarios=()
for d in "$ROOT"/tests/scenarios/*/; do
	[[ -f "$d/vms" ]] || continue
	s=$(basename "$d")
	if [[ -n "${NETSWAP_SCENARIOS:-}" && " $NETSWAP_SCENARIOS " != *" $s "* ]]; then
		continue
	fi
	scenarios+=("$s")
done
# Cheap test-bed sanity check first, the long proof scenario (e2e) last.
ordered=()
[[ " ${scenarios[*]} " == *" smoke "* ]] && ordered+=(smoke)
for s in "${scenarios[@]}"; do
	[[ "$s" == smoke || "$s" == e2e ]] || ordered+=("$s")
done
[[ " ${scenarios[*]} " == *" e2e "* ]] && ordered+=(e2e)

# Each kernel's scenarios run one after the other, in a chain with the
# kernels named after it in CHAINS; the chains run in parallel
# (NETSWAP_PARALLEL=0: one after the other). A scenario's VMs are
# single-CPU TCG guests that spend much of their time waiting on each other,
# so the scenarios of three chains share the 2 cores well.
# The scenarios of kernel $1, in order.
kernel_scenarios() {
	local k=$1 s
	if [[ $k == debug ]]; then
		echo "${debug_scenarios[*]}"
	elif [[ " $KERNELS " == *" $k "* ]]; then
		echo "${ordered[*]}"
	else
		for s in "${ordered[@]}"; do
			if [[ " $EXTRA_SCENARIOS " == *" $s "* ]]; then
				printf '%s ' "$s"
			fi
		done
	fi
}
run_kernel() {
	local k=$1 s
	# The test bed's own self-test (it must detect failures), once.
	if [[ $k == "${KERNELS%% *}" && -z "${NETSWAP_SCENARIOS:-}" ]]; then
		run_test "vm/$k/testbed-selftest" "$ROOT/tests/vm/selftest.sh" "$k"
	fi
	for s in $(kernel_scenarios "$k"); do
		# The quick benchmark, before the long e2e: every figure of the
		# report measured, every byte read back checked.
		if [[ $s == e2e && -z "${NETSWAP_SCENARIOS:-}" &&
			" $KERNELS " == *" $k "* ]]; then
			run_test "bench/$k" "$ROOT/bench/run.sh" --quick \
				--out "$LOGS/bench-$k" "$k"
		fi
		run_test "vm/$k/$s" "$ROOT/tests/vm/run-scenario.sh" "$k" "$s"
	done
}
# Debian's kernels have neither KASAN nor lockdep nor the checks for
# sleeping where swap's hooks must not: some scenarios run once more on a
# 6.12 built with them (tests/vm/kernel.sh debug, cached once built).
run_debug() {
	local s
	run_test build-debug-kernel "$ROOT/tests/vm/kernel.sh" debug
	if ! grep -q '^PASS build-debug-kernel ' "$RESULTS_FILE"; then
		echo "==== no debug kernel: its scenarios are not run"
		return
	fi
	for s in "${debug_scenarios[@]}"; do
		run_test "vm/debug/$s" "$ROOT/tests/vm/run-scenario.sh" debug "$s"
	done
}
debug_scenarios=()
for s in ${NETSWAP_DEBUG_SCENARIOS-$NSW_DEBUG_SCENARIOS}; do
	[[ " ${ordered[*]} " == *" $s "* ]] && debug_scenarios+=("$s")
done
# Kernels joined by "+" form a chain; a kernel to run that no chain names
# gets its own. A fourth chain would only slow the other three, so the
# extra kernels follow the shortest chain, the debug one: 6.1 and 6.12
# run every scenario, the 4-VM ones too (timings in bench/NOTES.md).
CHAINS=${NETSWAP_CHAINS:-6.1 6.12 debug+6.1-cloud+6.12-rt}
wanted=" $KERNELS $EXTRA_KERNELS "
[[ ${#debug_scenarios[@]} -gt 0 ]] && wanted+="debug "
for k in $wanted; do
	[[ "+${CHAINS// /+ +}+" == *"+$k+"* ]] || CHAINS+=" $k"
done
run_chain() {
	local k
	for k in ${1//+/ }; do
		[[ "$wanted" == *" $k "* ]] || continue
		if [[ $k == debug ]]; then
			run_debug
		elif [[ -n "$(kernel_scenarios "$k")" ]]; then
			run_kernel "$k"
		fi
	done
}
# start_chain CMD...: in the background beside the others, or in turn.
chain_pids=()
start_chain() {
	if [[ "${NETSWAP_PARALLEL:-1}" == 1 ]]; then
		"$@" &
		chain_pids+=($!)
	else
		"$@"
	fi
}
if [[ ${#ordered[@]} -gt 0 ]]; then
	for c in $CHAINS; do
		start_chain run_chain "$c"
	done
	for p in "${chain_pids[@]}"; do
		wait "$p"
	done
fi

# ---- summary -----------------------------------------------------------------
PASSED=$(grep -c '^PASS ' "$RESULTS_FILE")
FAILED=$(grep -c '^FAIL ' "$RESULTS_FILE")
echo
echo "==== summary ($(($(date +%s) - SUITE_T0)) s)"
while read -r word name secs log; do
	if [[ $word == PASS ]]; then
		printf 'PASS  %-24s %5ss\n' "$name" "$secs"
	else
		printf 'FAIL  %-24s %5ss  (log: %s)\n' "$name" "$secs" "$log"
	fi
done <"$RESULTS_FILE"
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 && $PASSED -gt 0 ]]
exit
}
