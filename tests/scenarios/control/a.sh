#!/bin/sh
# control, VM a: netswapctl's commands, errors, JSON and config file, and
# netswap.service's scripts. b is the store.
. /lib/netswap/guest-lib.sh
. /scenario/lib.sh

B=$(vm_ip b)
PB="$B:7878"
CONF=/etc/netswap.conf
grep -q '^nobody:' /etc/passwd ||
	echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
as_nobody() {
	su -s /bin/sh nobody -c "$*"
}

# ---- without the module -------------------------------------------------
for h in help -h --help; do
	"$CTL" $h >/tmp/help.txt || fail "netswapctl $h failed"
	for w in show stats "peer add" "peer set" "peer del" "peer show" \
		"quota set lend" "quota set peer" "quota show" drain "--cancel" monitor \
		setconf showconf add-peer del-peer help place lend -j; do
		grep -qF -- "$w" /tmp/help.txt || fail "netswapctl $h does not mention '$w'"
	done
done
log "check ok: help, -h, --help name every command"
expect_err 'netswap module not loaded (generic netlink family "netswap" not found)' "$CTL" show
expect_err "module not loaded" "$CTL" showconf
expect_err "unknown command 'frobnicate'" "$CTL" frobnicate
expect_err "unknown option '-x'" "$CTL" -x show
expect_err "missing command" "$CTL"
expect_err "invalid address '169.254.0'" "$CTL" peer add 169.254.0
expect_err "invalid address 'fd00::2:7878:99999'" "$CTL" peer add fd00::2:7878:99999
expect_err "invalid address '[fd00::2]:0'" "$CTL" peer del "[fd00::2]:0"
expect_err "invalid size '12X'" "$CTL" peer add "$B" place 12X
expect_err "invalid size '99999999999999999999G'" "$CTL" quota set lend 99999999999999999999G
expect_err "unknown keyword 'frob'" "$CTL" peer set "$B" frob 1M
expect_err "unknown keyword 'frob' (expected force)" "$CTL" peer del "$B" frob
expect_err "unexpected argument 'x'" "$CTL" del-peer "$B" force x
expect_err "missing SIZE after 'lend'" "$CTL" quota set lend
expect_err "unknown keyword 'bogus'" "$CTL" quota set bogus 1M
expect_err "unknown peer command 'frob'" "$CTL" peer frob
expect_err "unknown quota command 'frob'" "$CTL" quota frob
expect_err "nothing to set" "$CTL" peer set "$B"
expect_err "showconf has no JSON output" "$CTL" -j showconf

# ---- netswap.service: netswap-start ----------------------------------------
cat >$CONF <<EOT
# netswap.conf of the control scenario
[Netswap]
DeviceSize = 64M	# /dev/netswap0
ListenPort = 7878
Lend = 8M
Replicas = 1
LendReserve = 10%
SwapPriority = 7

[Peer]
Endpoint = $PB	# b
EOT
msg_expect ready 120
run sysctl -w vm.min_free_kbytes=16384
# A bad value is refused before anything is loaded.
sed 's/^LendReserve = 10%$/LendReserve = 010/' $CONF >/tmp/e11.conf
expect_err "/tmp/e11.conf: invalid LendReserve 010" \
	/usr/libexec/netswap/netswap-start /tmp/e11.conf
if [ -d /sys/module/netswap ]; then
	fail "netswap-start loaded netswap with LendReserve = 010"
fi
env SWAPON=/usr/sbin/swapon /usr/libexec/netswap/netswap-start $CONF \
	>/tmp/start.out 2>&1 || { cat /tmp/start.out; fail "netswap-start failed"; }
cat /tmp/start.out
[ -d /sys/module/netswap ] || fail "netswap-start did not load netswap"
# Loaded with them, not only set by setconf afterwards.
for _p in replicas=1 lend_reserve_pct=10; do
	grep -q "^netswap-start: .* $_p\( \|$\)" /tmp/start.out ||
		fail "netswap-start did not load netswap with $_p"
done
assert_eq "$(cat /sys/module/netswap/parameters/size_mb)" 64 "size_mb from DeviceSize"
assert_eq "$(cat /sys/module/netswap/parameters/lend_mb)" 8 "lend_mb from Lend"
assert_eq "$(cat /sys/module/netswap/parameters/port)" 7878 "port from ListenPort"
assert_eq "$(cat /sys/module/netswap/parameters/replicas)" 1 "replicas from Replicas"
assert_eq "$(cat /sys/module/netswap/parameters/lend_reserve_pct)" 10 \
	"lend_reserve_pct from LendReserve"
