# shellcheck shell=sh
# demo/scenario/live.sh - the demo's live lines and figures, sourced by
# every role after guest-lib.sh. A line starting "LIVE " is the VM's
# status, which demo/run.sh keeps on screen; "DEMO: " lines make the
# summary at the end; the rest stays in the console logs.

# The keys of "netswapctl -j show" the demo reads (peers[] records,
# netswapctl(8)).
# shellcheck disable=SC2034 # used by the role scripts
K_PLACED=placed_pages
K_STORED=tx_store_pages
K_LOADED=tx_load_pages
K_RETRANSMITTED=retransmitted_requests
K_FAILED=failed_requests
K_HELD=held_pages
K_RX_STORED=rx_store_pages
K_RX_LOADED=rx_load_pages

# shellcheck disable=SC2034
LIVE_S=3		# seconds between live lines
# shellcheck disable=SC2034
DUMP_EVERY=5		# a full "netswapctl show" every this many lines

# peer_figures FILE KEY...: one line per peer of the JSON in FILE: its
# VM name, then the value of each KEY (0 when absent).
peer_figures() {
	_f=$1
	shift
	jq -r --args '.peers[] as $p | [$p.address] + [$ARGS.positional[] | $p[.] // 0] | join(" ")' \
		"$@" <"$_f" 2>/dev/null |
		awk 'NR == FNR { name[$3] = $1; next }
			{ $1 = ($1 in name) ? name[$1] : $1; print }' /scenario/vms -
}

# centis: hundredths of a second since boot.
centis() {
	awk '{ printf "%d\n", $1 * 100 }' /proc/uptime
}

# per_s NOW THEN CENTIS: the rate of a counter that went from THEN to NOW.
per_s() {
	echo $((($1 - $2) * 100 / ($3 > 0 ? $3 : 1)))
}

# mib PAGES
mib() {
	echo $(($1 * 4096 >> 20))
}

# dump: "netswapctl show" into the console log, each line marked so that
# demo/run.sh keeps it off the screen.
dump() {
	echo "dump: ---- netswapctl show at $(uptime_s) s of uptime"
	"$CTL" show 2>&1 | sed 's/^/dump: /'
}

# live_client TEXT: a's live line (TEXT first): swap traffic from
# /proc/vmstat, the MiB placed on each peer, retransmissions (all peers).
# Keeps its previous sample in _lc_*.
live_client() {
	_now=$(centis)
	read -r _in _out <<EOF
$(awk '$1 == "pswpin" { i = $2 } $1 == "pswpout" { o = $2 } END { print i, o }' /proc/vmstat)
EOF
	"$CTL" -j show >/tmp/live.json 2>/dev/null
	_peers='' _retx=0
	while read -r _n _placed _r _st; do
		_peers="${_peers:+$_peers, }$_n $(mib "$_placed") MiB"
		[ "$_st" = up ] || _peers="$_peers ($_st)"
		_retx=$((_retx + _r))
	done <<EOF
$(peer_figures /tmp/live.json "$K_PLACED" "$K_RETRANSMITTED" state)
EOF
	# Pages short of a copy, and copies made again: shown once there are.
	_rr=$(jq -r '.device | "\(.degraded_pages // 0) \(.copied_pages // 0)"' /tmp/live.json 2>/dev/null)
	case "$_rr" in
	'' | '0 0') _rr='' ;;
	*) _rr=" | ${_rr% *} degraded, ${_rr#* } copied again" ;;
	esac
	if [ -n "${_lc_t:-}" ]; then
		_dt=$((_now - _lc_t))
		echo "LIVE $1 | out $(per_s "$_out" "$_lc_out" $_dt) in $(per_s "$_in" "$_lc_in" $_dt) pages/s | ${_peers:-no peer} | $_retx retransmitted$_rr"
	fi
	_lc_t=$_now _lc_out=$_out _lc_in=$_in
}

