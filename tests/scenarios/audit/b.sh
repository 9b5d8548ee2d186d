#!/bin/sh
# audit, VM b: the store; drops its own datagrams when a asks it to.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)

run modprobe netswap lend_mb=64
msg_send "$A" ready

while :; do
	m=$(msg_recv 500) || exit 1
	case "$m" in
	drop\ *)
		secs=${m#drop }
		# Let the acknowledgement of the message leave first.
		sleep 1
		log "dropping every datagram sent for ${secs}s"
		run "$TC" qdisc add dev eth0 root netem loss 100%
		sleep "$secs"
		run "$TC" qdisc del dev eth0 root
		log "sending again, holding $(nsw_peer_get "$A" held_pages) pages of a's"
		msg_send "$A" back
		;;
	held)
		msg_send "$A" "held $(nsw_peer_get "$A" held_pages)"
		;;
	done)
		break
		;;
	*)
		fail "unexpected message '$m'"
		;;
	esac
done

# a unloaded: its RESET freed everything it had here.
store_drains 20
nsw_show
run rmmod netswap
log "audit b: all checks passed"
