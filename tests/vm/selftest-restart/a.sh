#!/bin/sh
# a: a WARNING in its first boot, restarted, passes its second boot. The
# run must fail on the first boot's WARNING.
. /lib/netswap/guest-lib.sh
case "$NSW_BOOT" in
1)
	echo "<4>WARNING: CPU: 0 PID: 1 at selftest.c:2 injected in boot 1" >/dev/kmsg
	echo "boot 1 was here" >/tmp/boot1
	host_restart
	;;
2)
	[ ! -e /tmp/boot1 ] || fail "boot 2 still has the first boot's files"
	# b, on its own first boot, hears from us at the same address.
	msg_send "$(vm_ip b)" "a boot $NSW_BOOT" 120
	;;
*)
	fail "unexpected NSW_BOOT '$NSW_BOOT'"
	;;
esac
