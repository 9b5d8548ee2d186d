#!/bin/sh
# wire, VM b: a store of 16 MiB (4096 pages) with a second IPv4 address.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)
B2=169.254.1.2

run modprobe netswap lend_mb=16
run $IP addr add $B2/16 dev eth0
wait_for_ping "$A" 60
ll=$($IP -6 addr show dev eth0 scope link | awk '/inet6/ { sub("/.*", "", $2); print $2; exit }')
msg_send "$A" "ready ${ll:-none}"

# a broadcast a PING: it reached us as a broadcast, and was dropped.
msg_expect broadcast 200
nsw_show
n=$(nsw_get rx_dropped.nothost /tmp/show.json)
assert_gt "$n" 0 "rx_dropped nothost after a's broadcast PING"
msg_send "$A" "nothost $n"

msg_expect "done" 200
store_drains 20
run rmmod netswap
log "wire b: all checks passed"