# live_store CLIENT: b's or c's live line (CLIENT: the VM name of the
# client): the MiB it holds for the client, and the pages it takes in and gives back per second. Keeps its
# previous sample in _ls_*.
live_store() {
	_now=$(centis)
	"$CTL" -j show >/tmp/live.json 2>/dev/null
	_h=0 _s=0 _l=0
	read -r _ _h _s _l <<EOF
$(peer_figures /tmp/live.json "$K_HELD" "$K_RX_STORED" "$K_RX_LOADED" | awk -v c="$1" '$1 == c')
EOF
	if [ -n "${_ls_t:-}" ]; then
		_dt=$((_now - _ls_t))
		echo "LIVE holds $(mib "${_h:-0}") MiB of $1's | in $(per_s "${_s:-0}" "$_ls_s" $_dt) out $(per_s "${_l:-0}" "$_ls_l" $_dt) pages/s"
	fi
	_ls_t=$_now _ls_s=${_s:-0} _ls_l=${_l:-0}
}

# rerep_sampler IP: every second, "UPTIME DEGRADED COPIED STATE PEER_DEG":
# the device's degraded_pages and copied_pages, the state of peer IP and
# its degraded_pages (ours with a copy there that is to be replaced).
# Only a recount sets the peer's figure; the device's also falls by one
# for each copy made (rerep.c), so the peer's says when all are made.
rerep_sampler() {
	while :; do
		"$CTL" -j show 2>/dev/null |
			jq -r --arg a "$1" --arg t "$(uptime_s)" \
				'first(.peers[] | select(.address == $a)) as $p |
				"\($t) \(.device.degraded_pages // 0) \(.device.copied_pages // 0) \($p.state // "?") \($p.degraded_pages // 0)"' \
				2>/dev/null
		sleep 1
	done
}

# kill_summary: the DEMO lines of the kill, from /tmp/rerep.log, $tk
# (uptime when VICTIM was killed), $t0/$t1 (the workload's start and
# end) and $kill_pages (ours on VICTIM then). Sets restored to the uptime
# at which no page was degraded any more, while the workload still held
# its pages (after, its pages are freed, not copied).
kill_summary() {
	restored=
	if [ -z "${tk:-}" ]; then
		echo "DEMO: $VICTIM was not killed: the workload ended before it had written its data"
		return
	fi
	echo "DEMO: killed: $VICTIM (SIGKILL from the host) $((tk - t0)) s into the workload, holding $(mib "${kill_pages:-0}") MiB of a's pages"
	# The first sample with the peer down, the most pages degraded since,
	# the first sample after that with none degraded (the peer's figure
	# recounted and the device's), and the pages copied from the kill to
	# then.
	read -r down peak restored copied <<EOF
$(awk -v tk="$tk" -v t1="$t1" '
	$1 < tk { c0 = $3; next }
	$1 >= t1 { exit }
	!down && $4 == "down" { down = $1 }
	!down { next }
	$2 > peak { peak = $2 }
	$5 > 0 { lost = 1 }
	lost && !restored && $5 == 0 && $2 == 0 { restored = $1; c1 = $3 }
	END { print down + 0, peak + 0, restored + 0, c1 - c0 }' /tmp/rerep.log)
EOF
	[ "$restored" -gt 0 ] || restored=
	if [ "$down" -gt 0 ]; then
		echo "DEMO: $VICTIM declared down $((down - tk)) s after the kill (peer_timeout_ms $(cat /sys/module/netswap/parameters/peer_timeout_ms)): up to $peak pages with one copy left (degraded_pages)"
	else
		echo "DEMO: $VICTIM not declared down while the workload ran"
	fi
	if [ -n "$restored" ]; then
		echo "DEMO: copies restored: $copied pages copied again onto the others (copied_pages), degraded_pages back to 0 $((restored - down)) s after $VICTIM was declared down"
	else
		echo "DEMO: copies NOT restored: $(awk 'END { print $2 }' /tmp/rerep.log) pages still degraded when the workload ended"
	fi
}
