#!/bin/bash
# tests/completion.sh - tools/netswapctl/netswapctl.bash-completion offers
# the right words at each position (needs the bash-completion package).
# netswapctl itself is replaced by a function that lists one peer.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=/dev/null
source /usr/share/bash-completion/bash_completion || exit 1
# shellcheck source=tools/netswapctl/netswapctl.bash-completion
source tools/netswapctl/netswapctl.bash-completion
netswapctl() {
	[[ "$1 $2" == "peer show" ]] && echo "peer 192.0.2.10:7878 flags configured"
}

fails=0
# check LINE EXPECTED: completing LINE (the word under the cursor is the
# last one, empty after a trailing blank) offers exactly EXPECTED.
check() {
	local line=$1 want=$2 got
	COMP_LINE=$line
	COMP_POINT=${#line}
	read -ra COMP_WORDS <<<"$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_netswapctl netswapctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	got="${COMPREPLY[*]}"
	if [[ $got == "$want" ]]; then
		echo "ok    [$line] -> $got"
	else
		echo "FAIL  [$line] -> '$got', expected '$want'"
		fails=$((fails + 1))
	fi
}

sizes="0 64M 256M 512M 1G 2G 4G"
check "netswapctl " "show stats peer quota drain monitor setconf showconf help add-peer del-peer"
check "netswapctl -" "-j --json -h --help"
check "netswapctl -j st" "stats"
check "netswapctl peer " "add set del show"
check "netswapctl peer del " "192.0.2.10:7878"
check "netswapctl peer del 192.0.2.10 " "force"
check "netswapctl peer del 192.0.2.10 force " ""
check "netswapctl peer show " "192.0.2.10:7878"
check "netswapctl peer add 192.0.2.11 " "place lend"
check "netswapctl peer add 192.0.2.11 place " "$sizes"
check "netswapctl peer set 192.0.2.10 place 1G " "place lend"
check "netswapctl quota " "set show"
check "netswapctl quota set " "lend peer"
check "netswapctl quota set lend " "$sizes"
check "netswapctl quota set peer " "192.0.2.10:7878"
check "netswapctl quota set peer 192.0.2.10 " "place lend"
check "netswapctl quota set peer 192.0.2.10 lend " "$sizes"
check "netswapctl drain " "--cancel --timeout"
check "netswapctl drain --t" "--timeout"
check "netswapctl drain --timeout " "10 60 300 3600"
check "netswapctl drain --timeout 60 " ""
check "netswapctl drain --cancel " ""
check "netswapctl del-peer " "192.0.2.10:7878"
check "netswapctl del-peer 192.0.2.10 " "force"
check "netswapctl setconf tests/completion.s" "tests/completion.sh"
check "netswapctl setconf f.conf " "force"
echo "$fails failed"
[[ $fails -eq 0 ]]
