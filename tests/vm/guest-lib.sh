# shellcheck shell=sh
# tests/vm/guest-lib.sh - helpers for the role scripts that run INSIDE the
# test VMs (busybox sh). Installed as /lib/netswap/guest-lib.sh; a role
# script starts with:  . /lib/netswap/guest-lib.sh
#
# Binaries in the VM:
#   busybox applets     /bin, /sbin, /usr/bin, /usr/sbin (symlinks)
#   $IP, $TC            real iproute2 ip / tc (/sbin/ip.real, /sbin/tc.real):
#                       the busybox applets of the same name are kept for
#                       simple use, but busybox sh may prefer its applets over
#                       anything found in PATH, so call these by full path.
#   $CTL                netswapctl (/usr/sbin/netswapctl), if built in
#   /usr/bin/memtouch   and every other program of tests/prog/ (static)
#   /scenario/          the scenario directory (role scripts, vms file)
#
# Environment set by /init: NSW_ROLE, NSW_IP, NSW_IP6, NSW_MTU, NSW_SCENARIO,
# NSW_BOOT (1, or N in the Nth boot of a VM the host restarted:
# host_restart; a role script takes its second part on NSW_BOOT=2).

IP=/sbin/ip.real
TC=/sbin/tc.real
CTL=/usr/sbin/netswapctl
MSG_PORT=9000
_T0=$(cut -d' ' -f1 /proc/uptime)

# log TEXT...: timestamped (seconds since boot) line on the console.
log() {
	echo "[$(cut -d' ' -f1 /proc/uptime)s ${NSW_ROLE:-?}] $*"
}

# fail REASON: record why this role failed and exit 1. /init prints the
# reason in its NETSWAP-RESULT line.
fail() {
	log "FAIL: $*"
	echo "$*" >/tmp/fail-reason
	exit 1
}

# fail_now REASON: fail the role also from a subshell, as in v=$(...),
# where fail would end only that subshell and the caller go on with an
# empty value: the FAIL line goes to stderr (the console), the reason to
# /tmp/fail-reason, and the role's shell ($$ in any subshell of it) is
# ended too, by a signal: its EXIT traps do not run, and background jobs
# are left to the poweroff.
fail_now() {
	log "FAIL: $*" >&2
	echo "$*" >/tmp/fail-reason
	read -r _fn_pid _fn_rest </proc/self/stat
	[ "$_fn_pid" = $$ ] || kill $$
	exit 1
}

# run CMD...: log the command, run it, fail the role if it fails.
run() {
	log "+ $*"
	"$@" || fail "command failed (rc $?): $*"
}

# vm_ip NAME: the IP of VM NAME from /scenario/vms.
vm_ip() {
	awk -v n="$1" '$1 == n { print $3; exit }' /scenario/vms
}

# cpu_check: the emulated CPU keeps EFLAGS across cmpxchg16b
# (tests/vm/README.md, "CPU model"); cx16check exits 0 if it does, 3
# without the instruction.
cpu_check() {
	cx16check 100000
	_rc=$?
	[ $_rc -eq 0 ] || [ $_rc -eq 3 ] ||
		fail "the emulated CPU corrupts EFLAGS in cmpxchg16b (cx16check rc $_rc), see tests/vm/README.md"
}

# uptime_s: whole seconds since boot, a clock no one sets.
uptime_s() {
	cut -d. -f1 /proc/uptime
}

# rtc_s: seconds since the epoch by the emulated CMOS clock, which QEMU
# drives from the host's clock (0 without an RTC).
rtc_s() {
	cat /sys/class/rtc/rtc0/since_epoch 2>/dev/null || echo 0
}

# host_pause SECS: have the host freeze this whole VM (SIGSTOP of its
# QEMU, run-scenario.sh) for SECS (<= 100) seconds; returns once it runs
# again, or fails if it was not frozen. The clocks jump by SECS on resume,
# which the soft-lockup and RCU stall detectors would take for a CPU stuck
# that long (KVM guests are told of pauses, TCG ones are not): their
# limits are raised above SECS first. A guest whose TSC was found unstable
# under load runs on the HPET, and its clocks do not jump at all: the
# pause is then seen on the RTC, which follows the host's clock.
host_pause() {
	[ "$1" -le 100 ] || fail "host_pause: $1 s is more than 100"
	_th=$(($1 / 2 + 10))
	[ "$(cat /proc/sys/kernel/watchdog_thresh)" -ge $_th ] ||
		echo $_th >/proc/sys/kernel/watchdog_thresh
	echo $(($1 + 60)) >/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout
	_t=$(uptime_s) _r=$(rtc_s)
	_end=$((_t + $1 + 30)) _gap=0
	echo "NETSWAP-HOST: pause $1"
	# The host reads the console once a second; the pause shows as one
	# sleep 1 that took SECS longer.
	while [ $_gap -lt $(($1 - 1)) ] && [ "$_t" -lt $_end ]; do
		sleep 1
		_n=$(uptime_s) _nr=$(rtc_s)
		[ $((_n - _t)) -gt $_gap ] && _gap=$((_n - _t))
		[ $((_nr - _r)) -gt $_gap ] && _gap=$((_nr - _r))
		_t=$_n _r=$_nr
	done
	[ $_gap -ge $(($1 - 1)) ] || fail "the host did not pause this VM (longest gap ${_gap}s)"
	log "resumed after a pause of ${_gap}s ($(cat /sys/devices/system/clocksource/clocksource0/current_clocksource))"
}

