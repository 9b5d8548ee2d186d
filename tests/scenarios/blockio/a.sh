#!/bin/sh
# blockio, VM a: block I/O on /dev/netswap0, stored on b.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
DEV=/dev/netswap0

msg_expect ready 300

run modprobe netswap size_mb=128
# With no peer there is nowhere to put a page: an error, not a hang.
if dd if=/dev/zero of=$DEV bs=4096 count=1 oflag=direct 2>/dev/null; then
	fail "a write with no peer configured succeeded"
fi
log "check ok: write with no peer fails"
run "$CTL" add-peer "$B"

# 24 MiB of random data in 1 MiB direct writes: every request carries the
# most pages the queue allows. Read back with direct I/O and compare.
run dd if=/dev/urandom of=/tmp/data bs=1M count=24
run dd if=/tmp/data of=$DEV bs=1M oflag=direct
run dd if=$DEV of=/tmp/back bs=1M count=24 iflag=direct
cmp /tmp/data /tmp/back || fail "data read back from $DEV differs"
log "check ok: 24 MiB written and read back identical"
assert_eq "$(nsw_get device.mapped_pages)" $((24 * 256)) "mapped_pages after 24 MiB"

# Never-written pages read as zeros.
run dd if=$DEV of=/tmp/zero bs=1M skip=100 count=1 iflag=direct
run dd if=/dev/zero of=/tmp/zref bs=1M count=1
cmp /tmp/zero /tmp/zref || fail "a never-written page did not read as zeros"
log "check ok: never-written pages read as zeros"

# Overwrite in place: same pages, new data, no new remote pages.
run dd if=/dev/urandom of=/tmp/data2 bs=1M count=8
run dd if=/tmp/data2 of=$DEV bs=1M oflag=direct
run dd if=$DEV of=/tmp/back2 bs=1M count=8 iflag=direct
cmp /tmp/data2 /tmp/back2 || fail "overwritten data read back differs"
assert_eq "$(nsw_get device.mapped_pages)" $((24 * 256)) "mapped_pages after overwrite"
assert_eq "$(nsw_peer_get "$B" placed_pages)" $((24 * 256)) "placed on b after overwrite"

# A freed page rewritten while the free worker is about to free it: the
# rewrite overwrites the remote page in place and maps it again under the
# same handle, which the worker must not free (fault_free_delay_ms holds it
# between claiming the first page and freeing it).
P=/sys/module/netswap/parameters/fault_free_delay_ms
[ -w $P ] || fail "no $P: the module was built without NSW_FAULT_INJECT"
echo 10000 >$P
run dd if=/dev/urandom of=/tmp/data3 bs=1M count=1
run blkdiscard -o 0 -l 1048576 $DEV
worker_holds() { dmesg | grep -q "fault: free worker holds page 0 "; }
poll_until 5 "the free worker holds page 0" worker_holds
run dd if=/tmp/data3 of=$DEV bs=1M oflag=direct
worker_goes_on() { dmesg | grep -q "fault: free worker goes on with page 0$"; }
poll_until 20 "the free worker goes on" worker_goes_on
echo 0 >$P
sleep 1
run dd if=$DEV of=/tmp/back3 bs=1M count=1 iflag=direct
cmp /tmp/data3 /tmp/back3 ||
	fail "a page rewritten after a discard read back as $(od -An -tx1 -N8 /tmp/back3)"
assert_eq "$(nsw_get device.mapped_pages)" $((24 * 256)) "mapped_pages after discard and rewrite"
assert_eq "$(nsw_peer_get "$B" placed_pages)" $((24 * 256)) "placed on b after discard and rewrite"
log "check ok: a page rewritten while its free was pending reads back"
# The rest of the scenario expects /tmp/data2 at the start of the device.
run dd if=/tmp/data2 of=$DEV bs=1M count=1 oflag=direct

# b lends 40 MiB; writing 24 MiB more must fail with an I/O error once b
# is full, promptly.
t0=$(uptime_s)
if dd if=/dev/urandom of=$DEV bs=1M seek=32 count=24 oflag=direct 2>/tmp/dd.err; then
	fail "writing past b's quota succeeded"
fi
t1=$(uptime_s)
log "dd past quota failed as it should: $(tail -1 /tmp/dd.err)"
[ $((t1 - t0)) -lt 60 ] || fail "the failing write took $((t1 - t0)) s"
dmesg | grep -q "netswap: $B:7878 is full" || fail "no 'is full' line in dmesg"
log "check ok: full store gives an I/O error in $((t1 - t0)) s and a dmesg line"
assert_gt "$(nsw_peer_get "$B" failed_requests)" 0 "errors with b"
# The data written before is intact.
run dd if=$DEV of=/tmp/back bs=1M count=8 iflag=direct
cmp /tmp/data2 /tmp/back || fail "data changed after the failed writes"
frees=$(nsw_peer_get "$B" tx_free_pages)
msg_send "$B" "filled"
msg_expect checked 120

# b raised its lend limit to 64 MiB: it has room, though we freed
# nothing there. Its PONGs say so, and writes of new pages succeed again
# within a few keepalive intervals (1 s).
t0=$(uptime_s)
write_new() {
	dd if=/dev/urandom of=$DEV bs=1M seek=60 count=1 oflag=direct 2>/dev/null
}
poll_until 10 "a write of new pages after b made room" write_new
log "check ok: b used again $(($(uptime_s) - t0)) s after it made room"
dmesg | grep -q "netswap: $B:7878 has room again" || fail "no 'has room again' line in dmesg"
assert_eq "$(nsw_peer_get "$B" tx_free_pages)" "$frees" "frees to b while it was full"

# While b holds our pages, deleting it would lose data: refused.
if "$CTL" del-peer "$B" 2>/tmp/del.err; then
	fail "del-peer succeeded while b holds our pages"
fi
grep -q "holds pages" /tmp/del.err || fail "del-peer error unclear: $(cat /tmp/del.err)"
log "check ok: del-peer refused: $(cat /tmp/del.err)"

# While the device is in use, the module cannot go.
run mkswap $DEV
run swapon $DEV
if rmmod netswap 2>/dev/null; then
	fail "rmmod succeeded while swap was on"
fi
log "check ok: rmmod refused while swap is on"
run swapoff $DEV

# Discard frees the remote copies.
run blkdiscard $DEV
none_mapped() {
	[ "$(nsw_get device.mapped_pages)" = 0 ] &&
		[ "$(nsw_peer_get "$B" placed_pages)" = 0 ]
}
poll_until 20 "nothing mapped after blkdiscard" none_mapped
# Discarded pages read as zeros.
run dd if=$DEV of=/tmp/zero bs=1M count=1 iflag=direct
cmp /tmp/zero /tmp/zref || fail "a discarded page did not read as zeros"

# Write again and unload without discarding: the unload must make b drop
# everything.
run dd if=/tmp/data2 of=$DEV bs=1M oflag=direct
run rmmod netswap
msg_send "$B" "unloaded"
log "blockio a: all checks passed"
