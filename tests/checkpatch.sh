#!/bin/bash
# Runs the kernel's checkpatch.pl --strict over every C source and header
# of the module, the shared headers and netswapctl. checkpatch comes from
# Debian's linux-source-6.12 package (installed if missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cache=${NETSWAP_CACHE:-/var/cache/netswap-test}/checkpatch
if [[ ! -x $cache/scripts/checkpatch.pl ]]; then
	tarball=$(ls /usr/src/linux-source-6.12.tar.xz 2>/dev/null || true)
	if [[ -z $tarball ]]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q linux-source-6.12 >/dev/null ||
			{ apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -q linux-source-6.12 >/dev/null; }
		tarball=/usr/src/linux-source-6.12.tar.xz
	fi
	mkdir -p "$cache"
	tar -xJf "$tarball" -C "$cache" --strip-components=1 \
		linux-source-6.12/scripts/checkpatch.pl \
		linux-source-6.12/scripts/spelling.txt \
		linux-source-6.12/scripts/const_structs.checkpatch
fi

files=$(ls netswap/*.[ch] include/*.h include/uapi/*.h | grep -v 'figures.h$')
# --no-tree: this is not a kernel tree. FILE_PATH_CHANGES and SPDX on
# userspace are not about code.
"$cache/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES -f $files
# Lists of X(...) entries to expand are neither expressions nor calls,
# and an X that declares a struct member ends in a semicolon.
"$cache/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,COMPLEX_MACRO,MACRO_ARG_REUSE \
	--ignore MULTISTATEMENT_MACRO_USE_DO_WHILE,TRAILING_SEMICOLON \
	--ignore MACRO_ARG_UNUSED \
	-f include/netswap_figures.h netswap/figures.h
# Userspace has no __noreturn or __printf: it spells the attributes out.
"$cache/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,PREFER_DEFINED_ATTRIBUTE_MACRO \
	-f tools/netswapctl/*.[ch]