# host_kill: have the host end this VM's QEMU with SIGKILL (run-scenario.sh),
# as a power cut would: nothing of it answers any more, and its kernel
# runs no shutdown. A poweroff from inside, with a client still sending,
# once wedged a 6.1 guest for good: ksoftirqd spun in virtio_net's TX
# clean-up loop, which never ends once the device's shutdown has marked
# its queues broken (no buffer comes back, the used index still says
# there are some). Does not return; powers off from inside if the host
# has not acted in 30 s.
host_kill() {
	echo "NETSWAP-HOST: kill"
	sleep 30
	log "the host did not kill this VM: powering off"
	echo o >/proc/sysrq-trigger
	sleep 60
}

# host_restart: have the host end this VM's QEMU with SIGKILL, as
# host_kill does, then boot it again: same MAC, IP and memory, RAM empty,
# NSW_BOOT one more (run-scenario.sh). Its role script runs again from the
# start and takes its NSW_BOOT part; the VM's result is what its last boot
# prints, and the consoles of all its boots are judged. Does not return;
# fails the role if the host has not acted in 30 s.
host_restart() {
	log "asking the host to restart this VM (boot $NSW_BOOT now)"
	echo "NETSWAP-HOST: restart"
	sleep 30
	fail "the host did not restart this VM within 30 s"
}

# wait_for_ping IP [TIMEOUT_S]: wait until IP answers pings.
wait_for_ping() {
	_ip=$1 _t=${2:-60} _i=0
	while [ "$_i" -lt "$_t" ]; do
		if ping -c 1 -W 1 "$_ip" >/dev/null 2>&1; then
			log "ping $_ip ok after ${_i}s"
			return 0
		fi
		_i=$((_i + 1))
		sleep 1
	done
	fail "no ping answer from $_ip within ${_t}s"
}

# Messages are single lines over TCP port $MSG_PORT. The receiver answers
# each with "ACK"; a message counts as delivered only then. (Several
# senders may connect to one listener at once: the kernel completes all
# their handshakes, nc accepts one and the others are reset, but their nc
# may already have "sent" the text, so the exit status alone proves
# nothing.)

# msg_send IP TEXT [TIMEOUT_S]: deliver one line to a peer that runs
# msg_recv. Retries until acknowledged (default 600 s). Seconds by the
# clock, not tries: a try against a peer that is gone can take nc's
# 5 s, and a sender stuck here must fail with its message before the
# scenario's deadline kills it without one.
msg_send() {
	_ip=$1 _txt=$2 _t=${3:-600}
	_end=$(($(uptime_s) + _t))
	while :; do
		_ack=$(echo "$_txt" | nc -w 5 "$_ip" "$MSG_PORT" 2>/dev/null)
		if [ "$_ack" = ACK ]; then
			log "sent to $_ip: $_txt"
			return 0
		fi
		[ "$(uptime_s)" -lt "$_end" ] || break
		sleep 1
	done
	fail "could not send message to $_ip within ${_t}s: $_txt"
}

# msg_recv [TIMEOUT_S]: wait for one message on TCP port $MSG_PORT and
# print it on stdout (default timeout 600 s; fails the role on timeout).
# Use as:  m=$(msg_recv) || exit 1   (or msg_expect, below, for a known word)
msg_recv() {
	_t=${1:-600}
	rm -f /tmp/msg.in
	while :; do
		# nc runs the quoted command with the connection as stdin/stdout.
		if ! timeout "$_t" nc -l -p "$MSG_PORT" -e sh -c \
			'read -r line && echo "$line" >/tmp/msg.in && echo ACK'; then
			fail "no message received within ${_t}s"
		fi
		# A connection that brought nothing (reset, empty) does not count.
		[ -s /tmp/msg.in ] && break
	done
	log "received: $(cat /tmp/msg.in)" >&2
	cat /tmp/msg.in
}

