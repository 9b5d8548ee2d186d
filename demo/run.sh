#!/bin/bash
# demo/run.sh - netswap demo in three QEMU VMs (software emulation).
#
#   VM a: 256 MiB RAM, swaps to /dev/netswap0 (1 GiB) whose pages are kept
#         in the RAM of b and c; runs memtouch over DEMO_MB (512) MiB, i.e.
#         2x its RAM, DEMO_PASSES (1) times, verifying every byte.
#   VM b, c: 512 MiB RAM each, lend 384 MiB to a (netswap lend_mb=384).
#
# Shows a's console live (memtouch progress, "netswapctl show" every 15 s),
# then a summary: pages stored / loaded per peer, time, data verification.
#
# Usage: demo/run.sh            (kernel 6.1)
#        DEMO_KERNEL=6.12 DEMO_MB=768 DEMO_PASSES=2 demo/run.sh
# Needs root; installs what it needs with apt-get (Debian 12).

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The whole script is one brace group: bash parses it completely before
# running it, so editing this file while a run is in progress is harmless.
{
KERNEL=${DEMO_KERNEL:-6.1}
WORK=${NETSWAP_WORK:-/tmp/netswap-vm}
RES="$WORK/results/$KERNEL-demo"

cat <<BANNER
==== netswap demo on Debian kernel $KERNEL
     a (256 MiB) swaps over UDP into the RAM of b and c (384 MiB lent each).
     Building the module and the VM image, then booting 3 VMs under QEMU TCG.
     Lines prefixed [a] are VM a's console (kernel messages left out).
BANNER

t0=$(date +%s)
# Stream a's console, without the kernel's own "[   12.345678] ..." lines
# unless they are about netswap or a kernel problem.
set +e
NETSWAP_APPEND="nsw_demo_mb=${DEMO_MB:-512} nsw_demo_passes=${DEMO_PASSES:-1}" \
NETSWAP_FOLLOW=a tests/vm/run-scenario.sh "$KERNEL" demo/scenario 2>&1 |
	awk '!/^\[a\] \[ *[0-9]+\.[0-9]+\] / || /netswap|BUG:|WARNING:|Oops|Kernel panic/ { print; fflush() }'
rc=${PIPESTATUS[0]}
set -e
t1=$(date +%s)

echo
echo "==== demo summary (kernel $KERNEL, $((t1 - t0)) s wall clock in total)"
if ls "$RES"/*.console >/dev/null 2>&1; then
	for n in a b c; do
		[[ -f "$RES/$n.console" ]] || continue
		grep -a -h '^DEMO: ' "$RES/$n.console" | tr -d '\r' | sed "s/^DEMO: /  $n: /" || true
	done
fi
if [[ $rc -eq 0 ]]; then
	echo "==== demo PASSED (consoles in $RES/)"
else
	echo "==== demo FAILED (consoles in $RES/)"
fi
exit "$rc"
exit
}
