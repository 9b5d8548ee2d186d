#!/bin/sh
# demo, VM a: swaps to /dev/netswap0, whose pages live on b and c.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
C=$(vm_ip c)
SIZE_MB=${NSW_DEMO_MB:-512}
PASSES=${NSW_DEMO_PASSES:-1}

for _ in 1 2; do
	m=$(msg_recv 300) || exit 1
	log "store node says: $m"
done

# Swapping over the network needs headroom below the min watermark for
# the NIC's receive buffers (Documentation/netswap/admin-guide.rst).
run sysctl -w vm.min_free_kbytes=16384
run modprobe netswap size_mb=1024
run "$CTL" add-peer "$B"
run "$CTL" add-peer "$C"
run mkswap /dev/netswap0
run swapon /dev/netswap0
log "$(mem_summary)"

# The workload runs in the background; every 15 s show what is where.
t0=$(uptime_s)
memtouch "$SIZE_MB" "$PASSES" 7 >/tmp/memtouch.out 2>&1 &
mt=$!
tail -f /tmp/memtouch.out &
tailpid=$!
while kill -0 $mt 2>/dev/null; do
	sleep 15
	kill -0 $mt 2>/dev/null || break
	echo "---- netswapctl show at $(($(uptime_s) - t0)) s ----"
	"$CTL" show
	log "$(mem_summary)"
done
wait $mt
mtrc=$?
t1=$(uptime_s)
sleep 1
kill $tailpid 2>/dev/null
nsw_show >/dev/null

# Summary lines: demo/run.sh prints every line starting with "DEMO:".
echo "DEMO: workload: memtouch $SIZE_MB MiB x $PASSES passes in a VM with $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB RAM"
echo "DEMO: time: $((t1 - t0)) s"
for p in "$B" "$C"; do
	echo "DEMO: peer $p: stored $(nsw_peer_field "$p" stores /tmp/show.txt) pages," \
		"loaded $(nsw_peer_field "$p" loads /tmp/show.txt) pages," \
		"holds $(nsw_peer_field "$p" placed /tmp/show.txt) now," \
		"retransmits $(nsw_peer_field "$p" retransmits /tmp/show.txt)," \
		"errors $(nsw_peer_field "$p" errors /tmp/show.txt)"
done
if [ $mtrc -eq 0 ]; then
	echo "DEMO: data verified: OK ($(grep -o '[0-9]* mismatching words' /tmp/memtouch.out))"
else
	echo "DEMO: data verified: FAILED ($(tail -n 1 /tmp/memtouch.out))"
fi

run swapoff /dev/netswap0
run blkdiscard /dev/netswap0
msg_send "$B" "done"
msg_send "$C" "done"
[ $mtrc -eq 0 ] || fail "memtouch failed"
