#!/bin/sh
# flood, VM b: floods a's store, then swaps to it.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)
DEV=/dev/netswap0

msg_expect session 300
base=$(storeflood session "$A" 7878) || fail "storeflood: $base"
base=${base#base }
msg_send "$A" "session ok"
msg_expect flood 300
out=$(storeflood send "$A" 7878 4096 "$base") || fail "storeflood: $out"
msg_send "$A" "$out"
m=$(msg_recv 400) || exit 1
log "a: $m"

# Normal I/O after the flood: writes and reads, then swap on and off
# (each opens and closes the device).
run modprobe netswap size_mb=64
run "$CTL" peer add "$A"
run dd if=/dev/urandom of=/tmp/data bs=1M count=4
run dd if=/tmp/data of=$DEV bs=1M oflag=direct
run dd if=$DEV of=/tmp/back bs=1M count=4 iflag=direct
cmp -s /tmp/back /tmp/data || fail "data read back differs"
log "check ok: 4 MiB written and read back after the flood"
run mkswap $DEV
run swapon $DEV
exec 3<$DEV	# a second opener, closed after swapoff
run swapoff $DEV
exec 3<&-
nsw_show
assert_eq "$(nsw_get device.failed_requests /tmp/show.json)" 0 "failed_requests"
assert_eq "$(nsw_get device.openers /tmp/show.json)" 0 "openers after swapoff"
run rmmod netswap
msg_send "$A" "done"
log "flood b: all checks passed"