cat /proc/swaps
assert_eq "$(awk '$1 == "/dev/netswap0" { print $5 }' /proc/swaps)" 7 \
	"priority of /dev/netswap0 in /proc/swaps"
expect_err "netswap is loaded already" /usr/libexec/netswap/netswap-start $CONF

# ---- show, stats, peer show: text and JSON ---------------------------------
nsw_show
"$CTL" show >/tmp/show.txt || fail "netswapctl show failed"
cat /tmp/show.txt
assert_eq "$(nsw_get device.size_bytes /tmp/show.json)" $((64 << 20)) "show: device size_bytes"
assert_eq "$(nsw_get store.lend_limit_bytes /tmp/show.json)" $((8 << 20)) "show: store lend_limit_bytes"
[ -n "$(nsw_peer_get "$B" placed_pages /tmp/show.json)" ] || fail "show: no peer $PB"
grep -q '^rx_dropped short [0-9]* magic [0-9]* ' /tmp/show.txt || fail "show: no rx_dropped line"
peer_up() {
	[ "$(nsw_peer_get "$B" state)" = up ]
}
poll_until 20 "b is up" peer_up

# The JSON of show, stats and peer show agree, their text says the same,
# and the device's figures are sysfs's, in one moment: no keepalives
# meanwhile (they move rtt_us and the byte counters).
PKEYS="placed_pages tx_store_pages tx_load_pages tx_free_pages failed_requests retransmitted_requests checksum_error_pages reclaimed_pages held_pages rx_store_pages rx_load_pages rx_free_pages rx_full_pages tx_bytes rx_bytes"
# jq_list KEYS: the jq filter printing those keys on one line.
jq_list() {
	echo "[$(echo "$1" | sed -e 's/\([a-z_.]\{1,\}\)/.\1/g' -e 's/ /,/g')] | map(tostring) | join(\" \")"
}
# device_is_sysfs FILE: show -j in FILE has every device figure, each of
# them the same as the file of its name in /sys/block/netswap0.
device_is_sysfs() {
	_keys=$(jq -r '.device | keys[]' "$1")
	for _k in name state size_bytes mapped_pages openers read_pages \
		written_pages discarded_pages failed_requests readahead_loaded_pages \
		readahead_hit_pages readahead_unused_pages; do
		echo "$_keys" | grep -qx "$_k" || fail "show -j: no device.$_k"
	done
	for _k in $_keys; do
		same "device.$_k = /sys/block/netswap0/$_k" \
			"$(jq -r ".device.$_k" "$1")" \
			"$(cat "/sys/block/netswap0/$_k" 2>&1)" || return 1
	done
}
# same WHAT A B: A = B, and no figure is missing (null) in A.
same() {
	case "$2" in
	*null*) log "$1: a figure is missing in '$2'"; return 1 ;;
	esac
	[ "$2" = "$3" ] && return 0
	log "$1: '$2' != '$3'"
	return 1
}
# text_and_json NAME ARGS...: netswapctl ARGS as text in /tmp/NAME.txt and
# as JSON in /tmp/NAME.json.
text_and_json() {
	_n=$1
	shift
	json "$@"
	cp /tmp/j.json "/tmp/$_n.json"
	"$CTL" "$@" >"/tmp/$_n.txt" || fail "netswapctl $* failed"
}
figures_agree() {
	text_and_json show show
	text_and_json stats stats
	text_and_json peers peer show
	text_is_json show /tmp/show.txt /tmp/show.json || return 1
	text_is_json stats /tmp/stats.txt /tmp/stats.json || return 1
	text_is_json "peer show" /tmp/peers.txt /tmp/peers.json || return 1
	_sel=".peers[] | select(.address == \"$B\" and .port == 7878)"
	_all="$PKEYS rtt_us page_datagrams cwnd_pages state place_limit_bytes lend_limit_bytes"
	_show=$(jq -r "$_sel | $(jq_list "$_all")" /tmp/show.json)
	same "peer show -j = show -j" \
		"$(jq -r ".[] | select(.address == \"$B\") | $(jq_list "$_all")" /tmp/peers.json)" \
		"$_show" || return 1
	same "stats -j = show -j" "$(jq -r "$_sel | $(jq_list "$PKEYS")" /tmp/stats.json)" \
		"$(jq -r "$_sel | $(jq_list "$PKEYS")" /tmp/show.json)" || return 1
	device_is_sysfs /tmp/show.json || return 1
}
echo 60000 >/sys/module/netswap/parameters/keepalive_ms
sleep 2
poll_until 10 "show/stats/peer show: JSON agree, = text, = sysfs" figures_agree
cat /tmp/show.txt /tmp/stats.txt
echo 1000 >/sys/module/netswap/parameters/keepalive_ms
jq . /tmp/show.json

