#!/bin/sh
# jumbo, VM b: the store, at MTU 9000 and then at 1500; and roguestore
# (port 7879), which must take a's whole-page STOREs as protocol.rst says.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)
OUT=/tmp/rogue.out

[ "$(cat /sys/class/net/eth0/mtu)" = 9000 ] ||
	fail "eth0's MTU is $(cat /sys/class/net/eth0/mtu), not 9000"
run modprobe netswap lend_mb=256
log "+ roguestore -p 7879 >$OUT &"
roguestore -p 7879 >"$OUT" 2>&1 &
RS=$!
poll_until 20 "roguestore listening" grep -q "listening on 0.0.0.0:7879" "$OUT"
wait_for_ping "$A" 60
msg_send "$A" "ready"

# An independent reading of "A page and the MTU" took the pages that came
# whole, and refused nothing.
msg_expect "rogue done" 300
run kill -TERM "$RS"
poll_until 20 "roguestore exited" grep -q "roguestore: exit:" "$OUT"
ex=$(grep "roguestore: exit:" "$OUT" | tail -1)
log "$ex"
assert_gt "$(msg_field stores "$ex")" 1023 "pages roguestore stored"
assert_gt "$(msg_field runs "$ex")" 1023 "STOREs that came as one datagram"
assert_eq "$(msg_field dropped "$ex")" 0 "malformed requests from a"
msg_send "$A" "rogue checked"

msg_expect "mtu 1500" 400
run "$IP" link set eth0 mtu 1500
msg_send "$A" "done"

msg_expect unloaded 400
store_drains 20
run rmmod netswap
log "jumbo b: all checks passed"
