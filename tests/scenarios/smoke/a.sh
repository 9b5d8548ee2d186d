#!/bin/sh
# smoke, VM a: check the emulated CPU, ping b, exchange messages, run
# memtouch in RAM.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
cpu_check
run $IP -br addr show dev eth0
run $TC qdisc show dev eth0
wait_for_ping "$B" 60
msg_send "$B" "hello from a $(hostname)"
reply=$(msg_recv 120) || exit 1
[ "$reply" = "ack from b" ] || fail "unexpected reply from b: '$reply'"
log "$(mem_summary)"
run memtouch 64 2 1
log "smoke a done"