# msg_expect WORD [TIMEOUT_S]: receive one message (msg_recv) and fail the
# role unless it is WORD, or WORD, a space and more text; print that text
# (nothing for WORD alone). Called plainly it fails the role itself; in
#   rest=$(msg_expect ready 300) || exit 1
# the "|| exit 1" carries the failure out of the subshell. Its FAIL line
# goes to stderr, so that it reaches the console from there too.
msg_expect() {
	_me_w=$1
	_me_m=$(msg_recv "${2:-600}") || exit 1
	case "$_me_m" in
	"$_me_w") ;;
	"$_me_w "*) echo "${_me_m#"$_me_w" }" ;;
	*) fail "expected '$_me_w', got '$_me_m'" >&2 ;;
	esac
}

# msg_field KEY TEXT: value following the word KEY in a "k v k v" text.
msg_field() {
	echo "$2" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'
}

# nsw_show: "netswapctl -j show" saved in /tmp/show.json, for the FILE
# argument of nsw_get and nsw_peer_get, and printed for the log: a line
# a section, a line a peer. That one snapshot is what the checks read; a
# warning netswapctl gives goes to the console, not into the JSON.
nsw_show() {
	"$CTL" -j show >/tmp/show.json || fail "netswapctl -j show failed"
	jq -cM '(to_entries[] | select(.key != "peers") | { (.key): .value }), .peers[]' \
		/tmp/show.json || fail "/tmp/show.json is not netswapctl's JSON"
}

# _nsw_json [FILE]: FILE, or "netswapctl -j show" read now into a file;
# prints the file's name. Fails the role (fail_now) if netswapctl fails
# or the file is empty.
_nsw_json() {
	_nj_f=${1:-/tmp/get.json}
	if [ -z "${1:-}" ]; then
		"$CTL" -j show >/tmp/get.json ||
			fail_now "netswapctl -j show failed (rc $?)"
	fi
	[ -s "$_nj_f" ] || fail_now "no netswapctl JSON in $_nj_f"
	echo "$_nj_f"
}

# nsw_get PATH [FILE]: the figure at PATH (jq, without the leading dot)
# of "netswapctl -j show", read now or from FILE (nsw_show's
# /tmp/show.json), e.g.
#   nsw_get device.mapped_pages
#   nsw_get store.lent_pages
#   nsw_get rx_dropped.backlog
# Prints nothing when it is absent; fails the role (fail_now, so also
# from $(...)) when netswapctl fails or jq cannot read its JSON.
nsw_get() {
	_ng_f=$(_nsw_json "${2:-}") || exit 1
	jq -r ".$1 // empty" "$_ng_f" ||
		fail_now "nsw_get $1: jq failed (rc $?) on $_ng_f"
}

# nsw_peer_get ENDPOINT KEY [FILE]: KEY of the peer ENDPOINT (ADDR,
# ADDR:PORT, [IPV6]:PORT or IPV6; port 7878 when left out) in
# "netswapctl -j show", as for nsw_get (nothing when the peer or its KEY
# is absent, the role failed on any error), e.g.
#   nsw_peer_get 169.254.0.2 placed_pages
#   nsw_peer_get "[fd00::2]:7878" page_datagrams
nsw_peer_get() {
	_a=$1 _p=7878
	case "$_a" in
	\[*\]:*) _p=${_a##*]:} _a=${_a%]:*} ;;
	\[*\]) _a=${_a%]} ;;
	*:*:*) ;;
	*:*) _p=${_a##*:} _a=${_a%:*} ;;
	esac
	_a=${_a#\[}
	_np_f=$(_nsw_json "${3:-}") || exit 1
	jq -r --arg a "$_a" --argjson p "$_p" --arg k "$2" \
		'first(.peers[] | select(.address == $a and .port == $p)) | .[$k] // empty' \
		"$_np_f" || fail_now "nsw_peer_get $1 $2: jq failed (rc $?) on $_np_f"
}

# nsw_num GETTER ARGS...: the figure "GETTER ARGS" (nsw_get or
# nsw_peer_get) prints, which must be a number: an absent one fails the
# role (fail_now, so also from $(...)), e.g. where [ ... -lt ... ] would
# only return an error status on it, as in
#   while [ "$(nsw_num nsw_peer_get "$B" tx_free_pages)" -lt "$n" ]; do
nsw_num() {
	_nn_v=$("$@") || exit 1
	case "${_nn_v#-}" in
	'' | *[!0-9]*) fail_now "$*: '$_nn_v' is not a number" ;;
	esac
	echo "$_nn_v"
}

