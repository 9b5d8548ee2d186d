#!/bin/sh
# a passes its script, but its kernel log has a WARNING: the run must fail.
. /lib/netswap/guest-lib.sh
echo "<4>WARNING: CPU: 0 PID: 1 at selftest.c:1 injected by the test bed self-test" >/dev/kmsg
msg_send "$(vm_ip b)" "go"
