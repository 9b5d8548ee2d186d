#!/bin/sh
# blockio, VM b: a store that lends only 40 MiB (10240 pages), then
# 64 MiB.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)

run modprobe netswap lend_mb=64
run "$CTL" quota set lend 40M
wait_for_ping "$A" 60
msg_send "$A" "ready"

# a fills the quota; then we must have refused stores, and hold exactly
# the quota.
msg_expect filled 400
nsw_show
assert_gt "$(nsw_peer_get "$A" rx_full_pages /tmp/show.json)" 0 "stores refused for quota"
assert_eq "$(nsw_get store.lent_pages /tmp/show.json)" 10240 "store lent_pages when full"
assert_eq "$(nsw_peer_get "$A" held_pages /tmp/show.json)" 10240 "pages held for a when full"
# Room again, without a page freed: a must find out from our PONGs.
run "$CTL" quota set lend 64M
msg_send "$A" "checked"

# a discards everything and unloads: nothing may stay behind here.
msg_expect unloaded 200
store_drains 20
nsw_show
run rmmod netswap
log "blockio b: all checks passed"
