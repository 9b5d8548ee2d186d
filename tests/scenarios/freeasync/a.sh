#!/bin/sh
# freeasync, VM a: the client, storing on b and c.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
C=$(vm_ip c)
DEV=/dev/netswap0

ms_now() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

for i in 1 2; do
	msg_expect ready 300
done
run modprobe netswap size_mb=64
run "$CTL" add-peer "$B"
run "$CTL" add-peer "$C"
run dd if=/dev/urandom of=$DEV bs=1M count=16 oflag=direct
nb=$(nsw_peer_get "$B" placed_pages)
nc=$(nsw_peer_get "$C" placed_pages)
assert_gt "$nb" 1000 "pages placed on b"
assert_gt "$nc" 1000 "pages placed on c"

# c stops answering for 30 s; meanwhile everything is discarded.
msg_send "$C" "silence 30"
msg_expect silent 60
sleep 1
t0=$(ms_now)
run blkdiscard $DEV
# b answers: its pages must be freed without waiting for c's FREEs.
while [ "$(nsw_num nsw_peer_get "$B" tx_free_pages)" -lt "$nb" ]; do
	[ $(($(ms_now) - t0)) -lt 30000 ] ||
		fail "b's pages not freed in 30 s: $(nsw_peer_get "$B" tx_free_pages) of $nb"
	sleep 0.1
done
dt=$(($(ms_now) - t0))
log "b's $nb pages freed ${dt} ms after the discard, c silent"
[ "$dt" -lt 3000 ] ||
	fail "freeing b's pages took ${dt} ms: they waited for silent c"
log "check ok: b's pages freed in ${dt} ms while c is silent"

# c comes back: what was left for it is freed then.
c_freed() { [ "$(nsw_num nsw_peer_get "$C" tx_free_pages)" -ge "$nc" ]; }
poll_until 120 "c's $nc pages freed once it answers" c_freed
assert_eq "$(nsw_get device.mapped_pages)" 0 "mapped_pages after the discard"
nsw_show
msg_send "$B" "done"
msg_send "$C" "done"
log "freeasync a: all checks passed"
