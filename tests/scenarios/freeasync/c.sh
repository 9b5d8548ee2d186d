#!/bin/sh
# freeasync, VM c: a store that goes silent for a while when told.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)

run modprobe netswap lend_mb=64
run modprobe sch_netem
wait_for_ping "$A" 60
msg_send "$A" "ready"
secs=$(msg_expect silence 300) || exit 1
msg_send "$A" "silent"
# Everything c sends is dropped: no reply, no pong, no message.
run $TC qdisc add dev eth0 root netem loss 100%
sleep "$secs"
run $TC qdisc del dev eth0 root
log "answering again after ${secs}s"
msg_expect "done" 300
store_drains 20
log "freeasync c: all checks passed"
