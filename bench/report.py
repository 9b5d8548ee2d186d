#!/usr/bin/python3
"""Turn netswap benchmark results into a Markdown report with plots.

Usage:
    python3 bench/report.py [--check] [--notes FILE.md] \
            OUTDIR RESULTS.tsv [RESULTS.tsv ...]

Reads one results file per kernel run. Each line is ``KEY VALUE`` (tab or
any whitespace between them; the value is the rest of the line); blank
lines and lines starting with ``#`` are ignored. A key given more than once
(pagein's figures, one per round) counts by the median of its values,
and the report gives their range too; a key's text (a CDF, a description)
is its last value. Keys (see scalar_keys(),
cdf_keys(), workload_keys()): kernel, vm.a_mem_mb, vm.b_mem_mb, date, qemu;
limit.udp_rtt_us.{p50,p90,p99,mean,cdf}, limit.iperf3_Bps.{tx,rx}; for
each BACKEND of netswap, nbd, disk: BACKEND.pagein_us.{p50,p90,p99,mean,cdf},
BACKEND.swapout_pps, BACKEND.swapin_pps, BACKEND.cpu_us_per_page.{out,in};
for each workload W: workload.W.{local100_s,netswap50_s,nbd50_s,disk50_s,
wss_mb,desc}. A .cdf value is 101 comma-separated numbers, percentiles 0 to
100. Other keys are listed as they are under "Other figures".

A file with "bench replicas" is a replicas run (bench/run.sh): netswap
over two stores with replicas=1 (netswap.*) and replicas=2 (netswap2.*),
the same pagein figures, the link's, and netswap.drain_{mib,s,MiBps}, a
store's drain; no NBD, disk or workloads.

Writes into OUTDIR (created if missing):
    REPORT.md                      the report, linking the plots below
    latency-K.png                  page-in latency CDFs and the UDP RTT CDF
    throughput-K.png               swap-out/swap-in MB/s per backend, iperf3
    workload-W-K.png               run times of workload W
where K is the kernel's short name (``6.1`` for ``6.1.0-28-amd64``).

Figures not measured are shown as "n/a". With --check, one line per
missing, unparsable or non-positive figure goes to stderr and the exit
status is 1 (the report is written all the same); every file must then
have every workload of EXPECTED_WORKLOADS and of any other file.
--notes appends a Markdown file verbatim at the end of the report.

Needs only the standard library and matplotlib (Debian python3-matplotlib).
"""

import argparse
import math
import os
import re
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

BACKENDS = ("netswap", "nbd", "disk")
BACKEND_DESC = {
    "netswap": "netswap",
    "nbd": "NBD, RAM file on the peer",
    "disk": "local virtio disk",
}
COLORS = {"netswap": "tab:blue", "nbd": "tab:orange", "disk": "tab:green",
          "netswap2": "tab:purple",
          "udp": "black", "local": "tab:gray"}
# A replicas run's backends: netswap with 1 and with 2 copies of a page.
REPLICA_BACKENDS = ("netswap", "netswap2")
REPLICA_DESC = {"netswap": "replicas=1", "netswap2": "replicas=2"}
DRAIN = "netswap.drain_MiBps"
# Workloads --check expects in every file, besides those found in any file.
EXPECTED_WORKLOADS = ("randtouch", "stressng")

PAGE_BYTES = 4096
MB = 1e6                    # MB/s in the report are 10^6 bytes per second
CDF_POINTS = 101            # percentiles 0, 1, ..., 100
STATS = ("p50", "p90", "p99", "mean")

HEADER_KEYS = ("kernel", "link", "vm.a_mem_mb", "vm.b_mem_mb", "date", "qemu")
RTT = "limit.udp_rtt_us"
IPERF_TX = "limit.iperf3_Bps.tx"     # swapping VM -> peer
IPERF_RX = "limit.iperf3_Bps.rx"     # peer -> swapping VM
WORKLOAD_RE = re.compile(
    r"^workload\.(?P<name>.+)\."
    r"(?P<field>local100_s|(?:%s)50_s|wss_mb|desc)$" % "|".join(BACKENDS))

# Targets: (description, op, limit). Filled in by targets().
TARGET_PAGEIN_P50 = 1.0
TARGET_PAGEIN_P99 = 2.0
TARGET_VS_NBD = 2.0
TARGET_VS_IPERF = 0.8
TARGET_WORKLOAD = 1.5
TARGET_R2_PAGEIN_P50 = 1.1      # replicas=2 ÷ replicas=1
TARGET_R2_SWAPOUT = 0.45        # replicas=2 ÷ replicas=1: twice the bytes


