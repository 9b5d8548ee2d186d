#!/bin/sh
# freeasync, VM b: a store that keeps answering.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)

run modprobe netswap lend_mb=64
wait_for_ping "$A" 60
msg_send "$A" "ready"
msg_expect "done" 400
store_drains 20
log "freeasync b: all checks passed"
