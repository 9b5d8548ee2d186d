#!/bin/sh
# control, VM b: the store of a; a store-only node's view (no device),
# learned peers, the total lend limit and its event.
. /lib/netswap/guest-lib.sh
. /scenario/lib.sh

A=$(vm_ip a)

run modprobe netswap lend_mb=64
"$CTL" show >/tmp/show.txt || fail "netswapctl show failed"
cat /tmp/show.txt
grep -qx 'device none' /tmp/show.txt || fail "show: no 'device none' without a device"
json show
assert_str "$(jv .device)" null "show -j: device without one"
json quota show
assert_eq "$(jv .store.lend_limit_bytes)" $((64 << 20)) "quota show -j: lend_limit_bytes = lend_mb"
"$CTL" showconf >/tmp/c.conf || fail "showconf failed"
cat /tmp/c.conf
grep -qx 'DeviceSize = 0' /tmp/c.conf || fail "showconf: DeviceSize is not 0"
grep -qx 'Lend = 64M' /tmp/c.conf || fail "showconf: Lend is not 64M"
grep -qx 'LendReserve = 12%' /tmp/c.conf || fail "showconf: LendReserve is not the default 12%"
grep -q '^SwapPriority' /tmp/c.conf && fail "showconf: SwapPriority without swap"
wait_for_ping "$A" 60
msg_send "$A" "ready"

msg_expect unit-done 300
msg_expect fill 300
events_start /tmp/mon.json
run "$CTL" quota set lend 1M
msg_send "$A" "lend-set"
msg_expect filled 120
store_full() {
	event_seen /tmp/mon.json '.event == "store_full"'
}
poll_until 20 "a store_full event" store_full
events_stop
cat /tmp/mon.json
json quota show
assert_eq "$(jv .store.lent_pages)" 256 "quota show -j: lent_pages at the lend limit"
assert_eq "$(jv .store.lend_limit_bytes)" 1048576 "quota show -j: lend_limit_bytes"
json peer show "$A"
assert_str "$(jv '.flags | index("learned") != null')" true "peer show -j: a is learned"
assert_eq "$(jv .held_pages)" 256 "peer show -j: pages held for a"
assert_gt "$(jv .rx_full_pages)" 0 "peer show -j: stores refused"
# A limit below what is in use is taken (with a note).
run "$CTL" peer set "$A" lend 512K
json peer show "$A"
assert_eq "$(jv .lend_limit_bytes)" 524288 "peer show -j: lend_limit_bytes below use"

# a's pages here are not deleted with it unless asked: not by peer del,
# not by a setconf whose file lacks a, once a is a configured peer too.
STORES_MSG='pages here; deleting it frees them: use force'
stores_msg() {
	grep -qE "it stores (256 )?$STORES_MSG" /tmp/ee.err ||
		fail "no 'it stores [256 ]$STORES_MSG' in '$(cat /tmp/ee.err)'"
}
expect_err "cannot delete peer $A: it stores" "$CTL" peer del "$A"
stores_msg
run "$CTL" peer add "$A"
printf '[Netswap]\nLend = 1M\n' >/tmp/nopeer.conf
expect_err "/tmp/nopeer.conf: cannot delete peer $A:7878 (not in the file): it stores" \
	"$CTL" setconf /tmp/nopeer.conf
stores_msg
json peer show "$A"
assert_eq "$(jv .held_pages)" 256 "peer show -j: a's pages held after the refusals"
expect_err "unexpected argument 'now' (expected force)" "$CTL" setconf /tmp/nopeer.conf now
# Forced, a goes and its pages with it.
run "$CTL" setconf /tmp/nopeer.conf force
expect_err "unknown peer $A" "$CTL" peer show "$A"
json quota show
assert_eq "$(jv .store.lent_pages)" 0 "quota show -j: lent_pages after a forced delete"
dmesg | grep -q "$A:7878 deleted with 256 of its pages here" ||
	fail "dmesg: no line for the 256 pages of a freed"
msg_send "$A" "checked"

msg_expect "done" 120
store_drains 20
run rmmod netswap
log "control b: all checks passed"