def cdf_keys():
    """Keys whose value is a list of CDF_POINTS comma-separated numbers."""
    return [RTT + ".cdf"] + ["%s.pagein_us.cdf" % b for b in BACKENDS]


def scalar_keys(backends=BACKENDS):
    """Numeric keys every results file must have (workloads apart)."""
    keys = ["%s.%s" % (RTT, s) for s in STATS] + [IPERF_TX, IPERF_RX]
    for b in backends:
        keys += ["%s.pagein_us.%s" % (b, s) for s in STATS]
        keys += ["%s.swapout_pps" % b, "%s.swapin_pps" % b,
                 "%s.cpu_us_per_page.out" % b, "%s.cpu_us_per_page.in" % b]
    return keys


def workload_keys(name):
    """Numeric keys every results file must have for workload NAME."""
    return (["workload.%s.local100_s" % name]
            + ["workload.%s.%s50_s" % (name, b) for b in BACKENDS]
            + ["workload.%s.wss_mb" % name])


KNOWN_KEYS = (set(HEADER_KEYS) | set(cdf_keys()) | set(scalar_keys())
              | set(scalar_keys(REPLICA_BACKENDS))
              | {"netswap2.pagein_us.cdf", "bench", "stores", DRAIN})


def is_known(key):
    return key in KNOWN_KEYS or WORKLOAD_RE.match(key) is not None


# ---- reading ---------------------------------------------------------------

class Run:
    """The results of one kernel run, as read from one file."""

    def __init__(self, path, values, order):
        self.path = path
        self.values = values        # key -> raw strings, in file order
        self.order = order          # keys in file order
        stem = os.path.splitext(os.path.basename(path))[0]
        if self.text("kernel"):
            self.kernel = self.text("kernel")
            self.short = short_kernel(self.kernel)
        else:
            self.kernel = "unknown (%s has no kernel key)" % stem
            self.short = safe_name(stem)
        # The link, when not the default switch at a 1500-byte MTU, names
        # the run too: one kernel may be measured on two links.
        self.title = self.kernel
        # A replicas run measures netswap alone, with 1 and 2 copies.
        self.replicas = self.text("bench") == "replicas"
        if self.replicas:
            self.title += ", replicas 1 and 2 over two stores"
            self.short += "-replicas"
        link = self.text("link")
        m = re.search(r"mtu (\d+)", link or "")
        if m and m.group(1) != "1500":
            self.title = "%s, %s" % (self.kernel, link)
            self.short += "-mtu" + m.group(1)
        self.workloads = []
        for key in order:
            m = WORKLOAD_RE.match(key)
            if m and m.group("name") not in self.workloads:
                self.workloads.append(m.group("name"))

    def text(self, key):
        """The last value given for KEY, or None."""
        vals = self.values.get(key)
        return vals[-1] if vals else None

    def nums(self, key):
        """Every value of KEY as finite floats, or None if any is not one."""
        try:
            vals = [float(v) for v in self.values[key]]
        except (KeyError, ValueError):
            return None
        return vals if all(math.isfinite(v) for v in vals) else None

    def num(self, key):
        """The median of KEY's values, or None."""
        vals = self.nums(key)
        return statistics.median(vals) if vals else None

    def rounds(self):
        """How many rounds of pagein the run has (the most of any backend)."""
        return max([len(self.values.get("%s.swapout_pps" % b, []))
                    for b in BACKENDS] + [1])

    def cdf(self, key):
        """The CDF under KEY as CDF_POINTS floats, or None if not usable.
        Of several rounds, the median of each percentile: still a CDF,
        since the median never falls when its arguments rise."""
        cdfs = [parse_cdf(raw) for raw in self.values.get(key, [])]
        if not cdfs or any(c is None or len(c) != CDF_POINTS for c in cdfs):
            return None
        return [statistics.median(p) for p in zip(*cdfs)]


def parse_cdf(raw):
    """Comma-separated numbers as a list of floats; None if any is not one."""
    if raw is None:
        return None
    try:
        vals = [float(x) for x in raw.split(",") if x.strip()]
    except ValueError:
        return None
    return vals if all(math.isfinite(v) for v in vals) else None


