#!/bin/bash
# tests/vm/selftest.sh KNAME - proves that the test bed can fail.
#
# Runs the scenario tests/vm/selftest, which must be judged FAIL with:
#   a: FAIL because of the WARNING: it put in its kernel log (its script
#      itself succeeds, and checks on the way that msg_send to no one
#      gives up on time),
#   b: FAIL with the reason its script gave (memtouch caught corruption),
#   c: FAIL killed (it never ends; cut short after the others failed).
# Then tests/vm/selftest-hang, whose one VM prints PASS and never powers
# off: it must be killed within NETSWAP_POWEROFF_S and still pass.
# Then tests/vm/selftest-restart, whose VMs ask the host to restart them
# (host_restart), which must be judged FAIL with:
#   a: FAIL because of the WARNING its first boot put in its kernel log
#      (its second boot, NSW_BOOT=2, reached b at the same address),
#   b: PASS, its second boot's result, not the FAIL its first printed;
#      on the way it asks for a pause on the HPET clocksource, which
#      host_pause must see although the guest's clocks do not jump.
# Exit 0 when all of that was detected, 1 otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
KNAME=${1:-6.1}
WORK=${NETSWAP_WORK:-/tmp/netswap-vm}
out=$(NETSWAP_GRACE=5 ./run-scenario.sh "$KNAME" "$(pwd)/selftest" 2>&1) && rc=0 || rc=$?
echo "$out" | grep -E '^  [a-z]|^ +kernel:|^SCENARIO'
sum="$WORK/results/$KNAME-selftest/summary.txt"
ok=1
check() {
	if grep -qE "$1" "$sum"; then
		echo "selftest ok: $2"
	else
		echo "selftest FAILED: $2 not detected"
		ok=0
	fi
}
[[ $rc -eq 1 ]] || { echo "selftest FAILED: run-scenario exited $rc, not 1"; ok=0; }
check '^  a +[0-9]+s  FAIL kernel problem' "a's kernel WARNING fails a VM whose script passed"
check 'kernel: .*WARNING: CPU: 0 PID: 1 at selftest' "the WARNING line is shown"
check '^  b +[0-9]+s  FAIL memtouch caught the injected corruption' "b's role failure and reason"
check '^  c +[0-9]+s  FAIL killed' "c killed after the others failed"

t0=$(date +%s)
out=$(NETSWAP_POWEROFF_S=5 ./run-scenario.sh "$KNAME" "$(pwd)/selftest-hang" 2>&1) &&
	rc=0 || rc=$?
t1=$(date +%s)
echo "$out" | grep -E '^  [a-z]|^SCENARIO|not powered off'
if [[ $rc -eq 0 ]] && grep -q 'has not powered off: killing it' <<<"$out" &&
	((t1 - t0 < 100)); then
	echo "selftest ok: a VM stuck after its PASS killed in $((t1 - t0)) s, its PASS kept"
else
	echo "selftest FAILED: a VM stuck after its PASS: rc $rc after $((t1 - t0)) s"
	ok=0
fi

out=$(NETSWAP_GRACE=5 ./run-scenario.sh "$KNAME" "$(pwd)/selftest-restart" 2>&1) &&
	rc=0 || rc=$?
echo "$out" | grep -E '^  [a-z]|^ +kernel:|^SCENARIO|asked to be restarted'
sum="$WORK/results/$KNAME-selftest-restart/summary.txt"
[[ $rc -eq 1 ]] || { echo "selftest FAILED: restart: run-scenario exited $rc, not 1"; ok=0; }
check '^  a +[0-9]+s  FAIL kernel problem in console \(2 boots\)' \
	"a restarted, the WARNING of its first boot fails it"
check 'kernel: .*WARNING: CPU: 0 PID: 1 at selftest.c:2 injected in boot 1' \
	"the first boot's WARNING line is shown"
check '^  b +[0-9]+s  PASS \(2 boots\)' "b's result is its second boot's PASS"
for f in a.console a.boot2.console b.console b.boot2.console; do
	if [[ -s "$WORK/results/$KNAME-selftest-restart/$f" ]]; then
		echo "selftest ok: $f kept"
	else
		echo "selftest FAILED: no $f"
		ok=0
	fi
done
[[ $ok == 1 ]]
