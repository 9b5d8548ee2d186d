#!/bin/sh
# control, VM b: the store of a; a store-only node's view (no device),
# learned peers, the total lend limit and its event.
. /lib/netswap/guest-lib.sh
. /scenario/lib.sh

A=$(vm_ip a)

run modprobe netswap lend_mb=64
nsw_show
grep -qx 'device none' /tmp/show.txt || fail "show: no 'device none' without a device"
json show
assert_str "$(jv .device)" null "show -j: device without one"
json quota show
assert_eq "$(jv .store.lend_limit)" $((64 << 20)) "quota show -j: lend_limit = lend_mb"
"$CTL" showconf >/tmp/c.conf || fail "showconf failed"
cat /tmp/c.conf
grep -qx 'DeviceSize = 0' /tmp/c.conf || fail "showconf: DeviceSize is not 0"
grep -qx 'Lend = 64M' /tmp/c.conf || fail "showconf: Lend is not 64M"
grep -q '^SwapPriority' /tmp/c.conf && fail "showconf: SwapPriority without swap"
wait_for_ping "$A" 60
msg_send "$A" "ready"

m=$(msg_recv 300) || exit 1
[ "$m" = "unit-done" ] || fail "expected 'unit-done', got '$m'"
m=$(msg_recv 300) || exit 1
[ "$m" = "fill" ] || fail "expected 'fill', got '$m'"
events_start /tmp/mon.json
run "$CTL" quota set lend 1M
msg_send "$A" "lend-set"
m=$(msg_recv 120) || exit 1
[ "$m" = "filled" ] || fail "expected 'filled', got '$m'"
store_full() {
	event_seen /tmp/mon.json '.event == "store_full"'
}
poll_until 20 "a store_full event" store_full
events_stop
cat /tmp/mon.json
json quota show
assert_eq "$(jv .store.used_pages)" 256 "quota show -j: used_pages at the lend limit"
assert_eq "$(jv .store.lend_limit)" 1048576 "quota show -j: lend_limit"
json peer show "$A"
assert_str "$(jv '.flags | index("learned") != null')" true "peer show -j: a is learned"
assert_eq "$(jv .held)" 256 "peer show -j: pages held for a"
assert_gt "$(jv .rx_full)" 0 "peer show -j: stores refused"
# A limit below what is in use is taken (with a note).
run "$CTL" peer set "$A" lend 512K
json peer show "$A"
assert_eq "$(jv .lend_limit)" 524288 "peer show -j: lend_limit below use"
msg_send "$A" "checked"

m=$(msg_recv 120) || exit 1
[ "$m" = "done" ] || fail "expected 'done', got '$m'"
store_drains 20
run rmmod netswap
log "control b: all checks passed"