# Writable parameters refuse values out of their range and keep theirs.
param_refused() {
	_f=/sys/module/netswap/parameters/$1
	_old=$(cat "$_f")
	if (echo "$2" >"$_f") 2>/dev/null; then
		fail "$1=$2 was accepted (now $(cat "$_f"))"
	fi
	assert_eq "$(cat "$_f")" "$_old" "$1 after refusing $2"
}
param_refused io_timeout_ms 0
param_refused io_timeout_ms 99
param_refused keepalive_ms 0
param_refused peer_timeout_ms 0
param_refused readahead_pages 33
param_refused io_timeout_ms 1x
run sh -c 'echo 20000 >/sys/module/netswap/parameters/io_timeout_ms'
assert_eq "$(cat /sys/module/netswap/parameters/io_timeout_ms)" 20000 "io_timeout_ms set to 20000"
run sh -c 'echo 30000 >/sys/module/netswap/parameters/io_timeout_ms'
log "check ok: writable parameters refuse values out of range"
assert_str "$(jq -r .device.name /tmp/show.json)" netswap0 "show -j: device name"
assert_eq "$(jq -r .device.size_bytes /tmp/show.json)" $((64 << 20)) "show -j: device size_bytes"
assert_eq "$(jq -r .store.port /tmp/show.json)" 7878 "show -j: store port"
assert_eq "$(jq -r .store.lend_limit_bytes /tmp/show.json)" $((8 << 20)) "show -j: lend_limit_bytes"
assert_eq "$(jq -r '.rx_dropped.magic' /tmp/show.json)" 0 "show -j: rx_dropped magic"
assert_str "$(jq -c ".peers[0].flags" /tmp/show.json)" '["configured"]' "show -j: flags"
assert_eq "$(jq length /tmp/peers.json)" 1 "peer show -j: peers"
assert_eq "$(jq '.peers | length' /tmp/stats.json)" 1 "stats -j: peers"
assert_gt "$(jq -r .peers[0].tx_store_pages /tmp/stats.json)" 0 "stats -j: tx_store_pages (mkswap)"
"$CTL" peer >/tmp/peer.txt || fail "bare 'peer' failed"
# What an operator reads first: a record's first line.
grep -q "^peer $PB state up placed_pages [0-9]* degraded_pages [0-9]* held_pages [0-9]*$" /tmp/peer.txt ||
	{ cat /tmp/peer.txt; fail "peer: no first line 'state placed_pages degraded_pages held_pages' for $PB"; }
grep -q "^    flags configured rtt_us " /tmp/peer.txt || fail "peer: no line 'flags configured rtt_us ...'"
grep -q "^device netswap0 state open size_bytes $((64 << 20)) replicas 1 mapped_pages [0-9]* degraded_pages [0-9]* copied_pages [0-9]* dropped_pages [0-9]*$" /tmp/show.txt ||
	fail "show: no first line 'state size_bytes replicas mapped_pages degraded_pages copied_pages dropped_pages' of the device"

# ---- peers: add, del, aliases, IPv6, errors ----------------------------------
# b over IPv6 (live: adding a silent peer waits ~6 s for its answer).
# peer_listed ADDR: whether peer show -j lists ADDR, port 7878.
peer_listed() {
	"$CTL" -j peer show |
		jq -e --arg a "$1" '.[] | select(.address == $a and .port == 7878)' >/dev/null
}
run "$CTL" peer add "[fd00::2]:7878"
peer_listed fd00::2 || fail "peer show -j: no [fd00::2]:7878"
"$CTL" show | grep -q '^peer \[fd00::2\]:7878 ' || fail "show: no peer [fd00::2]:7878"
json peer show
assert_str "$(jv '.[] | select(.address | contains(":")) | .address')" fd00::2 \
	"peer show -j: IPv6 address"
