# shellcheck shell=sh
# control: helpers of both roles (sourced after guest-lib.sh).

# expect_err TEXT CMD...: CMD must fail, with exactly one line on stderr,
# which contains TEXT.
expect_err() {
	_want=$1
	shift
	if "$@" >/tmp/ee.out 2>/tmp/ee.err; then
		fail "succeeded, but should have failed: $*"
	fi
	_n=$(wc -l </tmp/ee.err)
	[ "$_n" -eq 1 ] || {
		cat /tmp/ee.err
		fail "$*: expected one line on stderr, got $_n"
	}
	grep -qF -- "$_want" /tmp/ee.err ||
		fail "$*: stderr '$(cat /tmp/ee.err)' lacks '$_want'"
	log "check ok: $* -> $(cat /tmp/ee.err)"
}

# json ARGS...: "netswapctl -j ARGS" into /tmp/j.json, which jq must
# accept as exactly one JSON value.
json() {
	"$CTL" -j "$@" >/tmp/j.json 2>/tmp/j.err || {
		cat /tmp/j.err
		fail "netswapctl -j $* failed"
	}
	[ "$(jq -s length /tmp/j.json 2>/dev/null)" = 1 ] || {
		cat /tmp/j.json
		fail "netswapctl -j $*: not one valid JSON value"
	}
}

# jv FILTER: jq -r FILTER of the last json output.
jv() {
	jq -r "$1" /tmp/j.json
}

# text_pairs FILE: "RECORD KEY VALUE" for every key of netswapctl's text
# output in FILE; RECORD is device, store, rx_dropped or the peer's
# ADDR:PORT (the device's name, its record's label, is left out). An
# indented line goes on with the record above it.
text_pairs() {
	awk '/^[ \t]/ { i = 1 }
	     /^peer / { r = $2; i = 3 }
	     /^[^ \t]/ && $1 != "peer" { r = $1; i = $1 == "device" ? 3 : 2 }
	     { for (; i < NF; i += 2) print r, $i, $(i + 1) }' "$1" | sort
}

# json_pairs FILE: the same from the JSON output in FILE.
json_pairs() {
	jq -r '
		def v: if type == "array" then
			(if length == 0 then "none" else join(",") end)
			else tostring end;
		def rec($r): to_entries[] | "\($r) \(.key) \(.value | v)";
		(if type == "array" then {peers: .} else . end) as $o |
		($o | del(.peers) | to_entries[] | select(.value != null) |
			.key as $r | .value | del(.name) | rec($r)),
		($o.peers // [] | .[] |
			(if (.address | contains(":")) then "[\(.address)]"
			 else .address end) + ":\(.port)" as $r |
			del(.address, .port) | rec($r))' "$1" | sort
}

# text_is_json WHAT TEXT JSON: the text output in file TEXT says what the
# JSON output in file JSON does, key for key.
text_is_json() {
	text_pairs "$2" >/tmp/tp.txt
	json_pairs "$3" >/tmp/jp.txt
	[ -s /tmp/tp.txt ] || fail "$1: no key in the text output"
	diff /tmp/tp.txt /tmp/jp.txt >/tmp/tj.diff || {
		cat /tmp/tj.diff
		log "$1: text output != JSON"
		return 1
	}
	log "check ok: $1: text output = JSON, $(wc -l </tmp/tp.txt) keys"
}

# assert_str A B WHAT
assert_str() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
	log "check ok: $3 = $1"
}

# conf_norm FILE: FILE without comments, blank lines, trailing blanks.
conf_norm() {
	sed -e 's/[ 	]*#.*//' -e 's/[ 	]*$//' "$1" | grep -v '^$'
}

