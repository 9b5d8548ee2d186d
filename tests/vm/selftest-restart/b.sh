#!/bin/sh
# b: waits for a's second boot, prints a stale FAIL result, is restarted
# and passes: the result is the last boot's.
. /lib/netswap/guest-lib.sh
case "$NSW_BOOT" in
1)
	m=$(msg_expect a 180) || exit 1
	[ "$m" = "boot 2" ] || fail "a says '$m', not 'boot 2'"
	echo "NETSWAP-RESULT: FAIL boot 1's result must not count"
	host_restart
	;;
2)
	log "second boot, uptime $(uptime_s) s"
	# A pause must be seen also on the HPET, whose time does not jump
	# (a loaded host can make the kernel drop an unstable TSC for it).
	echo hpet >/sys/devices/system/clocksource/clocksource0/current_clocksource ||
		fail "cannot switch to the HPET clocksource"
	host_pause 8
	;;
*)
	fail "unexpected NSW_BOOT '$NSW_BOOT'"
	;;
esac