expect_err "peer [fd00::2]:7878 exists already" "$CTL" peer add "[fd00::2]:7878"
expect_err "peer $B exists already" "$CTL" add-peer "$B"
run "$CTL" peer del "[fd00::2]:7878"
! peer_listed fd00::2 || fail "[fd00::2]:7878 still listed"
run "$CTL" add-peer fd00::2
peer_listed fd00::2 || fail "add-peer fd00::2: no [fd00::2]:7878"
run "$CTL" del-peer fd00::2
! peer_listed fd00::2 || fail "del-peer fd00::2: still there"
expect_err "unknown peer 169.254.0.9" "$CTL" peer del 169.254.0.9
expect_err "unknown peer 169.254.0.9:7000" "$CTL" del-peer 169.254.0.9:7000
expect_err "unknown peer 169.254.0.9" "$CTL" peer del 169.254.0.9 force
expect_err "cannot delete peer $B" "$CTL" peer del "$B"
peer_listed "$B" || fail "b was deleted while it holds our pages"

# Not root: reading is fine, changing is not.
as_nobody "$CTL show" >/dev/null || fail "show as nobody failed"
as_nobody "$CTL -j stats" | jq -e .peers >/dev/null || fail "stats -j as nobody failed"
for c in "peer add 169.254.0.9" "peer del $B" "add-peer 169.254.0.9" \
	"peer set $B place 1M" "quota set lend 1M" "quota set peer $B lend 1M"; do
	expect_err "netswapctl: not permitted (needs CAP_NET_ADMIN)" as_nobody "$CTL $c"
done

# ---- showconf, setconf -------------------------------------------------
"$CTL" showconf >/tmp/c1.conf || fail "showconf failed"
cat /tmp/c1.conf
conf_norm $CONF >/tmp/want.conf
conf_norm /tmp/c1.conf >/tmp/got.conf
cmp /tmp/want.conf /tmp/got.conf || fail "showconf differs from $CONF"
log "check ok: showconf = $CONF but for comments"
# setconf(showconf) changes nothing: not even a request that logs.
n0=$(dmesg | grep -c -E 'netswap: peer .* (added|deleted)')
assert_gt "$n0" 4 "peers added and deleted so far, in dmesg"
run "$CTL" setconf /tmp/c1.conf
"$CTL" showconf >/tmp/c2.conf || fail "showconf failed"
cmp /tmp/c1.conf /tmp/c2.conf || fail "setconf(showconf) changed showconf"
assert_eq "$(dmesg | grep -c -E 'netswap: peer .* (added|deleted)')" "$n0" \
	"peers added or deleted by setconf(showconf)"
as_nobody "$CTL setconf /tmp/c1.conf" || fail "a no-op setconf as nobody failed"
# Configured peers not in the file go; those in it come.
run "$CTL" add-peer "[fd00::2]"
cp /tmp/c1.conf /tmp/c3.conf
printf '\n[Peer]\nEndpoint = fd00::7\n' >>/tmp/c3.conf
expect_err "netswapctl: /tmp/c3.conf:12: not permitted (needs CAP_NET_ADMIN)" as_nobody "$CTL setconf /tmp/c3.conf"
run "$CTL" setconf /tmp/c3.conf
! peer_listed fd00::2 || fail "setconf kept [fd00::2], not in the file"
peer_listed fd00::7 || fail "setconf did not add fd00::7"
peer_listed "$B" || fail "setconf removed b"
run "$CTL" setconf $CONF
! peer_listed fd00::7 || fail "setconf $CONF kept fd00::7"
"$CTL" showconf >/tmp/c4.conf
cmp /tmp/c1.conf /tmp/c4.conf || fail "showconf after setconf $CONF differs"
# Errors name the file and the line.
printf '[Netswap]\nListenPort = 7878\nDeviceSize = 128M\n' >/tmp/e1.conf
expect_err "/tmp/e1.conf:3: DeviceSize 128M differs from the loaded module's 64M" \
	"$CTL" setconf /tmp/e1.conf
printf '[Netswap]\n\n# port\nListenPort = 7000\n' >/tmp/e2.conf
expect_err "/tmp/e2.conf:4: ListenPort 7000 differs from the loaded module's 7878" \
	"$CTL" setconf /tmp/e2.conf
