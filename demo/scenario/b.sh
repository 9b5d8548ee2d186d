#!/bin/sh
# demo, VMs b and c: lend 640 MiB of RAM to a (c.sh runs this script,
# and d.sh, which demo/run.sh adds for DEMO_KILL=1, is a copy of it.)
. /lib/netswap/guest-lib.sh
. /scenario/live.sh

A=$(vm_ip a)
run modprobe netswap lend_mb=640
wait_for_ping "$A" 60
msg_send "$A" "ready $NSW_ROLE lends 640 MiB"
# A live line every LIVE_S s until a is done.
(
	live_store a
	while sleep "$LIVE_S"; do
		live_store a
	done
) &
lv=$!
m=$(msg_recv 1200) || exit 1
kill $lv
if [ "$m" = die ]; then
	# DEMO_KILL=1: gone at once, as at a power cut; a's copies elsewhere
	# must carry it on.
	echo "LIVE killed by the host (SIGKILL), held $(mib "$(nsw_get store.lent_pages)") MiB of a's"
	echo "DEMO: $NSW_ROLE was killed by the host (SIGKILL) holding $(mib "$(nsw_get store.lent_pages)") MiB of a's"
	echo "NETSWAP-RESULT: PASS"
	# Let the acknowledgement of "die" leave first.
	sleep 2
	host_kill
fi
[ "$m" = "done" ] || fail "unexpected message '$m'"
"$CTL" -j show >/tmp/end.json || fail "netswapctl -j show failed"
dump
read -r _ held rx_st rx_ld <<EOF
$(peer_figures /tmp/end.json "$K_HELD" "$K_RX_STORED" "$K_RX_LOADED" | awk '$1 == "a"')
EOF
echo "DEMO: $NSW_ROLE took in $rx_st pages of a's, gave back $rx_ld, held $(mib "$held") MiB at the end"