# poll_until TIMEOUT_S DESCRIPTION CMD...: run CMD every second until it
# succeeds; fail the role after TIMEOUT_S seconds.
poll_until() {
	_t=$1 _d=$2 _i=0
	shift 2
	while ! "$@"; do
		_i=$((_i + 1))
		[ "$_i" -ge "$_t" ] && fail "timed out after ${_t}s waiting for: $_d"
		sleep 1
	done
	log "ok after ${_i}s: $_d"
}

# store_drains TIMEOUT_S: wait until this node's store holds no page, as
# it must once the client unloaded (which RESETs its pages here); fail
# the role after TIMEOUT_S seconds.
store_drains() {
	poll_until "$1" "store lent_pages = 0 after a unloaded" _store_empty
}
_store_empty() {
	[ "$(nsw_get store.lent_pages)" = 0 ]
}

# memcg NAME LIMIT_MB|max: a memory cgroup /sys/fs/cgroup/NAME (cgroup2,
# mounted on first use) with memory.max LIMIT_MB. Processes started with
# "in_memcg NAME CMD..." swap once they use more, whatever the VM's RAM
# (which differs between kernels).
memcg() {
	if [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
		mkdir -p /sys/fs/cgroup
		mount -t cgroup2 none /sys/fs/cgroup || fail "cannot mount cgroup2"
		grep -q memory /sys/fs/cgroup/cgroup.controllers ||
			fail "no memory controller: $(cat /sys/fs/cgroup/cgroup.controllers)"
		echo +memory >/sys/fs/cgroup/cgroup.subtree_control ||
			fail "cannot enable the memory controller"
	fi
	mkdir -p "/sys/fs/cgroup/$1"
	if [ "$2" = max ]; then
		echo max >"/sys/fs/cgroup/$1/memory.max"
	else
		echo $(($2 * 1024 * 1024)) >"/sys/fs/cgroup/$1/memory.max"
	fi
	log "cgroup $1: memory.max $(cat "/sys/fs/cgroup/$1/memory.max")"
}
in_memcg() {
	sh -c 'echo $$ >"/sys/fs/cgroup/$0/cgroup.procs" && exec "$@"' "$@"
}

# assert_eq A B WHAT / assert_gt A B WHAT: numeric checks that fail the role.
assert_eq() {
	[ -n "$1" ] && [ -n "$2" ] && [ "$1" -eq "$2" ] 2>/dev/null ||
		fail "$3: expected '$2', got '$1'"
	log "check ok: $3 = $1"
}
assert_gt() {
	[ -n "$1" ] && [ "$1" -gt "$2" ] 2>/dev/null ||
		fail "$3: expected > $2, got '$1'"
	log "check ok: $3 = $1 (> $2)"
}

# mem_summary: one line with the VM's memory and swap state.
mem_summary() {
	awk '/^(MemTotal|MemFree|SwapTotal|SwapFree):/ { printf "%s %d MiB  ", $1, $2 / 1024 }
		END { print "" }' /proc/meminfo
}

# net_stats: one line of this VM's IP/UDP loss counters, for the log.
net_stats() {
	awk '$1 == "Ip:" || $1 == "Udp:" {
			if (!($1 in hdr)) { for (i = 2; i <= NF; i++) k[$1, i] = $i; hdr[$1] = 1; next }
			for (i = 2; i <= NF; i++) v[k[$1, i]] = $i
		}
		END {
			printf "net: frags in %s reassembled %s failed %s, udp in %s errors %s rcvbuf %s, udp out %s sndbuf errors %s,",
				v["ReasmReqds"], v["ReasmOKs"], v["ReasmFails"], v["InDatagrams"], v["InErrors"],
				v["RcvbufErrors"], v["OutDatagrams"], v["SndbufErrors"]
		}' /proc/net/snmp
	echo " eth0 rx_dropped $(cat /sys/class/net/eth0/statistics/rx_dropped) tx_dropped $(cat /sys/class/net/eth0/statistics/tx_dropped)"
}

# events_start FILE: "netswapctl -j monitor" in the background into FILE,
# its pid in $MON_PID.
events_start() {
	"$CTL" -j monitor >"$1" 2>"$1.err" &
	MON_PID=$!
	# Give it time to join the group before anything happens.
	sleep 1
	kill -0 $MON_PID 2>/dev/null || {
		cat "$1.err"
		fail "netswapctl monitor exited at once"
	}
}

# events_stop: SIGINT ends monitor with status 0.
events_stop() {
	kill -INT $MON_PID
	wait $MON_PID
	_rc=$?
	[ $_rc -eq 0 ] || fail "netswapctl monitor ended with status $_rc on SIGINT"
}

# event_seen FILE JQ_CONDITION: a line of FILE satisfies the condition.
event_seen() {
	[ -n "$(jq -c "select($2)" "$1" 2>/dev/null)" ]
}
