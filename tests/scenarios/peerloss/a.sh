#!/bin/sh
# peerloss, VM a: swaps to b, and must survive b going away.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
PB="$B:7878"
TIMEOUT_MS=6000

# The workload runs in a memory cgroup far smaller than itself, so that it
# swaps and nothing else does: when its pages become unreachable only it
# may fail, and this script, the ticker and the kernel must carry on.
# workload LOG MEMTOUCH_ARGS...: memtouch in the cgroup, in the background.
workload() {
	_log=$1
	shift
	# every word checked in order, 32 MiB again in random order
	MEMTOUCH_RANDOM_MB=32 in_memcg work memtouch "$@" >"$_log" 2>&1 &
	MT=$!
}
pswpout() {
	awk '$1 == "pswpout" { print $2 }' /proc/vmstat
}
swapped_since() {
	[ "$(pswpout)" -ge $(($1 + 8000)) ]
}
# The peer's state, as netswapctl shows it.
state_is() {
	[ "$(nsw_peer_get "$B" state)" = "$1" ]
}
ticker_alive() {
	_t1=$(cat /tmp/ticks)
	sleep 2
	_t2=$(cat /tmp/ticks)
	kill -0 "$TICKER" 2>/dev/null && [ "$_t2" -gt "$_t1" ] ||
		fail "the bystander process stopped ($_t1 -> $_t2)"
	log "check ok: bystander still ticking ($_t2)"
}
finished() {
	! kill -0 "$MT" 2>/dev/null
}
# workload_failed LOG WHY: the workload must stop with an error, and the
# bystander must not notice.
workload_failed() {
	poll_until 60 "the workload stopped" finished
	_rc=0
	wait "$MT" || _rc=$?
	[ "$_rc" -ne 0 ] || fail "memtouch succeeded although $2"
	log "check ok: the workload failed (rc $_rc): $(tail -n 1 "$1")"
	ticker_alive
}

msg_expect ready 300

# A short hung-task timeout: anything stuck on netswap for 20 s is caught.
echo 20 >/proc/sys/kernel/hung_task_timeout_secs ||
	fail "no hung task detector"
run sysctl -w vm.min_free_kbytes=16384
run modprobe netswap size_mb=512 keepalive_ms=500 peer_timeout_ms=$TIMEOUT_MS
run "$CTL" add-peer "$B"
run mkswap /dev/netswap0
run swapon /dev/netswap0
memcg work 48

# A bystander with nothing in swap, which must never notice anything.
(
	i=0
	while :; do
		i=$((i + 1))
		echo $i >/tmp/ticks
		sleep 0.5
	done
) &
TICKER=$!

# 1. Two seconds of silence, well below peer_timeout_ms: retransmission
#    carries the workload through, every word verified.
p0=$(pswpout)
workload /tmp/mt1.log 96 1 7
poll_until 300 "the workload swaps" swapped_since "$p0"
msg_send "$B" "cut 2"
msg_expect back 120
wait "$MT" || fail "memtouch failed across a 2 s outage (rc $?): $(tail -n 2 /tmp/mt1.log)"
log "$(tail -n 1 /tmp/mt1.log)"
nsw_show
state_is up || fail "b is not up after a 2 s outage"
assert_eq "$(nsw_peer_get "$B" failed_requests)" 0 "errors after a 2 s outage"
assert_gt "$(nsw_peer_get "$B" retransmitted_requests)" 0 "retransmitted_requests across the outage"

# 2. b's whole VM paused (by the host, SIGSTOP of its QEMU) for longer
#    than peer_timeout_ms: b is declared down, the workload whose pages
#    are there fails, the bystander and the kernel carry on.
p0=$(pswpout)
workload /tmp/mt2.log 160 1000 9
poll_until 300 "the workload swaps" swapped_since "$p0"
t0=$(date +%s)
msg_send "$B" "pause 30"
poll_until 30 "b declared down" state_is down
t1=$(date +%s)
log "b declared down after $((t1 - t0)) s (peer_timeout_ms $TIMEOUT_MS)"
dmesg | grep -q "$PB is down" || fail "no dmesg line saying $PB is down"
# (First thing while b is surely still away: under load the rest may take
# long enough for b to come back.)
# I/O to a down peer fails at once, without waiting for io_timeout_ms:
# the swap header (page 0, written by mkswap) lives on b.
t0=$(date +%s)
if dd if=/dev/netswap0 of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null; then
	fail "reading a page held by a down peer succeeded"
fi
t1=$(date +%s)
[ $((t1 - t0)) -le 2 ] || fail "reading a page of a down peer took $((t1 - t0)) s"
log "check ok: a read of b's page failed in $((t1 - t0)) s while b is down"
workload_failed /tmp/mt2.log "its pages were unreachable"
msg_expect back 120
poll_until 20 "b up again" state_is up
dmesg | grep -q "$PB is up again" || fail "no dmesg line saying $PB is up again"
nsw_show
# The dead workload's swap slots were freed while b was down (thousands of
# pages): those FREEs waited, and now b must drop the pages. What b may
# still hold beyond a's own pages: new pages b stored from requests in
# flight when its link went down, whose answers a never got (at most 128,
# the pages a device has in flight; they stay until the next RESET).
# (A loop of its own: msg_send and msg_recv would clobber poll_until's
# variables.)
tries=0
while :; do
	msg_send "$B" held
	held=$(msg_expect held 60) || exit 1
	placed=$(nsw_peer_get "$B" placed_pages)
	log "b holds $held, a has $placed placed there"
	[ "$held" -ge "$placed" ] && [ "$held" -le $((placed + 128)) ] && break
	tries=$((tries + 1))
	[ $tries -lt 20 ] || fail "b still holds $held pages, a has $placed there"
	sleep 1
done
log "check ok: b freed the dead workload's pages once back"

# 3. Service resumes: a new workload swaps to b and verifies.
log "+ memtouch 96 1 11 (in the cgroup)"
workload /tmp/mt3.log 96 1 11
wait "$MT" || fail "memtouch failed after b came back (rc $?): $(tail -n 2 /tmp/mt3.log)"
log "$(tail -n 1 /tmp/mt3.log)"

# 4. b dies outright in the middle of a run.
p0=$(pswpout)
workload /tmp/mt4.log 160 1000 13
poll_until 300 "the workload swaps" swapped_since "$p0"
msg_send "$B" die
poll_until 30 "b declared down" state_is down
workload_failed /tmp/mt4.log "its store died"
nsw_show
assert_gt "$(nsw_peer_get "$B" failed_requests)" 0 "errors counted for the dead peer"

# Taking it down with a dead peer must not hang either.
t0=$(date +%s)
run swapoff /dev/netswap0
run blkdiscard /dev/netswap0
run rmmod netswap
t1=$(date +%s)
log "swapoff, blkdiscard and rmmod took $((t1 - t0)) s with b dead"
[ $((t1 - t0)) -lt 60 ] || fail "taking netswap down took $((t1 - t0)) s"
[ ! -e /sys/block/netswap0 ] || fail "/sys/block/netswap0 left behind by rmmod"
kill "$TICKER"
