#!/bin/sh
# drain, VM b: the store that asks for its pages back.
. /lib/netswap/guest-lib.sh

A=$(vm_ip a)
ALL=18446744073709551615	# NSW_GIVE_BACK_ALL as netswapctl prints it

# store_is KEY VALUE: this store's KEY is VALUE.
store_is() {
	[ "$(nsw_get "store.$1")" = "$2" ]
}

run modprobe netswap lend_mb=64
wait_for_ping "$A" 60
msg_send "$A" ready

msg_expect written 300
nsw_show
assert_eq "$(nsw_peer_get "$A" held_pages /tmp/show.json)" 8192 "pages held for a"
assert_eq "$(nsw_get store.give_back_pages /tmp/show.json)" 0 "give_back_pages before any ask"
assert_eq "$(nsw_get store.draining /tmp/show.json)" 0 "draining before the drain"
dmesg | grep -q "netswap: holding pages for peers: unloading refused" ||
	fail "no dmesg line for the module reference the held pages take"

# 1. The lend quota lowered to a tenth of what is held: 819 pages. The
# whole excess, 8192 - 819, is a's, the only client.
run "$CTL" quota set lend 3276K
poll_until 5 "store give_back_pages = 7373" store_is give_back_pages 7373
msg_send "$A" "quota 7373"
msg_expect "quota checked" 120
nsw_show
assert_gt "$(nsw_peer_get "$A" rx_full_pages /tmp/show.json)" 0 "new pages refused over the quota"
assert_eq "$(nsw_peer_get "$A" held_pages /tmp/show.json)" 8192 "held for a: the overwrite took no new page"
run "$CTL" quota set lend 64M
poll_until 5 "store give_back_pages = 0 with the quota back" store_is give_back_pages 0
msg_send "$A" "quota restored"
msg_expect "restored checked" 120

# 2. a's own lend limit, 16 MiB: it is asked for the 4096 pages above it.
run "$CTL" peer set "$A" lend 16M
poll_until 5 "store give_back_pages = 4096" store_is give_back_pages 4096
run "$CTL" peer set "$A" lend 0
poll_until 5 "store give_back_pages = 0 without a's limit" store_is give_back_pages 0

# 3. Memory pressure: drop_caches runs the shrinkers, ours asks for a
# batch of pages (128) back and frees nothing; the ask lapses in 10 s
# since nothing meets it.
echo 2 >/proc/sys/vm/drop_caches
n=$(nsw_num nsw_get store.give_back_pages)
assert_gt "$n" 0 "store give_back_pages after drop_caches (the shrinker)"
dmesg | grep -q "netswap: memory is short here: asking clients for [0-9]* pages back" ||
	fail "no dmesg line for the shrinker's ask"
assert_eq "$(nsw_get store.lent_pages)" 8192 "lent_pages: the shrinker frees nothing itself"
msg_send "$A" "shrink $n"
poll_until 20 "the shrinker's ask lapses" store_is give_back_pages 0
msg_expect "shrink checked" 120

# 4. Plain rmmod of a store holding pages is refused.
if rmmod netswap 2>/tmp/rmmod.err; then
	fail "rmmod succeeded while holding a's pages"
fi
# kmod says "in use", busybox the EAGAIN the kernel returns.
grep -q "in use\|Resource temporarily unavailable" /tmp/rmmod.err ||
	fail "rmmod: $(cat /tmp/rmmod.err)"
log "check ok: rmmod refused: $(cat /tmp/rmmod.err)"

# 5. A drain: every page asked back, none taken. a has nowhere else to
# put them, so after --timeout without progress it fails naming a.
t0=$(uptime_s)
if "$CTL" drain --timeout 5 >/tmp/drain.out 2>/tmp/drain.err; then
	fail "drain succeeded while a's pages had nowhere to go"
fi
t1=$(uptime_s)
cat /tmp/drain.out /tmp/drain.err
[ $((t1 - t0)) -ge 5 ] && [ $((t1 - t0)) -le 15 ] ||
	fail "drain --timeout 5 took $((t1 - t0)) s"
[ "$(grep -c '^lent_pages 8192, client' /tmp/drain.out)" -ge 4 ] ||
	fail "drain printed no progress each second"
grep -q "no progress for 5 s.*client $A:7878 held_pages 8192" /tmp/drain.err ||
	fail "drain's failure does not name a and its 8192 pages"
log "check ok: drain failed after $((t1 - t0)) s naming a: $(head -1 /tmp/drain.err)"
nsw_show
assert_eq "$(nsw_get store.draining /tmp/show.json)" 1 "draining after the failed drain"
assert_eq "$(nsw_get store.give_back_pages /tmp/show.json)" 8192 "give_back_pages while draining"
dmesg | grep -q "netswap: draining: taking no new pages" || fail "no dmesg line for the drain"
msg_send "$A" draining
msg_expect "draining checked" 120
run "$CTL" drain --cancel
assert_eq "$(nsw_get store.draining)" 0 "draining after drain --cancel"
msg_send "$A" "drain cancelled"

# a frees everything and unloads: the module reference goes with the
# last page.
msg_expect unloaded 300
store_drains 20
dmesg | grep -q "netswap: holding no pages for peers: may be unloaded" ||
	fail "no dmesg line for the module reference dropped"
run rmmod netswap
log "drain b: all checks passed"
