#!/bin/sh
# demo, VMs b and c: lend 384 MiB of RAM to a. (c.sh is the same script.)
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)
run modprobe netswap lend_mb=384
wait_for_ping "$A" 60
msg_send "$A" "$NSW_ROLE ready, lending 384 MiB"
msg_recv 1200 >/dev/null || exit 1
nsw_show
echo "DEMO: $NSW_ROLE held for a at the end: $(nsw_peer_field "$A" held /tmp/show.txt) pages," \
	"received $(nsw_peer_field "$A" rx_stores /tmp/show.txt) stores," \
	"served $(nsw_peer_field "$A" rx_loads /tmp/show.txt) loads"
