#!/bin/sh
# a passes its script, but its kernel log has a WARNING: the run must fail.
. /lib/netswap/guest-lib.sh

# On the way: msg_send to an address no VM has gives up on time. It
# counts seconds, not tries: each try there takes seconds of its own
# (counting 6 tries took 19 s), and 14 is the 6 s asked for, one more
# try of at most 5 s, its pause and a second to spare.
t0=$(uptime_s)
(msg_send 169.254.0.9 probe 6) && fail "msg_send to no one succeeded"
t=$(($(uptime_s) - t0))
rm -f /tmp/fail-reason
[ $t -le 14 ] || fail "msg_send took ${t}s to give up after 6s"
log "msg_send to no one gave up after ${t}s"

echo "<4>WARNING: CPU: 0 PID: 1 at selftest.c:1 injected by the test bed self-test" >/dev/kmsg
msg_send "$(vm_ip b)" "go"
