#!/bin/sh
# bench, replicas run, VM c: the second store. Lends RAM to netswap as b
# does.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)

run modprobe netswap lend_mb=384
wait_for_ping "$A" 60
msg_send "$A" "ready"

msg_expect "done" 2300

nsw_show
store_drains 60
run rmmod netswap
log "bench c: done"
