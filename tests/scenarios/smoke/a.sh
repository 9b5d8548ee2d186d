#!/bin/sh
# smoke, VM a: check the emulated CPU, ping b, exchange messages, run
# memtouch in RAM.
. /lib/netswap/guest-lib.sh

B=$(vm_ip b)
# The emulated CPU must keep EFLAGS across cmpxchg16b (tests/vm/README.md,
# "CPU model"): cx16check exits 0 if it does, 3 without the instruction.
cx16check 100000
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 3 ] ||
	fail "the emulated CPU corrupts EFLAGS in cmpxchg16b (cx16check rc $rc), see tests/vm/README.md"
run $IP -br addr show dev eth0
run $TC qdisc show dev eth0
wait_for_ping "$B" 60
msg_send "$B" "hello from a $(hostname)"
reply=$(msg_recv 120) || exit 1
[ "$reply" = "ack from b" ] || fail "unexpected reply from b: '$reply'"
log "$(mem_summary)"
run memtouch 64 2 1
log "smoke a done"
