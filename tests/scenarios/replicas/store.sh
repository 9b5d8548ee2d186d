#!/bin/sh
# replicas, VMs b, c and d: stores that die, pause or restart when a says.
# After a restart (NSW_BOOT 2 and up) a store waits for a's "load" first,
# so that a decides how long it stays away.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)

[ "$NSW_BOOT" -gt 1 ] && msg_expect load 600
run modprobe netswap lend_mb=192
msg_send "$A" "ready $NSW_ROLE $NSW_BOOT"

while :; do
	m=$(msg_recv 900) || exit 1
	case "$m" in
	pause\ *)
		log "asking the host to pause this VM for ${m#pause }s, holding $(nsw_get store.lent_pages) pages"
		host_pause "${m#pause }"
		msg_send "$A" "back $NSW_ROLE"
		;;
	restart)
		# Killed without a word (no rmmod, no RESET), then booted
		# again with empty RAM: a new epoch once it loads.
		log "restarting with $(nsw_get store.lent_pages) pages of a's"
		# Let the acknowledgement and its FIN leave first.
		sleep 2
		host_restart
		;;
	finish)
		log "done, holding $(nsw_get store.lent_pages) pages"
		exit 0
		;;
	*)
		fail "unexpected message '$m'"
		;;
	esac
done
