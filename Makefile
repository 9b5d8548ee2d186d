# SPDX-License-Identifier: GPL-2.0
#
# make              netswap.ko for the running kernel, and netswapctl
# make module KDIR=/usr/src/linux-headers-...   for another kernel
# make unit         userspace unit tests of the pure protocol code
# make fuzz         fuzz the datagram parser for FUZZ_SECONDS (60; needs clang)
# make check        the unit tests, fuzz, then check-static
# make check-static W=1, sparse and checkpatch --strict against every
#                   installed Debian kernel's headers, and their
#                   kernel-doc over the sources and Documentation/netswap
# make test         the whole suite (boots VMs; see README.md)
# make demo         the demo cluster
# make bench        the benchmark against NBD, a local disk and the
#                   network's own limit: bench/REPORT.md and its plots
# make install      netswap.ko (kbuild modules_install into extra/, for
#                   KVER, default the running kernel, or the kernel of
#                   KDIR), netswapctl, its man page and bash completion,
#                   netswap.service and its scripts; DESTDIR honoured

ifdef KDIR
KVER ?= $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
else
KVER ?= $(shell uname -r)
KDIR := /lib/modules/$(KVER)/build
endif
PWD  := $(CURDIR)

PREFIX     ?= /usr
LIBEXECDIR ?= $(PREFIX)/libexec/netswap
UNITDIR    ?= /lib/systemd/system
DOCDIR     ?= $(PREFIX)/share/doc/netswap

# The generic kernels only: the RT and cloud flavours the VM tests boot
# build the same code and add only time.
CHECK_KDIRS ?= $(filter-out %-rt-amd64 %-cloud-amd64, \
		$(wildcard /usr/src/linux-headers-6.1.*-amd64 \
			   /usr/src/linux-headers-6.12.*-amd64))

.PHONY: all module tools unit fuzz check check-static clean test demo bench \
	install install-module install-tools

all: module tools

module:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

tools:
	$(MAKE) -C tools/netswapctl

install: install-module install-tools

# depmod only for the live system; a package runs it on installation.
install-module: module
	$(MAKE) -C $(KDIR) M=$(PWD) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=extra modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

install-tools: tools
	$(MAKE) -C tools/netswapctl install PREFIX=$(PREFIX)
	install -D -m 0644 tools/systemd/netswap.service \
		$(DESTDIR)$(UNITDIR)/netswap.service
	install -D -m 0755 tools/systemd/netswap-start \
		$(DESTDIR)$(LIBEXECDIR)/netswap-start
	install -D -m 0755 tools/systemd/netswap-stop \
		$(DESTDIR)$(LIBEXECDIR)/netswap-stop
	install -D -m 0644 tools/systemd/netswap.conf.example \
		$(DESTDIR)$(DOCDIR)/netswap.conf.example

unit:
	$(MAKE) -C tests/unit run

fuzz:
	$(MAKE) -C tests/fuzz run

check: unit fuzz check-static

check-static:
	@test -n "$(CHECK_KDIRS)" || { echo "check-static: no Debian 6.1/6.12 headers in /usr/src"; exit 1; }
	@set -e; for k in $(CHECK_KDIRS); do \
		echo "== W=1 and sparse against $$k"; \
		$(MAKE) -C $$k M=$(PWD) clean >/dev/null; \
		$(MAKE) -C $$k M=$(PWD) W=1 C=2 CHECK="sparse -Wno-decl" modules 2>&1 | tee .check.log; \
		if grep -E 'warning:|error:' .check.log; then \
			echo "check: warnings against $$k"; exit 1; fi; \
	done; rm -f .check.log
	tests/checkpatch.sh
	tests/kerneldoc.sh $(CHECK_KDIRS)

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null || \
		rm -rf *.o *.ko *.mod* .*.cmd Module.symvers modules.order netswap/*.o netswap/.*.cmd
	$(MAKE) -C tools/netswapctl clean
	-$(MAKE) -C tests/unit clean
	-$(MAKE) -C tests/fuzz clean

test:
	bash tests/run-all.sh

demo:
	bash demo/run.sh

bench:
	bash bench/run.sh
