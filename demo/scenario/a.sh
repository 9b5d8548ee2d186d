#!/bin/sh
# demo, VM a: swaps to /dev/netswap0, whose pages live on b and c.
. /lib/netswap/guest-lib.sh
. /scenario/live.sh

B=$(vm_ip b)
C=$(vm_ip c)
SIZE_MB=${NSW_DEMO_MB:-512}
PASSES=${NSW_DEMO_PASSES:-1}

for _ in 1 2; do
	m=$(msg_expect ready 300) || exit 1
	log "store $m"
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

# The workload runs in the background; a live line every LIVE_S s, the
# whole picture in the console log every DUMP_EVERY lines.
t0=$(uptime_s)
memtouch "$SIZE_MB" "$PASSES" 7 >/tmp/memtouch.out 2>&1 &
mt=$!
live_client "starting"
i=0
while kill -0 $mt 2>/dev/null; do
	sleep "$LIVE_S"
	i=$((i + 1))
	live_client "$(($(uptime_s) - t0))s $(tail -n 1 /tmp/memtouch.out 2>/dev/null | sed 's/^memtouch: //; s/ ([0-9]* s)$//; /^pass /!s/^\([A-Z]*\).*/\1/')"
	if [ $((i % DUMP_EVERY)) -eq 0 ]; then
		dump
		echo "dump: $(mem_summary)"
	fi
done
wait $mt
mtrc=$?
t1=$(uptime_s)
sed 's/^/memtouch.out: /' /tmp/memtouch.out
"$CTL" -j show >/tmp/end.json || fail "netswapctl -j show failed"
dump

# The summary: demo/run.sh prints every line starting with "DEMO:".
echo "DEMO: workload: memtouch $SIZE_MB MiB x $PASSES passes in $((t1 - t0)) s, in a VM with $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB RAM"
if [ $mtrc -eq 0 ]; then
	echo "DEMO: data verified: OK ($(grep -o '[0-9]* mismatching words' /tmp/memtouch.out))"
else
	echo "DEMO: data verified: FAILED ($(tail -n 1 /tmp/memtouch.out))"
fi
echo "DEMO: swapped: $(awk '$1 == "pswpout" { o = $2 } $1 == "pswpin" { i = $2 } END { print o " pages out, " i " in" }' /proc/vmstat)"
echo "DEMO:"
printf 'DEMO: %-5s %10s %10s %9s %14s %7s\n' peer stored loaded "MiB now" retransmitted failed
peer_figures /tmp/end.json "$K_STORED" "$K_LOADED" "$K_PLACED" "$K_RETRANSMITTED" "$K_FAILED" |
	while read -r n st ld pl rt fl; do
		printf 'DEMO: %-5s %10s %10s %9s %14s %7s\n' "$n" "$st" "$ld" "$(mib "$pl")" "$rt" "$fl"
	done

run swapoff /dev/netswap0
run blkdiscard /dev/netswap0
msg_send "$B" "done"
msg_send "$C" "done"
[ $mtrc -eq 0 ] || fail "memtouch failed"
