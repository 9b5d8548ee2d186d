#!/bin/sh
# smoke, VM b: answer a's message.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)
cpu_check
wait_for_ping "$A" 60
msg_expect "hello from a a" 120
msg_send "$A" "ack from b"
log "smoke b done"