printf '[Peer]\nEndpoint = %s\n[Peer]\nEndpoint = 169.254.0\n' "$PB" >/tmp/e3.conf
expect_err "/tmp/e3.conf:4: invalid Endpoint '169.254.0'" "$CTL" setconf /tmp/e3.conf
printf '[Peer]\nEndpoint = %s\n[Peer]\nEndpoint = %s\n' "$B" "$PB" >/tmp/e4.conf
expect_err "/tmp/e4.conf:3: the same Endpoint as the [Peer] of line 1" "$CTL" setconf /tmp/e4.conf
printf '[Netswap]\nSwapPrio = 3\n' >/tmp/e5.conf
expect_err "/tmp/e5.conf:2: unknown key 'SwapPrio'" "$CTL" setconf /tmp/e5.conf
printf '[Peer]\nPlace = 1M\n' >/tmp/e6.conf
expect_err "/tmp/e6.conf:1: [Peer] without Endpoint" "$CTL" setconf /tmp/e6.conf
printf '[Netswap]\nLend = lots\n' >/tmp/e7.conf
expect_err "/tmp/e7.conf:2: invalid size 'lots' for Lend" "$CTL" setconf /tmp/e7.conf
expect_err "cannot open /tmp/nonexistent.conf" "$CTL" setconf /tmp/nonexistent.conf
# conf_param KEY LINE FROM TO PARAM SHOWN: "KEY = FROM", line LINE of
# /tmp/c1.conf, made "KEY = TO": refused for nobody, then set by root in
# the module parameter PARAM, and shown by showconf as "KEY = SHOWN".
conf_param() {
	sed "s/^$1 = $3\$/$1 = $4/" /tmp/c1.conf >/tmp/c-$1.conf
	expect_err "/tmp/c-$1.conf:$2: cannot set $1: permission denied" \
		as_nobody "$CTL setconf /tmp/c-$1.conf"
	run "$CTL" setconf /tmp/c-$1.conf
	assert_eq "$(cat /sys/module/netswap/parameters/$5)" "${4%\%}" \
		"$5 after setconf $1 = $4"
	"$CTL" showconf | grep -qx "$1 = $6" || fail "showconf: no '$1 = $6'"
}
# Replicas: the module parameter, set at run time, by root only.
printf '[Netswap]\nReplicas = 4\n' >/tmp/e9.conf
expect_err "/tmp/e9.conf:2: invalid Replicas '4' (1 to 3)" "$CTL" setconf /tmp/e9.conf
conf_param Replicas 5 1 3 replicas 3
run "$CTL" setconf $CONF
assert_eq "$(cat /sys/module/netswap/parameters/replicas)" 1 "replicas after setconf $CONF"
# LendReserve: the module parameter lend_reserve_pct, the same way; the
# file may leave out its %, and a file without it leaves it as it is.
RESERVE=/sys/module/netswap/parameters/lend_reserve_pct
printf '[Netswap]\nLendReserve = 51%%\n' >/tmp/e10.conf
expect_err "/tmp/e10.conf:2: invalid LendReserve '51%' (0% to 50% of RAM)" \
	"$CTL" setconf /tmp/e10.conf
printf '[Netswap]\nLendReserve = 012\n' >/tmp/e12.conf
expect_err "/tmp/e12.conf:2: invalid LendReserve '012'" "$CTL" setconf /tmp/e12.conf
conf_param LendReserve 6 10% 20 lend_reserve_pct 20%
sed '/^LendReserve/d' /tmp/c1.conf >/tmp/c10.conf
run "$CTL" setconf /tmp/c10.conf
assert_eq "$(cat $RESERVE)" 20 "lend_reserve_pct after setconf without LendReserve"
conf_param LendReserve 6 10% 0 lend_reserve_pct 0%
run "$CTL" setconf $CONF
assert_eq "$(cat $RESERVE)" 10 "lend_reserve_pct after setconf $CONF"
# b holds our swap header: a file without b cannot be applied.
printf '[Netswap]\nDeviceSize = 64M\n' >/tmp/e8.conf
expect_err "/tmp/e8.conf: cannot delete peer $PB (not in the file)" "$CTL" setconf /tmp/e8.conf
peer_listed "$B" || fail "setconf deleted b, which holds our pages"

