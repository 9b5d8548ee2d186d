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
msg_expect "ack from b" 120
log "$(mem_summary)"
run memtouch 64 2 1
log "smoke a done"
