#!/bin/sh
# demo, VMs b and c: lend 384 MiB of RAM to a. (c.sh is the same script.)
. /lib/netswap/guest-lib.sh
. /scenario/live.sh

A=$(vm_ip a)
run modprobe netswap lend_mb=384
wait_for_ping "$A" 60
msg_send "$A" "ready $NSW_ROLE lends 384 MiB"
# A live line every LIVE_S s until a is done.
(
	live_store a
	while sleep "$LIVE_S"; do
		live_store a
	done
) &
lv=$!
msg_expect "done" 1200
kill $lv
"$CTL" -j show >/tmp/end.json || fail "netswapctl -j show failed"
dump
read -r _ held rx_st rx_ld <<EOF
$(peer_figures /tmp/end.json "$K_HELD" "$K_RX_STORED" "$K_RX_LOADED" | awk '$1 == "a"')
EOF
echo "DEMO: $NSW_ROLE took in $rx_st pages of a's, gave back $rx_ld, held $(mib "$held") MiB at the end"
