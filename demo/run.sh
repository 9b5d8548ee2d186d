#!/bin/bash
# demo/run.sh - netswap demo in three QEMU VMs (software emulation).
#
#   VM a: 256 MiB RAM, swaps to /dev/netswap0 (1 GiB) whose pages are kept
#         in the RAM of b and c; runs memtouch over DEMO_MB (512) MiB, i.e.
#         2x its RAM, DEMO_PASSES (1) times, verifying every byte.
#   VM b, c: 1 GiB RAM each, lend 640 MiB to a (netswap lend_mb=640).
#   Each page of a's is kept on two of them (netswap replicas=2): all of
#   memtouch's pages end up swapped out, 1 GiB of copies.
#
# With DEMO_KILL=1 a fourth VM, d, lends as b and c do, and the host kills
# it (SIGKILL, as a power cut) once a has written its data: a reads every
# page back from the copies left, and copies the pages d held onto b and
# c again, so each has two copies again; the summary says how long that
# took and that every byte came back.
#
# Shows one live line per VM, every few seconds: a's progress, pages it
# swaps out and in per second, MiB it has on each peer, retransmissions;
# b's and c's MiB held for a and pages in and out per second. Then a
# summary: time, data verification, pages stored / loaded per peer. The
# full counter dumps are in the console logs.
#
# Usage: demo/run.sh            (kernel 6.1)
#        DEMO_KERNEL=6.12 DEMO_MB=768 DEMO_PASSES=2 demo/run.sh
#        DEMO_KILL=1 demo/run.sh   (a store VM killed mid-run)
# Needs root; installs what it needs with apt-get (Debian 12).

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The whole script is one brace group: bash parses it completely before
# running it, so editing this file while a run is in progress is harmless.
{
KERNEL=${DEMO_KERNEL:-6.1}
WORK=${NETSWAP_WORK:-/tmp/netswap-vm}
KILL=${DEMO_KILL:-0}
SCEN=demo/scenario
RES="$WORK/results/$KERNEL-demo"
STORES="b and c" NVM=3
if [[ $KILL == 1 ]]; then
	# The same roles and one store more, d: with replicas=2 a killed
	# store's pages can only get their second copy back with two left.
	SCEN="$WORK/demo-kill/scenario"
	RES="$WORK/results/$KERNEL-demo-kill"
	rm -rf "$SCEN"
	mkdir -p "$SCEN"
	cp -r demo/scenario/. "$SCEN/"
	cp demo/scenario/b.sh "$SCEN/d.sh"
	sed -i '1s/.*/# netswap demo, DEMO_KILL=1: a swaps to b, c and d; d is killed mid-run./' \
		"$SCEN/vms"
	printf 'd       1024    169.254.0.4\n' >>"$SCEN/vms"
	STORES="b, c and d" NVM=4
elif [[ $KILL != 0 ]]; then
	echo "DEMO_KILL is 0 or 1, not '$KILL'" >&2
	exit 2
fi

cat <<BANNER
==== netswap demo on Debian kernel $KERNEL
     a (256 MiB) swaps over UDP into the RAM of $STORES (640 MiB lent each),
     each page to two of them.$([[ $KILL == 1 ]] && printf '\n     %s' \
	"Once a has written its data, the host kills d (SIGKILL).")
     Building the module and the VM image, then booting $NVM VMs under QEMU TCG.
     Lines prefixed [a] are VM a's console (kernel messages left out),
     the last lines each VM's state, refreshed every few seconds.
BANNER

# live_view TTY COLUMNS: the consoles of run-scenario.sh as they come in.
# A VM's "LIVE ..." line replaces its previous one: on a terminal the
# three stay at the bottom, redrawn in place; elsewhere each is printed.
# Of a's other lines the kernel's "[   12.345678] ..." ones are left
# out unless they are about netswap or a problem, as are the dumps;
# of b's and c's only failures and kernel problems are shown.
live_view() {
	awk -v tty="$1" -v cols="$2" '
	function undraw() {
		if (shown)
			printf "\033[%dA\033[J", shown
		shown = 0
	}
	function draw(   i) {
		for (i = 1; i <= nvm; i++) {
			printf "%s\n", substr(live[vm[i]], 1, cols - 1)
			shown++
		}
		fflush()
	}
	function show(line) {
		if (tty)
			undraw()
		print line
		if (tty)
			draw()
		fflush()
	}
	match($0, /^\[[a-z]+\] LIVE /) {
		n = substr($0, 2, index($0, "]") - 2)
		if (!(n in live)) {
			# Keep the VMs in name order.
			for (i = ++nvm; i > 1 && vm[i - 1] > n; i--)
				vm[i] = vm[i - 1]
			vm[i] = n
		}
		live[n] = sprintf("%-2s %s", n, substr($0, RLENGTH + 1))
		if (tty) {
			undraw()
			draw()
		} else {
			print live[n]
			fflush()
		}
		next
	}
	/^\[a\] (dump|memtouch\.out|rerep|DEMO):/ { next }
	/^\[a\] \[ *[0-9]+\.[0-9]+\] / && !/netswap|BUG:|WARNING:|Oops|Kernel panic/ { next }
	/^\[[b-z]\] / && !/FAIL|BUG:|WARNING:|Oops|Kernel panic/ { next }
	{ show($0) }'
}

tty=0 cols=200
if [[ -t 1 ]]; then
	tty=1 cols=$(tput cols 2>/dev/null || echo 80)
fi
t0=$(date +%s)
set +e
NETSWAP_APPEND="nsw_demo_mb=${DEMO_MB:-512} nsw_demo_passes=${DEMO_PASSES:-1} nsw_demo_kill=$KILL ${NETSWAP_APPEND:-}" \
NETSWAP_FOLLOW=all tests/vm/run-scenario.sh "$KERNEL" "$SCEN" 2>&1 | live_view $tty "$cols"
rc=${PIPESTATUS[0]}
set -e
t1=$(date +%s)

echo
echo "==== demo summary (kernel $KERNEL, $((t1 - t0)) s wall clock in total)"
if ls "$RES"/*.console >/dev/null 2>&1; then
	for n in a b c d; do
		[[ -f "$RES/$n.console" ]] || continue
		grep -a -h '^DEMO:' "$RES/$n.console" | tr -d '\r' | sed "s/^DEMO: \{0,1\}/  /" || true
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
