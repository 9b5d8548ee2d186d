#!/bin/sh
# smoke, VM b: answer a's message.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)
cpu_check
wait_for_ping "$A" 60
m=$(msg_recv 120) || exit 1
[ "$m" = "hello from a a" ] || fail "unexpected message from a: '$m'"
msg_send "$A" "ack from b"
log "smoke b done"
