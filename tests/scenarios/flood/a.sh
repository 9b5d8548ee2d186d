#!/bin/sh
# flood, VM a: a store only, flooded while its worker is starved.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
# Requests a 4 MiB queue can hold at most: each skb holds more memory
# than the 4144 bytes of its datagram.
QMAX=$((4 * 1048576 / 4144))

used() {
	nsw_get store.lent_pages
}

# used_settled: lent_pages the same for 3 s.
used_settled() {
	_u=$(used)
	sleep 3
	[ "$(used)" = "$_u" ]
}

# The script keeps its share of the CPU next to the starver.
renice -n -20 -p $$ >/dev/null || fail "cannot renice the script"
run modprobe netswap lend_mb=64
nsw_show
backlog0=$(nsw_get rx_dropped.backlog /tmp/show.json)

# b begins a session while the worker still runs: only then are its
# STOREs carried out.
msg_send "$B" session
msg_expect "session ok" 120

# 1. The worker gets next to no CPU; b floods.
: >/tmp/starve.out
storeflood starve >/tmp/starve.out &
S=$!
poll_until 10 "the starver spins" grep -q starving /tmp/starve.out
msg_send "$B" flood
sent=$(msg_recv 300) || exit 1
sent=$(msg_field sent "$sent")
sleep 2		# what is still on its way reaches the queue
nsw_show
u1=$(used)
backlog1=$(nsw_get rx_dropped.backlog /tmp/show.json)
log "$(mem_summary)"
kill "$S"
wait "$S" || true

# 2. The worker serves what was queued: a page each.
poll_until 120 "the store's worker drained its queue" used_settled
u2=$(used)
queued=$((u2 - u1))
log "b sent $sent STOREs; $u1 served while starved, $queued queued at most, backlog $backlog0 -> $backlog1"
log "$(net_stats)"

# 3. b, a client now, swaps to us.
msg_send "$B" "stored $u2"
msg_expect "done" 400
nsw_show
backlog2=$(nsw_get rx_dropped.backlog /tmp/show.json)
# Unloaded before the checks, so that the console shows a WARNING from
# the unload (the socket left memalloc) whatever they find. storeflood's
# pages have no client to take them back: drop them, or rmmod is refused.
for p in $("$CTL" -j show | jq -r '.peers[] | "\(.address):\(.port)"'); do
	run "$CTL" peer del "$p" force
done
run rmmod netswap

assert_gt "$queued" $((QMAX / 4)) "STOREs queued when the flood stopped (the queue was full)"
[ "$queued" -le "$QMAX" ] ||
	fail "$queued STOREs were queued at once, more than 4 MiB holds ($QMAX)"
log "check ok: $queued STOREs queued, at most $QMAX"
[ -n "$backlog1" ] || fail "netswapctl show has no 'rx_dropped ... backlog'"
assert_gt "$((backlog1 - backlog0))" 0 "rx_dropped backlog growth during the flood"
assert_gt "$((sent - u2 + 1))" "$((backlog1 - backlog0))" "backlog, at most what b sent and a did not store"
assert_eq "$backlog2" "$backlog1" "rx_dropped backlog while b swaps"
log "flood a: all checks passed"
