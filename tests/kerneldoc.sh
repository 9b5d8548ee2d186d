#!/bin/bash
# tests/kerneldoc.sh [KDIR...] - the kernel's own scripts/kernel-doc over
# the module's sources, from each KDIR given (make check-static passes its
# CHECK_KDIRS; default: the Debian 6.1 and 6.12 headers in /usr/src):
#   - kernel-doc -none -Wall (-v where -Wall is unknown) over netswap/*.[ch]
#     must print nothing;
#   - every ".. kernel-doc::" directive of Documentation/netswap/*.rst must
#     produce output, so a renamed or removed DOC: section is caught.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

kdirs=("$@")
if [[ ${#kdirs[@]} -eq 0 ]]; then
	for k in /usr/src/linux-headers-6.1.*-amd64 /usr/src/linux-headers-6.12.*-amd64; do
		[[ $k == *-rt-amd64 || $k == *-cloud-amd64 ]] || kdirs+=("$k")
	done
fi

fail=0
ran=0
for kdir in "${kdirs[@]}"; do
	kdoc=$kdir/scripts/kernel-doc
	[[ -x $kdoc ]] || continue
	ran=$((ran + 1))
	echo "== kernel-doc of $kdir"

	warn=-v
	if "$kdoc" -h 2>&1 | grep -q -- '-Wall'; then
		warn=-Wall
	fi
	out=$("$kdoc" -none "$warn" netswap/*.[ch] 2>&1 | grep -v ": info: ")
	if [[ -n $out ]]; then
		echo "$out"
		echo "kernel-doc: warnings in netswap/"
		fail=1
	fi

	# A directive is ".. kernel-doc:: FILE", then its options, indented.
	while IFS=$'\t' read -r rst file opt arg; do
		case $opt in
		doc | functions | identifiers) sel=(-function "$arg") ;;
		export) sel=(-export) ;;
		internal) sel=(-internal) ;;
		*) sel=() ;;
		esac
		if [[ ! -f $file ]]; then
			echo "$rst: kernel-doc:: $file: no such file"
			fail=1
			continue
		fi
		out=$("$kdoc" -rst "${sel[@]}" "$file" 2>/dev/null)
		if [[ -z ${out//[[:space:]]/} ]]; then
			echo "$rst: kernel-doc:: $file :$opt: $arg: no output"
			fail=1
		fi
	done < <(awk '
		function flush() { if (file != "") print rst "\t" file "\t" opt "\t" arg; file = "" }
		FNR == 1 { flush() }
		/^\.\. kernel-doc::/ { flush(); rst = FILENAME; file = $3; opt = ""; arg = ""; next }
		file != "" && /^[ \t]+:[a-z-]+:/ {
			line = $0; sub(/^[ \t]+:/, "", line)
			o = line; sub(/:.*/, "", o)
			a = line; sub(/^[a-z-]+:[ \t]*/, "", a)
			if (opt == "") { opt = o; arg = a }
			next
		}
		{ flush() }
		END { flush() }' Documentation/netswap/*.rst)
done

if [[ $ran -eq 0 ]]; then
	echo "kerneldoc: no scripts/kernel-doc under ${kdirs[*]}"
	exit 1
fi
exit $fail
