#!/bin/sh
# demo, VM a: swaps to /dev/netswap0, whose pages live on the other VMs
# (b and c; and d with DEMO_KILL=1, when the last of them is killed).
. /lib/netswap/guest-lib.sh
. /scenario/live.sh

SIZE_MB=${NSW_DEMO_MB:-512}
PASSES=${NSW_DEMO_PASSES:-1}
KILL=${NSW_DEMO_KILL:-0}
# Every other VM of /scenario/vms is a store.
STORES=$(awk -v me="$NSW_ROLE" '$3 ~ /^169\.254\./ && $1 != me { print $1 }' /scenario/vms)
VICTIM=
[ "$KILL" = 1 ] && VICTIM=$(echo "$STORES" | tail -n 1)

for _ in $STORES; do
	m=$(msg_expect ready 300) || exit 1
	log "store $m"
done

# Swapping over the network needs headroom below the min watermark for
# the NIC's receive buffers (Documentation/netswap/admin-guide.rst).
run sysctl -w vm.min_free_kbytes=16384
run modprobe netswap size_mb=1024
for n in $STORES; do
	run "$CTL" add-peer "$(vm_ip "$n")"
done
run mkswap /dev/netswap0
run swapon /dev/netswap0
log "$(mem_summary)"

# The workload runs in the background; a live line every LIVE_S s, the
# whole picture in the console log every DUMP_EVERY lines.
t0=$(uptime_s)
memtouch "$SIZE_MB" "$PASSES" 7 >/tmp/memtouch.out 2>&1 &
mt=$!
if [ -n "$VICTIM" ]; then
	rerep_sampler "$(vm_ip "$VICTIM")" >/tmp/rerep.log &
	smp=$!
fi
live_client "starting"
i=0 tk=
while kill -0 $mt 2>/dev/null; do
	sleep "$LIVE_S"
	i=$((i + 1))
	live_client "$(($(uptime_s) - t0))s $(tail -n 1 /tmp/memtouch.out 2>/dev/null | sed 's/^memtouch: //; s/ ([0-9]* s)$//; /^pass /!s/^\([A-Z]*\).*/\1/')"
	if [ $((i % DUMP_EVERY)) -eq 0 ]; then
		dump
		echo "dump: $(mem_summary)"
	fi
	# Mid-run: once every page is written, before it is read back.
	if [ -n "$VICTIM" ] && [ -z "$tk" ] &&
		grep -q '^memtouch: pass 1 verify' /tmp/memtouch.out; then
		kill_pages=$(nsw_peer_get "$(vm_ip "$VICTIM")" "$K_PLACED")
		log "asking the host to kill $VICTIM, which holds $(mib "$kill_pages") MiB of ours"
		msg_send "$(vm_ip "$VICTIM")" die
		tk=$(uptime_s)
	fi
done
wait $mt
mtrc=$?
t1=$(uptime_s)
if [ -n "$VICTIM" ]; then
	kill "$smp"
	sed 's/^/rerep: /' /tmp/rerep.log
fi
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
if [ -n "$VICTIM" ]; then
	kill_summary
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
for n in $STORES; do
	[ "$n" = "$VICTIM" ] || msg_send "$(vm_ip "$n")" "done"
done
[ $mtrc -eq 0 ] || fail "memtouch failed"
[ -z "$VICTIM" ] || [ -n "$restored" ] ||
	fail "$VICTIM not killed, or its copies not all made again while the workload ran"