# ---- netswap.service: netswap-stop -----------------------------------------
run /usr/libexec/netswap/netswap-stop
grep -q '^/dev/netswap0 ' /proc/swaps && fail "netswap-stop left swap on"
[ ! -d /sys/module/netswap ] || fail "netswap-stop left netswap loaded"
run /usr/libexec/netswap/netswap-stop
expect_err "module not loaded" "$CTL" peer show
msg_send "$B" "unit-done"
log "control a: the commands without the module's issue-4 side passed"

# ---- limits and quotas (PEER_SET, STORE_SET, PEER_GET doit) ---------------
run modprobe netswap size_mb=16 lend_mb=8
run "$CTL" peer add "$B" place 1M
json peer show "$B"
assert_str "$(jv .address)" "$B" "peer show -j ADDR: address"
assert_eq "$(jv .place_limit_bytes)" 1048576 "peer show -j: place_limit_bytes from peer add"
assert_eq "$(jv .lend_limit_bytes)" 0 "peer show -j: lend_limit_bytes"
run "$CTL" quota set peer "$B" lend 2M
run "$CTL" peer set "$B" place 512K
json quota show
assert_eq "$(jv ".peers[] | select(.address == \"$B\") | .place_limit_bytes")" 524288 "quota show -j: place_limit_bytes"
assert_eq "$(jv ".peers[] | select(.address == \"$B\") | .lend_limit_bytes")" 2097152 "quota show -j: lend_limit_bytes"
assert_eq "$(jv .store.lend_limit_bytes)" $((8 << 20)) "quota show -j: store lend_limit_bytes = lend_mb"
run "$CTL" quota set lend 4M
json quota show
assert_eq "$(jv .store.lend_limit_bytes)" $((4 << 20)) "quota show -j: lend_limit_bytes after quota set lend"
"$CTL" quota show >/tmp/quota.txt || fail "quota show failed"
cat /tmp/quota.txt
text_is_json "quota show" /tmp/quota.txt /tmp/j.json || fail "quota show: text != JSON"
expect_err "cannot set the lend quota" "$CTL" quota set lend 1G
expect_err "unknown peer 169.254.0.9" "$CTL" peer show 169.254.0.9
expect_err "unknown peer 169.254.0.9" "$CTL" peer set 169.254.0.9 place 1M
expect_err "unknown peer 169.254.0.9" "$CTL" quota set peer 169.254.0.9 lend 1M
"$CTL" showconf >/tmp/c5.conf
grep -qx 'Place = 512K' /tmp/c5.conf && grep -qx 'Lend = 2M' /tmp/c5.conf &&
	grep -qx 'Lend = 4M' /tmp/c5.conf || { cat /tmp/c5.conf; fail "showconf lacks the limits"; }
run "$CTL" setconf /tmp/c5.conf
"$CTL" showconf >/tmp/c6.conf
cmp /tmp/c5.conf /tmp/c6.conf || fail "setconf(showconf) with limits changed showconf"
printf '[Netswap]\nLend = 6M\n[Peer]\nEndpoint = %s\nLend = 3M\n' "$B" >/tmp/c7.conf
run "$CTL" setconf /tmp/c7.conf
json quota show
assert_eq "$(jv .store.lend_limit_bytes)" $((6 << 20)) "setconf: Lend"
assert_eq "$(jv .peers[0].place_limit_bytes)" 0 "setconf: Place absent = 0"
assert_eq "$(jv .peers[0].lend_limit_bytes)" $((3 << 20)) "setconf: peer Lend"

# ---- a silent peer's add stalls no other request ---------------------------
# peer add waits seconds for the RESET of a peer that never answers;
# meanwhile other requests, reads and changes, are answered at once.
"$CTL" peer add 169.254.0.8 >/tmp/add8.out 2>&1 &
add8=$!
sleep 1
kill -0 $add8 2>/dev/null || fail "peer add of a silent peer took under a second"
# ms CMD...: how long CMD took, in ms (10 ms steps), in $MS; it must
# succeed. busybox date has no %N: the clock is /proc/uptime.
uptime_ms() {
	awk '{ printf "%d", $1 * 1000 }' /proc/uptime
}
ms() {
	_t0=$(uptime_ms)
	"$@" >/dev/null || fail "$* failed"
	MS=$(($(uptime_ms) - _t0))
}
ms "$CTL" show
log "show took $MS ms while peer add 169.254.0.8 waits"
[ "$MS" -lt 1000 ] || fail "show took $MS ms while a peer add waited (want < 1000)"
ms "$CTL" peer set "$B" lend 3M
log "peer set took $MS ms while peer add 169.254.0.8 waits"
[ "$MS" -lt 1000 ] || fail "peer set took $MS ms while a peer add waited (want < 1000)"
kill -0 $add8 2>/dev/null || fail "peer add of a silent peer ended before the checks"
wait $add8 || { cat /tmp/add8.out; fail "peer add 169.254.0.8 failed"; }
run "$CTL" peer del 169.254.0.8

