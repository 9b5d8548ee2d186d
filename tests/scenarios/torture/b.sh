#!/bin/sh
# torture, VM b: the store (lends 768 MiB). Puts netem on its link when a
# asks ("lossy"), and checks that nothing of a stays here once a unloaded.
. /lib/netswap/guest-lib.sh
. /scenario/lossy.sh

A=$(vm_ip a)

net_monitor_start
run modprobe netswap lend_mb=768
assert_eq "$(nsw_get store.lent_pages)" 0 "store lent_pages at start"
wait_for_ping "$A" 60
msg_send "$A" "ready"

LOSSY=0
while :; do
	m=$(msg_recv 1700) || exit 1
	case $m in
	lossy)
		lossy_on
		LOSSY=1
		msg_send "$A" "lossy on"
		;;
	unloaded) break ;;
	*) fail "unexpected message from a: '$m'" ;;
	esac
done

# a unloaded netswap: nothing of it may stay here.
nsw_show
log "a's pages here: held_pages $(nsw_peer_get "$A" held_pages /tmp/show.json)" \
	"rx_store_pages $(nsw_peer_get "$A" rx_store_pages /tmp/show.json)" \
	"rx_load_pages $(nsw_peer_get "$A" rx_load_pages /tmp/show.json)" \
	"rx_free_pages $(nsw_peer_get "$A" rx_free_pages /tmp/show.json)" \
	"rx_full_pages $(nsw_peer_get "$A" rx_full_pages /tmp/show.json)"
assert_gt "$(nsw_peer_get "$A" rx_store_pages /tmp/show.json)" 0 "stores received from a"
if ! (store_drains 30); then
	nsw_show
	msg_send "$A" "FAIL b still holds $(nsw_get store.lent_pages) pages after a unloaded"
	fail "store lent_pages is $(nsw_get store.lent_pages) 30 s after a unloaded"
fi
nsw_show
net_monitor_stop
if [ $LOSSY = 1 ]; then
	lossy_check
	lossy_off
fi
msg_send "$A" "OK"
run rmmod netswap
log "torture b: all checks passed"
