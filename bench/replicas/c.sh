#!/bin/sh
# bench, replicas run, VM c: the second store. Lends RAM to netswap as b
# does; when a asks (bench/scenario/a.sh, "a store drains"), it drains
# with netswapctl drain and answers how many MiB it held and how long
# the drain took.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)

run modprobe netswap lend_mb=384
wait_for_ping "$A" 60
msg_send "$A" "ready"

m=$(msg_recv 2300) || exit 1
if [ "$m" = drain ]; then
	nsw_show
	pages=$(nsw_get store.lent_pages)
	t0=$(tr -d . </proc/uptime | cut -d' ' -f1)
	run "$CTL" drain
	cs=$(($(tr -d . </proc/uptime | cut -d' ' -f1) - t0))
	assert_eq "$(nsw_get store.lent_pages)" 0 "lent_pages after the drain"
	msg_send "$A" "drained mib $(echo "$pages" | awk '{ printf "%.1f", $1 / 256 }') s $(echo "$cs" | awk '{ printf "%.2f", $1 / 100 }')"
	m=$(msg_recv 600) || exit 1
fi
[ "$m" = "done" ] || fail "expected 'done', got '$m'"

nsw_show
store_drains 60
run rmmod netswap
log "bench c: done"
