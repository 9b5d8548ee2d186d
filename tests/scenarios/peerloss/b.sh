#!/bin/sh
# peerloss, VM b: the store that goes away when a asks it to.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)

run modprobe netswap lend_mb=384
msg_send "$A" ready

while :; do
	m=$(msg_recv 1100) || exit 1
	case "$m" in
	cut\ *)
		# A network outage: the pages stay here, the VM runs on.
		secs=${m#cut }
		log "cutting the link for ${secs}s, holding $(nsw_get store.lent_pages) pages"
		run "$IP" link set eth0 down
		sleep "$secs"
		run "$IP" link set eth0 up
		msg_send "$A" "back"
		;;
	pause\ *)
		# The whole VM frozen by the host: the pages stay here, and
		# nothing at all answers, not even the NIC.
		secs=${m#pause }
		log "asking the host to pause this VM for ${secs}s, holding $(nsw_get store.lent_pages) pages"
		host_pause "$secs"
		msg_send "$A" "back"
		;;
	held)
		msg_send "$A" "held $(nsw_get store.lent_pages)"
		;;
	die)
		# Gone for good, without a word: no rmmod, no RESET, no FIN.
		log "dying with $(nsw_get store.lent_pages) pages of a's"
		echo "NETSWAP-RESULT: PASS"
		# Let the acknowledgement of "die" and its FIN leave first: a's
		# nc waits for the FIN, and nothing answers a dead VM.
		sleep 2
		host_kill
		;;
	*)
		fail "unexpected message '$m'"
		;;
	esac
done
