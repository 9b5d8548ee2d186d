# shellcheck shell=sh
# torture: the lossy network both VMs put on their eth0 before any netswap
# traffic. Sourced by a.sh and b.sh after guest-lib.sh.

# reorder needs a delay: 25% of the packets go out at once, the others
# 5 ms +- 2 ms later.
NETEM="loss ${NSW_LOSS:-5}% reorder 25% duplicate 1% delay 5ms 2ms"

lossy_on() {
	run modprobe sch_netem
	# shellcheck disable=SC2086 # NETEM is a list of words
	run $TC qdisc add dev eth0 root netem $NETEM
	$TC qdisc show dev eth0 >/tmp/qdisc.txt 2>&1
	log "qdisc: $(cat /tmp/qdisc.txt)"
	for _w in "netem" "loss ${NSW_LOSS:-5}%" "duplicate 1%" "reorder 25%" "delay 5ms"; do
		grep -q "$_w" /tmp/qdisc.txt || fail "eth0 qdisc lacks '$_w': $(cat /tmp/qdisc.txt)"
	done
}

# lossy_check: netem really dropped packets here.
lossy_check() {
	$TC -s qdisc show dev eth0 >/tmp/qdisc.txt 2>&1
	log "qdisc stats: $(tr '\n' ' ' </tmp/qdisc.txt)"
	_sent=$(awk '$1 == "Sent" { print $4; exit }' /tmp/qdisc.txt)
	_drop=$(awk '$1 == "Sent" { sub(/,/, "", $7); print $7; exit }' /tmp/qdisc.txt)
	assert_gt "$_sent" 1000 "packets sent through netem"
	assert_gt "$_drop" 0 "packets netem dropped"
}

# lossy_off: the last messages between the VMs go over a clean link. a
# powers off as soon as it has answered b's "OK"; an answer netem dropped
# then had no one left to send it again, and b retried past the deadline.
lossy_off() {
	run $TC qdisc del dev eth0 root
}

# net_monitor_start / net_monitor_stop: net_stats (guest-lib) and the
# output of the command $NET_MONITOR_MORE, if set, every 10 s in the
# background, to see when and where traffic stalls.
net_monitor_start() {
	(while :; do
		log "$(net_stats)"
		[ -n "${NET_MONITOR_MORE:-}" ] && log "$($NET_MONITOR_MORE)"
		sleep 10
	done) &
	NET_MONITOR=$!
}
net_monitor_stop() {
	[ -n "${NET_MONITOR:-}" ] && kill "$NET_MONITOR" 2>/dev/null
	NET_MONITOR=
	log "$(net_stats)"
}
