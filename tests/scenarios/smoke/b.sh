#!/bin/sh
# smoke, VM b: answer a's message.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)
# The emulated CPU must keep EFLAGS across cmpxchg16b (tests/vm/README.md,
# "CPU model"): cx16check exits 0 if it does, 3 without the instruction.
cx16check 100000
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 3 ] ||
	fail "the emulated CPU corrupts EFLAGS in cmpxchg16b (cx16check rc $rc), see tests/vm/README.md"
wait_for_ping "$A" 60
m=$(msg_recv 120) || exit 1
[ "$m" = "hello from a a" ] || fail "unexpected message from a: '$m'"
msg_send "$A" "ack from b"
log "smoke b done"
