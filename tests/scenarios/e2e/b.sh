#!/bin/sh
# e2e, VM b: the store. Lends 768 MiB of RAM and cross-checks a's counters.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)

run modprobe netswap lend_mb=768
nsw_show
assert_eq "$(nsw_get store.lend_limit_bytes)" $((768 << 20)) "store lend_limit_bytes"
assert_eq "$(nsw_get store.lent_pages)" 0 "store lent_pages at start"
wait_for_ping "$A" 60
msg_send "$A" "ready"

# a sends "counters round N placed P stores S" after its workload; we
# compare with what we hold and answer OK or MISMATCH; a then says whether
# the round counts ("verdict OK" / "verdict FAIL") or must be redone
# because its counters moved meanwhile ("verdict RETRY").
first=1700
while :; do
	m=$(msg_recv $first) || exit 1
	first=120
	placed=$(msg_field placed "$m")
	stores=$(msg_field stores "$m")
	if [ -z "$placed" ] || [ -z "$stores" ]; then
		fail "bad counters message from a: '$m'"
	fi
	nsw_show >/dev/null
	held=$(nsw_peer_get "$A" held_pages /tmp/show.json)
	rx_stores=$(nsw_peer_get "$A" rx_store_pages /tmp/show.json)
	used=$(nsw_get store.lent_pages /tmp/show.json)
	log "a says placed $placed stores $stores; b has held_pages $held rx_store_pages $rx_stores lent_pages $used"
	if [ "$held" = "$placed" ] && [ "$rx_stores" = "$stores" ] && [ "$used" = "$held" ]; then
		msg_send "$A" "OK"
	else
		msg_send "$A" "MISMATCH b has held_pages '$held' rx_store_pages '$rx_stores' lent_pages '$used'; a has placed $placed stores $stores"
	fi
	v=$(msg_recv 120) || exit 1
	case "$v" in
	"verdict OK") break ;;
	"verdict RETRY") continue ;;
	*)
		cat /tmp/show.json
		fail "counters disagree: held_pages '$held' vs placed_pages $placed, rx_store_pages '$rx_stores' vs tx_store_pages $stores, lent_pages '$used'"
		;;
	esac
done
cat /tmp/show.json

# After a's swapoff + blkdiscard every page of a must be gone from here.
msg_expect discarded 300
i=0
while :; do
	held=$(nsw_peer_get "$A" held_pages)
	used=$(nsw_get store.lent_pages)
	[ "$held" = 0 ] && [ "$used" = 0 ] && break
	i=$((i + 1))
	if [ $i -ge 20 ]; then
		nsw_show
		msg_send "$A" "FAIL b still holds $held pages of a (lent_pages $used) after 20s"
		fail "held for a is '$held', lent_pages '$used', 20s after discard"
	fi
	sleep 1
done
nsw_show
msg_send "$A" "OK"

msg_expect "done" 300
run rmmod netswap
log "e2e b: all checks passed"
