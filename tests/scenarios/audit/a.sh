#!/bin/sh
# audit, VM a: the client whose given-up writes b carried out all the same.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
DEV=/dev/netswap0

msg_expect ready 300

# Writes fail after 2 s without an answer; b is never declared down.
run modprobe netswap size_mb=64 keepalive_ms=500 peer_timeout_ms=30000 \
	io_timeout_ms=2000
run "$CTL" add-peer "$B"

# held_on_b: b's count of a's pages there, by message.
held_on_b() {
	msg_send "$B" held >&2
	msg_expect held 60
}

# 1. Pages a keeps: 4 MiB at 0.
run dd if=/dev/urandom of=/tmp/keep bs=1M count=4
run dd if=/tmp/keep of=$DEV bs=1M oflag=direct
assert_eq "$(held_on_b)" "$(nsw_peer_get "$B" placed_pages)" "b's held = a's placed before the outage"

# 2. New pages at 8 MiB while b's answers are lost: the writes fail, but
#    b stores what reaches it.
run dd if=/dev/urandom of=/tmp/lost bs=1M count=4
msg_send "$B" "drop 6"
sleep 2
PIDS=
for i in 0 1 2 3; do
	dd if=/tmp/lost of=$DEV bs=1M count=1 skip=$i seek=$((8 + i)) \
		oflag=direct 2>/tmp/dd$i.log &
	PIDS="$PIDS $!"
done
fails=0 OKS= i=0
for p in $PIDS; do
	if wait "$p"; then
		OKS="$OKS $i"
	else
		fails=$((fails + 1))
	fi
	i=$((i + 1))
done
log "writes during the outage: $fails of 4 failed"
assert_gt "$fails" 0 "writes failed while b's answers were lost"
msg_expect back 60

# 3. While the audit runs, more pages at 16 MiB: they must survive it.
run dd if=/dev/urandom of=/tmp/during bs=1M count=4
dd if=/tmp/during of=$DEV bs=1M seek=16 oflag=direct 2>/tmp/during.log &
DD=$!

# 4. b frees the pages a gave up on, and only those.
balanced() {
	_h=$(held_on_b)
	_p=$(nsw_peer_get "$B" placed_pages)
	log "b holds $_h pages of a's, a placed $_p there, reclaimed $(nsw_peer_get "$B" reclaimed_pages)"
	[ -n "$_h" ] && [ "$_h" = "$_p" ] &&
		[ "$(nsw_peer_get "$B" reclaimed_pages)" -gt 0 ]
}
wait $DD || fail "writing during the audit failed: $(cat /tmp/during.log)"
poll_until 60 "b's held = a's placed, reclaimed_pages > 0" balanced
nsw_show

# 5. Everything a maps reads back as written.
run dd if=$DEV of=/tmp/keep.back bs=1M count=4 iflag=direct
cmp /tmp/keep /tmp/keep.back || fail "pages written before the audit read back altered"
run dd if=$DEV of=/tmp/during.back bs=1M skip=16 count=4 iflag=direct
cmp /tmp/during /tmp/during.back || fail "pages written during the audit read back altered"
# Writes of the outage that did not fail (queued until b answered).
for i in $OKS; do
	run dd if=/tmp/lost of=/tmp/lost.ref bs=1M skip=$i count=1
	run dd if=$DEV of=/tmp/lost.back bs=1M skip=$((8 + i)) count=1 iflag=direct
	cmp /tmp/lost.ref /tmp/lost.back ||
		fail "MiB $((8 + i)), written during the outage, read back altered"
done
log "check ok: pages kept across the audit read back intact"
"$CTL" -j stats | grep -q '"reclaimed_pages"' || fail "netswapctl -j stats has no reclaimed_pages"
assert_eq "$(held_on_b)" "$(nsw_peer_get "$B" placed_pages)" "b's held = a's placed at the end"

run rmmod netswap
msg_send "$B" done
log "audit a: all checks passed"
