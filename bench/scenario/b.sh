#!/bin/sh
# bench, VM b: the far side of every reference. Lends RAM to netswap,
# echoes udpping, serves iperf3, and exports a file in its RAM over NBD.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)
NBD_MB=${NSW_BENCH_NBD_MB:-256}

run modprobe netswap lend_mb=384
udpping server 9100 &
UDPPING=$!
iperf3 -s -p 5201 >/tmp/iperf3.log 2>&1 &
IPERF=$!

# The NBD export: a file in RAM (the initramfs is RAM), written in full
# first so that the server's writes find their pages allocated, as
# netswap's store finds its pool.
mkdir -p /tmp/nbd /var/run
run dd if=/dev/zero of=/tmp/nbd/swap.img bs=1M count="$NBD_MB"
cat >/tmp/nbd/config <<CONF
[generic]
[swap]
	exportname = /tmp/nbd/swap.img
CONF
run nbd-server -C /tmp/nbd/config

wait_for_ping "$A" 60
msg_send "$A" "ready"
m=$(msg_recv 2300) || exit 1
[ "$m" = "done" ] || fail "unexpected message from a: '$m'"

nsw_show
log "store: used_pages $(nsw_field store used_pages)"
kill "$UDPPING" "$IPERF" 2>/dev/null
killall nbd-server 2>/dev/null
run rmmod netswap
log "bench b: done"