def short_kernel(kernel):
    """'6.1' for '6.1.0-28-amd64': the first two dotted numbers."""
    m = re.match(r"(\d+)\.(\d+)", kernel)
    return "%s.%s" % m.groups() if m else safe_name(kernel)


def safe_name(s):
    """S made fit for a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", s).strip("_") or "x"


def read_run(path):
    values, order = {}, []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            key, value = parts[0], parts[1].strip() if len(parts) > 1 else ""
            if key not in values:
                order.append(key)
                values[key] = []
            values[key].append(value)
    return Run(path, values, order)


def unique_short_names(runs):
    """Make the short kernel names (used in file names) distinct."""
    seen = {}
    for run in runs:
        n = seen.get(run.short, 0) + 1
        seen[run.short] = n
        if n > 1:
            run.short = "%s-%d" % (run.short, n)


def all_workloads(runs):
    """EXPECTED_WORKLOADS, then any other found, in order of appearance."""
    names = list(EXPECTED_WORKLOADS)
    for run in runs:
        names += [w for w in run.workloads if w not in names]
    return names


def warn(msg):
    print("report.py: " + msg, file=sys.stderr)


# ---- checking --------------------------------------------------------------

def problems(run, workloads):
    """One line per expected figure of RUN that is missing or non-positive."""
    where = os.path.basename(run.path)
    out = []
    if not run.text("kernel"):
        out.append("%s: kernel missing" % where)
    if run.replicas:
        keys = scalar_keys(REPLICA_BACKENDS) + [
            "netswap.drain_mib", "netswap.drain_s", DRAIN]
        cdfs = ["%s.pagein_us.cdf" % b for b in REPLICA_BACKENDS]
    else:
        keys = scalar_keys() + [k for w in workloads
                                for k in workload_keys(w)]
        cdfs = cdf_keys()
    for key in keys:
        raw = run.text(key)
        if raw is None:
            out.append("%s: %s missing" % (where, key))
        elif run.num(key) is None:
            out.append("%s: %s = %r is not a number" % (where, key, raw))
        elif run.num(key) <= 0:
            out.append("%s: %s = %s is not positive" % (where, key, raw))
    for key in cdfs:
        for raw in run.values.get(key, [None]):
            out += cdf_problems(where, key, raw)
    return out


def cdf_problems(where, key, raw):
    if raw is None:
        return ["%s: %s missing" % (where, key)]
    vals = parse_cdf(raw)
    if vals is None:
        return ["%s: %s has a value that is not a number" % (where, key)]
    if len(vals) != CDF_POINTS:
        return ["%s: %s has %d values, not %d"
                % (where, key, len(vals), CDF_POINTS)]
    out = []
    if min(vals) <= 0:
        out.append("%s: %s has a value that is not positive" % (where, key))
    if any(b < a for a, b in zip(vals, vals[1:])):
        out.append("%s: %s is not non-decreasing" % (where, key))
    return out


# ---- figures and formatting -----------------------------------------------

def ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def mul(a, b):
    return None if a is None or b is None else a * b


NA = "n/a"


def f_scaled(v, small, large):
    """v with format small below 100, large from 100 up."""
    if v is None:
        return NA
    return (small if abs(v) < 100 else large) % v


def f_us(v):
    return f_scaled(v, "%.1f", "%.0f")


def f_ratio(v):
    return NA if v is None else "%.2f×" % v


def f_pps(v):
    return NA if v is None else "{:,.0f}".format(v)


def f_mbps(v):
    """Bytes/s as MB/s."""
    if v is None:
        return NA
    return "%.1f" % (v / MB) if v >= 10 * MB else "%.2f" % (v / MB)


def f_s(v):
    return f_scaled(v, "%.2f", "%.1f")


def f_num(v):
    return NA if v is None else "%g" % v


def f_range(run, key, fmt):
    """KEY's median by FMT, with its range when it was measured more than
    once: '3,809 (3,500–4,100)'."""
    vals = run.nums(key)
    if not vals:
        return NA
    if len(vals) == 1:
        return fmt(vals[0])
    return "%s (%s–%s)" % (fmt(statistics.median(vals)), fmt(min(vals)),
                           fmt(max(vals)))


def with_ratio(text, r):
    """'TEXT (R×)', or TEXT alone when the ratio is not known."""
    return text if r is None else "%s (%s)" % (text, f_ratio(r))


def md_cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def md_table(headers, rows, align=None):
    """A Markdown table; ALIGN is a string of 'l'/'r' per column."""
    align = align or "l" + "r" * (len(headers) - 1)
    sep = {"l": ":---", "r": "---:"}
    lines = ["| " + " | ".join(md_cell(h) for h in headers) + " |",
             "|" + "|".join(sep[a] for a in align) + "|"]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |"
              for row in rows]
    return lines


def pps_bytes(pps):
    return mul(pps, PAGE_BYTES)


# ---- targets ---------------------------------------------------------------

class Target:
    """
    One target of the issue. @beyond, if set, says why this run's own
    reference figures put the target out of reach of any backend on this
    test bed; None means they do not rule it out.
    """

    def __init__(self, desc, measured, op, limit, beyond=None):
        self.desc, self.measured = desc, measured
        self.op, self.limit = op, limit
        self.beyond = beyond

    @property
    def met(self):
        """True, False, or None if not measured."""
        if self.measured is None:
            return None
        if self.op == "≤":
            return self.measured <= self.limit
        return self.measured >= self.limit

    @property
    def out_of_reach(self):
        """Why a missed target is out of reach here, or None."""
        return self.beyond if self.met is False else None

    def row(self):
        measured = f_ratio(self.measured)
        if (self.met is False and self.measured is not None
                and round(self.measured, 2) == self.limit):
            measured = "%.4f×" % self.measured   # 2 decimals would hide why
        verdict = {True: "met", False: "**NOT met**", None: NA}[self.met]
        return [self.desc, measured, "%s %.2f×" % (self.op, self.limit),
                verdict, self.out_of_reach or ""]


def beyond_link(run, d, iperf, name):
    """
    A throughput target of 2x NBD that asks for more pages a second than
    iperf3 moved over the same link in the same direction: no protocol
    swaps faster than the link carries.
    """
    need = mul(TARGET_VS_NBD, run.num("nbd.swap%s_pps" % d))
    link = ratio(run.num(iperf), PAGE_BYTES)
    if need is None or link is None or need <= link:
        return None
    return ("above the link: %.0f× NBD is %s pages/s, iperf3 %s moved %s"
            % (TARGET_VS_NBD, f_pps(need), name, f_pps(link)))


def beyond_fault_cost(run, w):
    """
    A workload target that the local disk misses although its page-in
    takes less than the link's round trip, which any page-in over the link
    waits for at least once: the same faults, each served slower.
    """
    n = run.num
    disk = ratio(n("workload.%s.disk50_s" % w),
                 n("workload.%s.local100_s" % w))
    disk_p50, rtt_p50 = n("disk.pagein_us.p50"), n(RTT + ".p50")
    if disk is None or disk_p50 is None or rtt_p50 is None:
        return None
    if disk <= TARGET_WORKLOAD or disk_p50 >= rtt_p50:
        return None
    return ("the local disk took %s, with page-ins of %s µs (p50), %s the "
            "link's round trip" % (f_ratio(disk), f_us(disk_p50),
                                   f_ratio(ratio(disk_p50, rtt_p50))))


def replica_targets(run):
    n = run.num
    return [
        Target("page-in p50, replicas=2 ÷ replicas=1",
               ratio(n("netswap2.pagein_us.p50"), n("netswap.pagein_us.p50")),
               "≤", TARGET_R2_PAGEIN_P50),
        Target("swap-out pages/s, replicas=2 ÷ replicas=1",
               ratio(n("netswap2.swapout_pps"), n("netswap.swapout_pps")),
               "≥", TARGET_R2_SWAPOUT),
    ]


def targets(run, workloads):
    n = run.num
    if run.replicas:
        return replica_targets(run)
    out = [
        Target("netswap page-in p50 ÷ UDP RTT p50",
               ratio(n("netswap.pagein_us.p50"), n(RTT + ".p50")),
               "≤", TARGET_PAGEIN_P50),
        Target("netswap page-in p99 ÷ UDP RTT p99",
               ratio(n("netswap.pagein_us.p99"), n(RTT + ".p99")),
               "≤", TARGET_PAGEIN_P99),
    ]
    for d, iperf, name in (("out", IPERF_TX, "tx"), ("in", IPERF_RX, "rx")):
        pps = n("netswap.swap%s_pps" % d)
        out.append(Target("netswap swap-%s pages/s ÷ nbd" % d,
                          ratio(pps, n("nbd.swap%s_pps" % d)),
                          "≥", TARGET_VS_NBD,
                          beyond_link(run, d, iperf, name)))
        out.append(Target("netswap swap-%s bytes/s ÷ iperf3 %s" % (d, name),
                          ratio(pps_bytes(pps), n(iperf)),
                          "≥", TARGET_VS_IPERF))
    for w in workloads:
        out.append(Target("%s: netswap 50 %% time ÷ all-local" % w,
                          ratio(n("workload.%s.netswap50_s" % w),
                                n("workload.%s.local100_s" % w)),
                          "≤", TARGET_WORKLOAD,
                          beyond_fault_cost(run, w)))
    return out


def targets_summary(tlist):
    met = sum(1 for t in tlist if t.met)
    na = sum(1 for t in tlist if t.met is None)
    beyond = sum(1 for t in tlist if t.out_of_reach)
    s = "%d of %d met" % (met, len(tlist))
    s += ", %d out of reach here" % beyond if beyond else ""
    return s + (" (%d n/a)" % na if na else "")


# ---- report sections -------------------------------------------------------

def header(runs, workloads):
    lines = ["# netswap benchmark", ""]
    lines += ["All runs are QEMU software emulation, so absolute figures say "
              "little about real hardware: only ratios between figures "
              "measured in the same run mean anything. Compare kernels by "
              "their ratios, never by their raw figures.", ""]
    rows = [
        ["Kernel"] + [r.kernel for r in runs],
        ["Link"] + [r.text("link") or NA for r in runs],
        ["Results file"] + [os.path.basename(r.path) for r in runs],
        ["VM a (swapping) memory (MB)"]
        + [r.text("vm.a_mem_mb") or NA for r in runs],
        ["VM b (peer) memory (MB)"]
        + [r.text("vm.b_mem_mb") or NA for r in runs],
        ["Date"] + [r.text("date") or NA for r in runs],
        ["QEMU"] + [r.text("qemu") or NA for r in runs],
        ["Targets"] + [targets_summary(targets(r, workloads)) for r in runs],
    ]
    lines += md_table([""] + [r.short for r in runs], rows,
                      "l" * (len(runs) + 1))
    lines += ["", "Units: µs = microseconds; MB/s = 10^6 bytes per second; "
              "a page is 4 KiB; ratios are written 1.00×.", ""]
    return lines


def section_reference(run):
    n = run.num
    rows = [["UDP 4 KiB round trip %s (µs)" % s, f_us(n("%s.%s" % (RTT, s)))]
            for s in STATS]
    for key, what in ((IPERF_TX, "iperf3 tx, swapping VM → peer"),
                      (IPERF_RX, "iperf3 rx, peer → swapping VM")):
        v = n(key)
        rows.append([what, NA if v is None else
                     "%s B/s = %s MB/s = %s pages/s"
                     % (f_pps(v), f_mbps(v), f_pps(ratio(v, PAGE_BYTES)))])
    return (["### Reference: the link between the VMs", ""]
            + md_table(["Figure", "Value"], rows, "lr") + [""])


def rounds_note(run):
    if run.rounds() < 2:
        return ""
    return (" Each backend was measured %d times, the backends taking turns: "
            "the median, and in brackets the lowest and highest; MB/s and "
            "the ratios are of the medians." % run.rounds())


def section_latency(run):
    n = run.num
    rtt50, rtt99 = n(RTT + ".p50"), n(RTT + ".p99")
    rows = []
    for b in BACKENDS:
        p = ["%s.pagein_us.%s" % (b, s) for s in STATS]
        rows.append([BACKEND_DESC[b]] + [f_range(run, k, f_us) for k in p]
                    + [f_ratio(ratio(n(p[0]), rtt50)),
                       f_ratio(ratio(n(p[2]), rtt99))])
    rows.append(["*UDP 4 KiB round trip*"]
                + [f_us(n("%s.%s" % (RTT, s))) for s in STATS]
                + [f_ratio(ratio(rtt50, rtt50)), f_ratio(ratio(rtt99, rtt99))])
    lines = ["### Page-in latency", "",
             "One page fault reading one swapped-out page, readahead off.%s"
             % rounds_note(run), ""]
    lines += md_table(["Backend", "p50 (µs)", "p90 (µs)", "p99 (µs)",
                       "mean (µs)", "p50 ÷ RTT p50", "p99 ÷ RTT p99"], rows)
    return lines + [""]


def section_throughput(run):
    n = run.num
    rows = []
    for d, iperf, name in (("out", IPERF_TX, "tx"), ("in", IPERF_RX, "rx")):
        nbd = n("nbd.swap%s_pps" % d)
        for b in BACKENDS:
            pps = n("%s.swap%s_pps" % (b, d))
            vs_iperf = ratio(pps_bytes(pps), n(iperf))
            rows.append(["swap-%s" % d, BACKEND_DESC[b],
                         f_range(run, "%s.swap%s_pps" % (b, d), f_pps),
                         f_mbps(pps_bytes(pps)), f_ratio(ratio(pps, nbd)),
                         NA if vs_iperf is None else
                         "%s (%s)" % (f_ratio(vs_iperf), name),
                         f_range(run, "%s.cpu_us_per_page.%s" % (b, d),
                                 f_us)])
    lines = ["### Swap throughput", "",
             "Ratio to iperf3 compares bytes per second in the same "
             "direction: swap-out with iperf3 tx, swap-in with iperf3 rx. "
             "CPU is the swapping VM's CPU time (all CPUs, all contexts) "
             "per page.%s" % rounds_note(run), ""]
    lines += md_table(["Direction", "Backend", "pages/s", "MB/s", "÷ nbd",
                       "÷ iperf3", "CPU µs/page"], rows, "llrrrrr")
    return lines + [""]


def section_workloads(run, workloads):
    n = run.num
    rows, descs = [], []
    for w in workloads:
        local = n("workload.%s.local100_s" % w)
        cells = [w, f_num(n("workload.%s.wss_mb" % w)), f_s(local)]
        for b in BACKENDS:
            t = n("workload.%s.%s50_s" % (w, b))
            cells.append(with_ratio(f_s(t), ratio(t, local)))
        rows.append(cells)
        desc = run.text("workload.%s.desc" % w)
        if desc:
            descs.append("- **%s**: %s" % (w, desc))
    lines = ["### Workloads", "",
             "Run time in seconds with all of the working set in local "
             "memory, then with local memory limited to 50 % of it, swapping "
             "to each backend; in brackets, the ratio to all-local.", ""]
    lines += descs + ([""] if descs else [])
    lines += md_table(["Workload", "WSS (MiB)", "all-local (s)",
                       "netswap 50 % (s)", "nbd 50 % (s)", "disk 50 % (s)"],
                      rows)
    return lines + [""]


def section_targets(run, workloads):
    lines = ["### Targets", ""]
    lines += ["\"Out of reach here\" names a target that this run's own "
              "reference figures put beyond any backend on this test bed, "
              "and why; an empty cell means they do not rule it out.", ""]
    lines += md_table(["Target", "Measured", "Required", "Result",
                       "Out of reach here"],
                      [t.row() for t in targets(run, workloads)], "lrrll")
    return lines + [""]


def plot_links(paths, kernel):
    lines = []
    for title, path in paths:
        if path:
            lines.append("![%s, %s](%s)" % (title, kernel,
                                             os.path.basename(path)))
        else:
            lines.append("*%s: nothing measured, no plot.*" % title)
        lines.append("")
    return lines


def section_replicas(run):
    n = run.num
    rows = []
    figures = (("swap-out pages/s", "swapout_pps", f_pps),
               ("swap-in pages/s", "swapin_pps", f_pps),
               ("page-in p50 (µs)", "pagein_us.p50", f_us),
               ("page-in p90 (µs)", "pagein_us.p90", f_us),
               ("page-in p99 (µs)", "pagein_us.p99", f_us),
               ("CPU µs per page out", "cpu_us_per_page.out", f_us),
               ("CPU µs per page in", "cpu_us_per_page.in", f_us),
               ("retransmissions", "retransmits", f_pps))
    for what, key, fmt in figures:
        one, two = ("%s.%s" % (b, key) for b in REPLICA_BACKENDS)
        rows.append([what, f_range(run, one, fmt), f_range(run, two, fmt),
                     f_ratio(ratio(n(two), n(one)))])
    lines = ["### netswap with replicas=1 and replicas=2", "",
             "The same pagein over the same two stores (VMs b and c), with "
             "one copy of each page and with two; 2 ÷ 1 is the ratio of "
             "the medians.%s" % rounds_note(run).replace("backend",
                                                         "setting"), ""]
    lines += md_table(["Figure"] + [REPLICA_DESC[b] for b in
                                    REPLICA_BACKENDS] + ["2 ÷ 1"],
                      rows, "lrrr")
    drain = n(DRAIN)
    tx = n(IPERF_TX)
    lines += ["", "Draining a store (`netswapctl drain` on c, replicas=1, "
              "its pages moved to b): %s"
              % ("not measured."
                 if drain is None else
                 "%s MiB/s (%s MiB in %s s), iperf3 tx %s MiB/s (%s)."
                 % (f_num(drain), f_num(n("netswap.drain_mib")),
                    f_num(n("netswap.drain_s")),
                    NA if tx is None else "%.1f" % (tx / 1048576),
                    f_ratio(ratio(drain * 1048576, tx)))), ""]
    return lines


def section_run(run, workloads, plots):
    if run.replicas:
        lines = ["## Kernel %s" % run.title, ""]
        lines += section_reference(run)
        lines += section_replicas(run)
        lines += plot_links([("Page-in latency CDF", plots["latency"])],
                            run.title)
        return lines + section_targets(run, workloads)
    lines = ["## Kernel %s" % run.title, ""]
    lines += section_reference(run)
    lines += section_latency(run)
    lines += plot_links([("Page-in latency CDF", plots["latency"])],
                        run.title)
    lines += section_throughput(run)
    lines += plot_links([("Swap throughput", plots["throughput"])],
                        run.title)
    lines += section_workloads(run, workloads)
    lines += plot_links([("Workload %s" % w, plots["workload"][w])
                         for w in workloads], run.title)
    lines += section_targets(run, workloads)
    return lines


def section_other(runs):
    keys = []
    for run in runs:
        keys += [k for k in run.order if not is_known(k) and k not in keys]
    if not keys:
        return []
    rows = [[k] + [", ".join(run.values[k]) if k in run.values else NA
                   for run in runs] for k in keys]
    lines = ["## Other figures", ""]
    lines += md_table(["Key"] + [r.short for r in runs], rows,
                      "l" * (len(runs) + 1))
    return lines + [""]


# ---- plots -----------------------------------------------------------------

def new_figure():
    return plt.subplots(figsize=(9, 5), dpi=100)


def save(fig, outdir, name):
    path = os.path.join(outdir, name)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_latency(run, outdir):
    desc = REPLICA_DESC if run.replicas else BACKEND_DESC
    curves = [(desc[b], run.cdf("%s.pagein_us.cdf" % b), COLORS[b],
               "-") for b in desc]
    curves.append(("UDP 4 KiB round trip", run.cdf(RTT + ".cdf"),
                   COLORS["udp"], "--"))
    curves = [c for c in curves if c[1] is not None]
    if not curves:
        return None
    fig, ax = new_figure()
    pct = list(range(CDF_POINTS))
    for label, vals, color, style in curves:
        ax.plot(vals, pct, style, color=color, label=label, linewidth=1.8)
    ax.set_xscale("log")
    ax.set_ylim(0, 100)
    ax.set_yticks(range(0, 101, 10))
    ax.set_xlabel("latency (µs, log scale)")
    ax.set_ylabel("percentile (%)")
    ax.set_title("Page-in latency CDF (one page, readahead off)\nkernel %s"
                 % run.title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right")
    return save(fig, outdir, "latency-%s.png" % run.short)


def bar_labels(ax, bars, labels):
    for bar, label in zip(bars, labels):
        ax.annotate(label, (bar.get_x() + bar.get_width() / 2,
                            bar.get_height()),
                    xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=9)


def plot_throughput(run, outdir):
    n = run.num
    out = [pps_bytes(n("%s.swapout_pps" % b)) for b in BACKENDS]
    inn = [pps_bytes(n("%s.swapin_pps" % b)) for b in BACKENDS]
    tx, rx = n(IPERF_TX), n(IPERF_RX)
    if all(v is None for v in out + inn + [tx, rx]):
        return None
    mbps = [[0 if v is None else v / MB for v in vals] for vals in (out, inn)]
    fig, ax = new_figure()
    x = range(len(BACKENDS))
    w = 0.38
    colors = ("tab:purple", "tab:cyan")
    for i, (vals, raw, label) in enumerate(zip(mbps, (out, inn),
                                               ("swap-out", "swap-in"))):
        bars = ax.bar([xi + (i - 0.5) * w for xi in x], vals, w,
                      label=label, color=colors[i])
        bar_labels(ax, bars, [f_mbps(v) for v in raw])
    for v, color, style, label in ((tx, colors[0], "--", "iperf3 tx"),
                                   (rx, colors[1], ":", "iperf3 rx")):
        if v is not None:
            ax.axhline(v / MB, color=color, linestyle=style, linewidth=1.8,
                       label="%s (%s MB/s)" % (label, f_mbps(v)))
    ax.set_xticks(list(x))
    ax.set_xticklabels([BACKEND_DESC[b] for b in BACKENDS])
    ax.set_ylabel("MB/s (10^6 bytes per second)")
    ax.set_title("Swap throughput per backend, iperf3 for reference\n"
                 "kernel %s" % run.title)
    known = [v / MB for v in out + inn + [tx, rx] if v]
    top = max(known) if known else 1
    if top > 5 * min(known or [1]):
        # The local disk is not on the network at all: a log scale keeps
        # the network's bars readable beside it.
        ax.set_yscale("log")
        ax.set_ylim(min(known) / 2, top * 4)    # room for the legend
    else:
        ax.set_ylim(0, 1.35 * top)              # room for the legend
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="upper center", ncol=4, fontsize=9)
    return save(fig, outdir, "throughput-%s.png" % run.short)


def plot_workload(run, name, outdir):
    n = run.num
    local = n("workload.%s.local100_s" % name)
    times = [local] + [n("workload.%s.%s50_s" % (name, b)) for b in BACKENDS]
    if all(t is None for t in times):
        return None
    labels = ["all local"] + ["%s\n50 %% local" % BACKEND_DESC[b]
                              for b in BACKENDS]
    colors = [COLORS["local"]] + [COLORS[b] for b in BACKENDS]
    fig, ax = new_figure()
    bars = ax.bar(range(len(times)), [t or 0 for t in times], 0.6,
                  color=colors)
    bar_labels(ax, bars, [NA if t is None else "%s s\n%s"
                          % (f_s(t), f_ratio(ratio(t, local)))
                          for t in times])
    if local is not None:
        ax.axhline(TARGET_WORKLOAD * local, color="tab:red", linestyle="--",
                   linewidth=1.5, label="target: netswap ≤ %.1f × all local"
                   " = %s s" % (TARGET_WORKLOAD,
                                f_s(TARGET_WORKLOAD * local)))
        ax.legend(loc="upper left")
    ax.set_xticks(range(len(times)))
    ax.set_xticklabels(labels)
    ax.set_ylabel("run time (s)")
    wss = n("workload.%s.wss_mb" % name)
    ax.set_title("Workload %s%s: run time\nkernel %s"
                 % (name, "" if wss is None else ", %g MiB working set" % wss,
                    run.title))
    ax.margins(y=0.2)
    ax.grid(True, axis="y", alpha=0.3)
    return save(fig, outdir, "workload-%s-%s.png"
                % (safe_name(name), run.short))


def plot_run(run, workloads, outdir):
    if run.replicas:
        return {"latency": plot_latency(run, outdir)}
    return {
        "latency": plot_latency(run, outdir),
        "throughput": plot_throughput(run, outdir),
        "workload": {w: plot_workload(run, w, outdir) for w in workloads},
    }


# ---- main ------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Write OUTDIR/REPORT.md and PNG plots from netswap "
                    "benchmark results (one file per kernel).")
    p.add_argument("outdir")
    p.add_argument("results", nargs="+", metavar="RESULTS.tsv")
    p.add_argument("--notes", metavar="FILE.md",
                   help="Markdown appended verbatim at the end")
    p.add_argument("--check", action="store_true",
                   help="exit 1, one line per problem on stderr, if an "
                        "expected figure is missing or not positive")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    try:
        runs = [read_run(path) for path in args.results]
        notes = None
        if args.notes:
            with open(args.notes, encoding="utf-8") as f:
                notes = f.read()
    except OSError as e:
        warn(str(e))
        return 2
    unique_short_names(runs)
    workloads = all_workloads(runs)
    os.makedirs(args.outdir, exist_ok=True)

    lines = header(runs, workloads)
    for run in runs:
        lines += section_run(run, workloads, plot_run(run, workloads,
                                                      args.outdir))
    lines += section_other(runs)
    text = "\n".join(lines).rstrip("\n") + "\n"
    if notes:
        text += "\n" + notes
    report = os.path.join(args.outdir, "REPORT.md")
    with open(report, "w", encoding="utf-8") as f:
        f.write(text)
    print(report)

    if args.check:
        found = [p for run in runs for p in problems(run, workloads)]
        for line in found:
            print(line, file=sys.stderr)
        if found:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