# ---- device state and counters ---------------------------------------------
json show
assert_str "$(jv .device.state)" idle "show -j: device state"
for k in read_pages written_pages discarded_pages failed_requests readahead_loaded_pages readahead_hit_pages readahead_unused_pages; do
	[ "$(jv ".device.$k")" != null ] || fail "show -j: no device.$k"
done
exec 3</dev/netswap0
json show
assert_str "$(jv .device.state)" open "show -j: device state while held"
exec 3<&-

# ---- monitor: events ---------------------------------------------------------
echo 3000 >/sys/module/netswap/parameters/peer_timeout_ms
"$CTL" monitor >/tmp/mon.txt 2>&1 &
mon_text=$!
events_start /tmp/mon.json
run "$CTL" peer add 169.254.0.9
down_event() {
	event_seen /tmp/mon.json '.event == "peer_state" and .address == "169.254.0.9" and .port == 7878 and .state == "down"'
}
poll_until 30 "a peer_state down event for 169.254.0.9" down_event
grep -qx "peer_state 169.254.0.9:7878 state down" /tmp/mon.txt ||
	{ cat /tmp/mon.txt; fail "monitor (text): no 'peer_state 169.254.0.9:7878 state down'"; }
kill -INT $mon_text
wait $mon_text || fail "monitor (text) did not end with 0 on SIGINT"
run "$CTL" peer del 169.254.0.9
echo 10000 >/sys/module/netswap/parameters/peer_timeout_ms

# Our place limit on b: 1 MiB of 2 written, the rest fails.
run "$CTL" peer set "$B" place 1M lend 0
dd if=/dev/urandom of=/tmp/data bs=1M count=2 2>/dev/null
if dd if=/tmp/data of=/dev/netswap0 bs=1M oflag=direct 2>/dev/null; then
	fail "2 MiB were written with a place limit of 1 MiB on the only peer"
fi
place_event() {
	event_seen /tmp/mon.json ".event == \"place_limit\" and .address == \"$B\""
}
poll_until 20 "a place_limit event for b" place_event
json stats
assert_gt "$(jv .device.failed_requests)" 0 "stats -j: device failed_requests"
# Requests in flight when the limit was reached may land too.
placed=$(jv .peers[0].placed_pages)
assert_gt "$placed" 255 "stats -j: placed_pages at the 1 MiB place limit"
[ "$placed" -le 384 ] || fail "placed $placed: far over the place limit (256)"
assert_eq "$(nsw_peer_get "$B" placed_pages)" "$placed" "show placed_pages = stats -j placed_pages"
run blkdiscard /dev/netswap0
none_placed() {
	[ "$(nsw_peer_get "$B" placed_pages)" = 0 ]
}
poll_until 20 "nothing placed after blkdiscard" none_placed
run "$CTL" peer set "$B" place 0

# b's total lend limit: b lends 1 MiB at most, b says when it is set.
msg_send "$B" "fill"
msg_expect lend-set 60
if dd if=/tmp/data of=/dev/netswap0 bs=1M oflag=direct 2>/dev/null; then
	fail "2 MiB were written to a store that lends 1 MiB"
fi
full_event() {
	event_seen /tmp/mon.json ".event == \"peer_full\" and .address == \"$B\""
}
poll_until 20 "a peer_full event for b" full_event
events_stop
cat /tmp/mon.json
msg_send "$B" "filled"
msg_expect checked 60

run blkdiscard /dev/netswap0
poll_until 20 "nothing placed after blkdiscard" none_placed
run "$CTL" peer del "$B"
run rmmod netswap
msg_send "$B" "done"
log "control a: all checks passed"
