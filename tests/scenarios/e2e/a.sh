#!/bin/sh
# e2e, VM a: the client. Swaps to /dev/netswap0 backed by b's RAM.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
PB="$B:7878"

# What a knows about its pages on b, as one line (the counters that decide
# what b holds, plus loads and failures for the checks). Compared before
# and after each counter round; loads may move (swap-ins of the shell) without harm.
snapshot() {
	"$CTL" -j show >/tmp/snap.json || fail "netswapctl show failed"
	_f=
	for _k in placed_pages tx_store_pages tx_free_pages retransmitted_requests; do
		_f="$_f $_k $(nsw_peer_get "$B" $_k /tmp/snap.json)"
	done
	echo "$_f mapped_pages $(nsw_get device.mapped_pages /tmp/snap.json)" \
		"tx_load_pages $(nsw_peer_get "$B" tx_load_pages /tmp/snap.json)" \
		"failed_requests $(nsw_peer_get "$B" failed_requests /tmp/snap.json)"
}
# The part of a snapshot that must not move during a round.
fixed() {
	echo "${1%% tx_load_pages *}"
}

msg_expect ready 300

# Swapping over the network needs headroom below the min watermark for
# the NIC's receive buffers (Documentation/netswap/admin-guide.rst).
run sysctl -w vm.min_free_kbytes=16384
run modprobe netswap size_mb=1024
run "$CTL" add-peer "$B"
nsw_show
assert_eq "$(nsw_get device.size_bytes)" $((1024 * 1024 * 1024)) "device size"
[ -n "$(nsw_peer_get "$B" placed_pages)" ] || fail "no peer line for $PB in netswapctl show"

run mkswap /dev/netswap0
run swapon /dev/netswap0
log "$(mem_summary)"
cat /proc/swaps

# The workload: 768 MiB (3x RAM), every byte verified, with the hung-task
# detector at 30 s: nothing may wait that long on netswap. Every word is
# checked in a sequential sweep, and 128 MiB of pages again in random
# order (all of it in random order too took ~550 s more in the suite).
echo 30 >/proc/sys/kernel/hung_task_timeout_secs ||
	fail "no hung task detector"
log "+ MEMTOUCH_RANDOM_MB=128 memtouch 768 1 42"
MEMTOUCH_RANDOM_MB=128 memtouch 768 1 42 || fail "memtouch 768 1 failed (rc $?)"
log "$(mem_summary)"
# It fits in RAM plus swap: nothing may have been OOM-killed.
if dmesg | grep -E "Out of memory|oom-kill|Killed process"; then
	fail "the OOM killer ran"
fi
log "check ok: no OOM kill"
nsw_show

# Cross-check with b: b must hold exactly the pages a has placed there, and
# have accepted exactly the stores a made. Frees of swap slots reach the
# device in batches at any time, so a round only counts when a's own
# counters did not move while b looked (snapshot before == after, with a
# pause for requests in flight); otherwise try again.
round=0
while :; do
	round=$((round + 1))
	[ $round -le 15 ] || fail "counters never stood still for a comparison in 15 rounds"
	s1=$(snapshot) || exit 1
	placed=$(msg_field placed_pages "$s1")
	stores=$(msg_field tx_store_pages "$s1")
	if [ $round -eq 1 ]; then
		log "b:$s1"
		assert_gt "$placed" 0 "placed on b"
		assert_gt "$stores" 0 "stores to b"
		assert_gt "$(msg_field tx_load_pages "$s1")" 0 "pages loaded from b"
		assert_eq "$(msg_field failed_requests "$s1")" 0 "failed requests to b"
	fi
	msg_send "$B" "counters round $round placed $placed stores $stores"
	ans=$(msg_recv 120) || exit 1
	sleep 2
	s2=$(snapshot) || exit 1
	if [ "$(fixed "$s1")" != "$(fixed "$s2")" ]; then
		log "round $round: counters moved while b looked, again"
		log "  before: $s1"
		log "  after:  $s2"
		msg_send "$B" "verdict RETRY"
		continue
	fi
	mapped=$(msg_field mapped_pages "$s1")
	if [ "$mapped" != "$placed" ]; then
		msg_send "$B" "verdict FAIL"
		fail "device mapped_pages $mapped != placed_pages on b $placed (the only peer)"
	fi
	if [ "$ans" = OK ]; then
		msg_send "$B" "verdict OK"
		log "round $round: b agrees: held_pages = placed_pages = $placed, rx_store_pages = tx_store_pages = $stores"
		break
	fi
	msg_send "$B" "verdict FAIL"
	fail "b disagrees on the counters: $ans"
done

run swapoff /dev/netswap0
log "$(mem_summary)"
run blkdiscard /dev/netswap0
all_discarded() {
	[ "$(nsw_peer_get "$B" placed_pages)" = 0 ] && [ "$(nsw_get device.mapped_pages)" = 0 ]
}
poll_until 20 "placed_pages on b = 0 and mapped_pages = 0" all_discarded
nsw_show

msg_send "$B" "discarded"
msg_expect OK 120

run "$CTL" del-peer "$B"
run rmmod netswap
[ ! -e /sys/module/netswap ] || fail "netswap still loaded after rmmod"
msg_send "$B" "done"
log "e2e a: all checks passed"
