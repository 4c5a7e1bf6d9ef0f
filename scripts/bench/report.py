#!/usr/bin/python3
"""make bench's numbers: build/bench/results.json, report.md and the plots
(ratio.svg, exits.svg, drawn by gnuplot) from the "@" records that
scripts/bench/series.sh and scripts/bench.sh printed (the format: the
header of series.sh).

    report.py RAW OUTDIR TABLE...    (TABLE: bench/workloads, bench/overcommit)

parse() reads the records, aggregate() makes one Cell per configuration
and workload, render_json() and render_markdown() write them out. A
section other than the default one (the overcommitted vCPUs) tags its
configurations "CONFIG@TAG"; its cells get tables of their own.
"""
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field

NATIVE, FULL = "native", "full-virt"
# Molnar's 2007 KVM paravirt announcement: native / QEMU / KVM / KVM+pv-cr3
PAPER = {
    "ctx2": ("2-task context switch (us)", (1.11, 61.18, 6.36, 1.60)),
    "hackbench1_proc_sock": ("hackbench 1, 40 tasks (s)", (0.25, 7.8, 0.55, 0.36)),
    "hackbench5_proc_sock": ("hackbench 5, 200 tasks (s)", (0.9, 35.2, 2.8, 2.2)),
}
# ours beside them: native, full virtualization, KVM paravirt, hybridpv
PAPER_OURS = (NATIVE, FULL, "kvm-pv", "hybridpv-kvm")
# the markers' own cost, measured by every boot (bench/guest/driver.sh)
EMPTY = "_empty"
# the overcommitted section: the strongest peer, and the targets against it
# and full virtualization (hackbench and the lock workloads 30% faster)
TUNED, OURS = "kvm-pv-tuned", "hybridpv-kvm"
FAST_TARGET = 0.7
FAST_WORKLOADS = ("hackbench_proc", "hackbench_thread", "mutex", "mmap")
# the shadow-paging section: the CR3 port against it withheld, and against
# the same rows with nested paging (section tags "shadow" and "npt")
NOCR3 = "hybridpv-nocr3"
SHADOW_FASTER = 0.75     # rings of 4 or more: 25% faster than withheld
SHADOW_NEAR_NPT = 1.5    # and within 1.5x of the same ring under NPT
SHADOW_FEWER_EXITS = 0.75  # fork+exit, fork+exec: 25% fewer exits


@dataclass
class Workload:
    """a row of bench/workloads"""
    name: str
    unit: str  # us or s (lower is better), MiB/s (higher is better)
    op: str


@dataclass
class Record:
    """an @rec line: one run of one workload under one configuration"""
    config: str
    workload: str
    run: int
    value: float
    ops: float
    counters: dict  # KVM's counters and vmm_cpu_ms, deltas over the run; {} for native
    guest: dict = field(default_factory=dict)  # guest_* fields: what the guest measured over the run


@dataclass
class Header:
    """what the records say about the run as a whole"""
    fields: dict = field(default_factory=dict)  # @hdr KEY VALUE
    descriptions: dict = field(default_factory=dict)  # @cfg CONFIG DESCRIPTION
    guest_sees: dict = field(default_factory=dict)  # @info CONFIG TEXT
    notes: list = field(default_factory=list)  # @note TEXT
    sections: list = field(default_factory=list)  # @section NAME CPUS [TAG]: Section

    def get(self, key):
        return self.fields.get(key)

    @property
    def nested(self):
        return self.fields.get("mode", "").startswith("nested")

    @property
    def elapsed_s(self):
        return int(self.fields.get("elapsed_s", 0))


@dataclass
class Section:
    """a section of make bench other than the default: its tag on the
    configurations' names, and its vCPUs"""
    name: str
    cpus: int
    tag: str


def split_config(cfg):
    """"CONFIG@TAG" -> (CONFIG, TAG); untagged (the default section): TAG "" """
    base, _, tag = cfg.partition("@")
    return base, tag


@dataclass
class Raw:
    header: Header
    records: list
    configs: list  # in the order their records appear


@dataclass
class Cell:
    """one configuration x workload: its runs aggregated"""
    config: str
    workload: str
    unit: str
    op: str
    median: float
    min: float
    max: float
    runs: int
    # per counter, median over runs of (delta - the markers' median) / ops;
    # None where nothing was counted (native)
    exits_by_counter: dict = None
    # the guest's steal time over a run, all vCPUs (median of the runs), ms
    steal_ms: float = None

    @property
    def exits_per_op(self):
        return self.exits_by_counter.get("exits") if self.exits_by_counter else None

    @property
    def vmm_cpu_ms_per_op(self):
        return self.exits_by_counter.get("vmm_cpu_ms") if self.exits_by_counter else None

    def as_json(self):
        base, tag = split_config(self.config)
        return {
            "config": base, "section": tag or "default",
            "workload": self.workload, "unit": self.unit, "op": self.op,
            "median": self.median, "min": self.min, "max": self.max, "runs": self.runs,
            "exits_per_op": self.exits_per_op,
            "vmm_cpu_ms_per_op": self.vmm_cpu_ms_per_op,
            "exits_per_op_by_counter": self.exits_by_counter,
            "steal_ms_per_run": self.steal_ms,
        }


# -- parse --

def read_table(path):
    """bench/workloads: name -> Workload, in table order"""
    table = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or "|" not in line:
                continue
            name, unit, op, _ = (x.strip() for x in line.split("|", 3))
            table[name] = Workload(name, unit, op)
    return table


def read_tables(paths):
    """several tables (their names are distinct) -> one, in order"""
    table = {}
    for p in paths:
        table.update(read_table(p))
    return table


def parse_record(rest):
    f = rest.split()
    fields = [kv.split("=") for kv in f[5:]]
    counters = {k: int(v) for k, v in fields if not k.startswith("guest_")}
    guest = {k: int(v) for k, v in fields if k.startswith("guest_")}
    return Record(f[0], f[1], int(f[2]), float(f[3]), float(f[4]), counters, guest)


def parse(lines):
    """the "@" lines of a raw file -> Raw; other lines are ignored"""
    header, records, configs = Header(), [], []
    for line in lines:
        kind, _, rest = line.rstrip("\n").partition(" ")
        if kind == "@hdr":
            key, _, value = rest.partition(" ")
            header.fields[key] = value
        elif kind == "@cfg":
            cfg, _, text = rest.partition(" ")
            header.descriptions[cfg] = text
        elif kind == "@info":
            cfg, _, text = rest.partition(" ")
            header.guest_sees[cfg] = text
        elif kind == "@rec":
            rec = parse_record(rest)
            records.append(rec)
            if rec.config not in configs:
                configs.append(rec.config)
        elif kind == "@note":
            header.notes.append(rest)
        elif kind == "@section":
            f = rest.split()
            if len(f) == 3:
                header.sections.append(Section(f[0], int(f[1]), f[2]))
    return Raw(header, records, configs)


# -- aggregate --

def exits_per_op(runs, empty):
    """median over runs of (counter delta - the markers' own cost) / ops,
    per counter; None where nothing was counted (native)"""
    if not runs[0].counters:
        return None
    out = {}
    # (a resumed series may join runs from sessions that counted different things)
    for counter in [k for k in runs[0].counters if all(k in r.counters for r in runs)]:
        base_runs = [r.counters[counter] for r in empty if counter in r.counters]
        base = statistics.median(base_runs) if base_runs else 0
        out[counter] = round(statistics.median(max(r.counters[counter] - base, 0) / r.ops for r in runs), 3)
    return out


def aggregate(raw, table):
    """-> (workloads with any record, in table order; cells by (config, workload))"""
    runs = {}
    for r in raw.records:
        runs.setdefault((r.config, r.workload), []).append(r)
    # (the default section's workloads; a tagged section's are in table order too)
    workloads = [w for w in table if any((c, w) in runs for c in raw.configs if not split_config(c)[1])]
    cells = {}
    for cfg in raw.configs:
        empty = runs.get((cfg, EMPTY), [])
        for wl in table:
            rs = runs.get((cfg, wl))
            if not rs:
                continue
            vals = [r.value for r in rs]
            steal = [r.guest["guest_steal_ms"] for r in rs if "guest_steal_ms" in r.guest]
            cells[cfg, wl] = Cell(cfg, wl, table[wl].unit, table[wl].op,
                                  statistics.median(vals), min(vals), max(vals), len(vals),
                                  exits_per_op(rs, empty),
                                  statistics.median(steal) if steal else None)
    return workloads, cells


def slowdown(unit, value, ref):
    """> 1: slower than ref, whatever the unit's direction"""
    if not ref or not value:
        return None
    return ref / value if unit == "MiB/s" else value / ref


def ratio(cells, ref):
    """(config, workload) -> slowdown of the config against ref"""
    def f(c, wl):
        r, b = cells.get((c, wl)), cells.get((ref, wl))
        return slowdown(r.unit, r.median, b.median) if r and b else None
    return f


def attr(cells, name):
    """(config, workload) -> the cell's NAME, None where there is no cell"""
    def f(c, wl):
        r = cells.get((c, wl))
        return getattr(r, name) if r else None
    return f


def shown_counters(cells):
    """KVM's counters by name, those not 0 in some cell; exits (the
    total) and vmm_cpu_ms have their own tables"""
    by = [r.exits_by_counter for r in cells.values() if r.exits_by_counter]
    names = dict.fromkeys(k for e in by for k in e)
    return [k for k in names if k not in ("exits", "vmm_cpu_ms") and any(e.get(k) for e in by)]


# -- render --

def fmt(x, digits=2):
    if x is None:
        return "–"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.{digits}f}"


def md_table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def grid(workloads, fn, cfgs, label=lambda wl: wl):
    """a table of fn(config, workload), one row per workload"""
    return md_table(["workload"] + cfgs, [[label(wl)] + [fmt(fn(c, wl)) for c in cfgs] for wl in workloads])


def header_json(h):
    return {
        "machine": h.get("machine"),
        "mode": "nested" if h.nested else "direct",
        "mode_detail": h.get("mode"),
        "native_is": "the L1 KVM host itself (same bzImage, under QEMU's TCG)" if h.nested else "this host",
        "host_kernel": h.get("host_kernel"),
        "vm_host_kernel": h.get("vm_host_kernel"),
        "qemu": h.get("qemu"),
        "date": h.get("date"),
        "guest_cpus": h.get("cpus"), "guest_mem": h.get("mem"),
        "guest_cmdline": h.get("guest_cmdline"),
        "runs_per_cell": int(h.get("runs") or 0),
        "elapsed_s": h.elapsed_s,
        "host_load_before_after": [h.get("load_before"), h.get("load_after")],
        "configs": h.descriptions,
        "guest_sees": h.guest_sees,
        "notes": h.notes,
    }


def render_json(raw, cells):
    return {"header": header_json(raw.header), "results": [c.as_json() for c in cells.values()]}


def md_head(h):
    hj = header_json(h)
    md = [f"# make bench, {hj['date']}\n"]
    if h.nested:
        md.append("> **Nested under QEMU's TCG.** This machine has no VT-x/AMD-V: every guest runs "
                  "under a KVM host (L1) that QEMU's TCG emulates, and \"native\" is that L1 host. "
                  "Absolute times say little about hardware and nothing across machines; read the "
                  "ratios and the exit counts, which are the stable measure here.\n")
    else:
        md.append("> **Direct**: the guests run on this host's KVM with VT-x/AMD-V; native is this host.\n")
    md.append(f"- machine: {hj['machine']}; mode: {hj['mode_detail']}")
    md.append(f"- native: {hj['native_is']}")
    md.append(f"- kernels: host {hj['host_kernel']}, VM host and guest {hj['vm_host_kernel']}; {hj['qemu']}")
    # (the vCPUs are the default section's; the others say their own)
    cpus = f"{hj['guest_cpus']} vCPUs, " if hj["guest_cpus"] else ""
    md.append(f"- every guest: {cpus}{hj['guest_mem']}, command line "
              f"`{hj['guest_cmdline']} hpvcmd_b64=...`")
    md.append(f"- {hj['runs_per_cell']} runs per cell (medians; min/max in the last table); "
              f"whole `make bench` {h.elapsed_s // 60} min {h.elapsed_s % 60} s")
    md.append(f"- host load average (1, 5, 15 min) before: {h.get('load_before')}, after: "
              f"{h.get('load_after')}; anything else running on these 2 cores skews the times")
    md += [f"- {n}" for n in h.notes]
    return md


def md_configs(h, configs):
    return ["\n## Configurations\n",
            md_table(["config", "what it is", "what the guest found"],
                     [[c, h.descriptions.get(c, "–"), h.guest_sees.get(c, "–")] for c in configs])]


def md_ratios(workloads, cells, configs, virt):
    md = ["\n## Slowdown against native\n",
          "Median over median, > 1 is slower (for pipe_bw, native's bandwidth over the config's).\n",
          grid(workloads, ratio(cells, NATIVE), virt)]
    if FULL in configs:
        md += ["\n## Against full virtualization\n",
               "< 1 is faster than full virtualization.\n",
               grid(workloads, ratio(cells, FULL), [c for c in virt if c != FULL])]
    return md


def md_by_counter(workloads, cells, cfgs, label=lambda c: c):
    """KVM's counters per operation, a table per configuration"""
    counters = shown_counters(cells)
    if not counters:
        return []
    md = ["\n### By counter\n",
          "KVM's counters per operation, those not 0 everywhere. They overlap: "
          "insn_emulation counts instructions KVM emulated, which without APIC "
          "virtualization are mostly the guest's xAPIC accesses (EOI, ICR for IPIs, timer) "
          "trapping as nested page faults; io_exits include the hybrid ABI's port-I/O "
          "doorbell; hypercalls are KVM's in-kernel ones.\n"]
    for cfg in cfgs:
        rows = [[wl] + [fmt(r.exits_by_counter.get(k)) for k in counters]
                for wl in workloads
                for r in [cells.get((cfg, wl))] if r and r.exits_by_counter]
        if rows:
            md.append(f"\n**{label(cfg)}**\n")
            md.append(md_table(["workload"] + counters, rows))
    return md


def md_exits(workloads, cells, table, virt):
    per_op = lambda wl: f"{wl} (per {table[wl].op})"
    md = ["\n## VM exits per operation\n",
          "From KVM's counters (debugfs, summed over the VM) read at markers around each run, "
          "less the markers' own cost (a pseudo-workload with nothing between them), divided "
          "by the operations the workload ran; median of the runs. Native: none.\n",
          grid(workloads, attr(cells, "exits_per_op"), virt, per_op)]
    md += md_by_counter(workloads, cells, virt)
    if any(r.vmm_cpu_ms_per_op is not None for r in cells.values()):
        md.append("\n## Host CPU time per operation\n")
        md.append("CPU time (ms) of the VMM's processes, all their threads, read from /proc on the "
                  "VM host at the same markers, less the markers' own cost, per operation; 10 ms "
                  "resolution. For pv_idle (per idle second) it is the host CPU an idle guest "
                  "costs: 10 ms per second is 1% of a CPU.\n")
        md.append(grid(workloads, attr(cells, "vmm_cpu_ms_per_op"), virt, per_op))
    return md


def md_paper(cells):
    rows = []
    for wl, (label, paper) in PAPER.items():
        row = [label] + [f"{v:g} ({v / paper[0]:.1f}x)" for v in paper]
        for c in PAPER_OURS:
            r, n = cells.get((c, wl)), cells.get((NATIVE, wl))
            row.append(f"{fmt(r.median, 3)} ({fmt(slowdown(r.unit, r.median, n.median), 1)}x)"
                       if r and n else "–")
        rows.append(row)
    return ["\n## Beside the 2007 table\n",
            "Molnar's KVM paravirt announcement (2007, native / QEMU / KVM / KVM+paravirt-cr3) "
            "beside ours (native / full-virt / kvm-pv / hybridpv-kvm); slowdowns against native "
            "in parentheses. Ours run fewer hackbench loops (see bench/workloads), so compare "
            "ratios, not seconds.\n",
            md_table(["", "2007 native", "2007 QEMU", "2007 KVM", "2007 KVM+pv-cr3"]
                     + [f"ours {c}" for c in PAPER_OURS], rows)]


def md_spread(workloads, cells, table, configs):
    rows = []
    for wl in workloads:
        row = [wl, table[wl].unit]
        for c in configs:
            r = cells.get((c, wl))
            row.append(f"{fmt(r.median, 3)} [{fmt(r.min, 3)}–{fmt(r.max, 3)}]" if r else "–")
        rows.append(row)
    return ["\n## Medians with min and max\n", md_table(["workload", "unit"] + configs, rows)]


def at_or_ahead(ours, peer):
    """ours at (inside the peer's min-max spread) or ahead of the peer"""
    if ours.unit == "MiB/s":
        return ours.median >= peer.min
    return ours.median <= peer.max


def md_targets(workloads, cells, tag):
    """per workload: hybridpv-kvm against kvm-pv-tuned (at or ahead) and,
    for hackbench and the locks, against full virtualization (30% faster)"""
    rows = []
    for wl in workloads:
        ours, tuned, full = (cells.get((f"{c}@{tag}", wl)) for c in (OURS, TUNED, FULL))
        if not ours:
            continue
        vs_tuned = ("–" if not tuned else
                    ("at or ahead" if at_or_ahead(ours, tuned) else "**behind**")
                    + f" ({fmt(slowdown(ours.unit, ours.median, tuned.median))}x)")
        if wl in FAST_WORKLOADS and full:
            r = slowdown(ours.unit, ours.median, full.median)
            vs_full = ("met" if r <= FAST_TARGET else "**not met**") + f" ({fmt(r)}x)"
        else:
            vs_full = "–"
        rows.append([wl, vs_tuned, vs_full])
    return md_table(["workload", f"{OURS} against {TUNED}",
                     f"{OURS} at most {FAST_TARGET}x {FULL}"], rows)


def md_overcommit(raw, table, cells):
    """one part per section of overcommitted vCPUs"""
    md = []
    for sec in raw.header.sections:
        if sec.name != "overcommit":
            continue
        cfgs = [c for c in raw.configs if split_config(c)[1] == sec.tag]
        workloads = [wl for wl in table if any((c, wl) in cells for c in cfgs)]
        if not workloads:
            continue
        names = [split_config(c)[0] for c in cfgs]
        at = lambda fn: lambda c, wl: fn(f"{c}@{sec.tag}", wl)
        steal = lambda c, wl: (cells[c, wl].steal_ms / sec.cpus
                               if (c, wl) in cells and cells[c, wl].steal_ms is not None else None)
        per_op = lambda wl: f"{wl} (per {table[wl].op})"
        md += [f"\n## Overcommitted: {sec.cpus} vCPUs on the VM host's "
               f"{raw.header.get('vm_host_cpus') or 'CPUs'}\n",
               f"bench/overcommit with {sec.cpus} vCPUs a guest; every guest otherwise as above.\n",
               "\n### Time\n", "Median [min–max].\n",
               md_table(["workload", "unit"] + names,
                        [[wl, table[wl].unit] + [f"{fmt(r.median, 3)} [{fmt(r.min, 3)}–{fmt(r.max, 3)}]"
                                                 if r else "–" for r in (cells.get((c, wl)) for c in cfgs)]
                         for wl in workloads]),
               "\n### Targets\n",
               f"{OURS} at or ahead of {TUNED} (inside its min–max spread counts as at; "
               f"ratio of medians in parentheses), and on hackbench and the lock workloads at "
               f"most {FAST_TARGET}x the time of {FULL}.\n",
               md_targets(workloads, cells, sec.tag)]
        if FULL in names:
            md += ["\n### Against full virtualization\n", "< 1 is faster.\n",
                   grid(workloads, at(ratio(cells, f"{FULL}@{sec.tag}")), [n for n in names if n != FULL])]
        md += ["\n### VM exits per operation\n",
               grid(workloads, at(attr(cells, "exits_per_op")), names, per_op)]
        md += md_by_counter(workloads, {k: v for k, v in cells.items() if k[0] in cfgs}, cfgs,
                            label=lambda c: split_config(c)[0])
        md += [
               "\n### Host CPU time per operation (ms)\n",
               grid(workloads, at(attr(cells, "vmm_cpu_ms_per_op")), names, per_op),
               "\n### Steal per vCPU (ms per run)\n",
               "The guest's own steal accounting (/proc/stat) over a run, summed over its vCPUs "
               "and divided by them; 0 for a guest that accounts none (full virtualization, "
               "hpv-nohybrid).\n",
               grid(workloads, at(steal), names)]
    return md


def per_switch(cells, cfg, wl, counter):
    r = cells.get((cfg, wl))
    return r.exits_by_counter.get(counter) if r and r.exits_by_counter else None


def md_shadow_targets(workloads, cells, tag, ref_tag):
    """per workload: the CR3 port against it withheld, and against NPT"""
    ours, nocr3, npt = f"{OURS}@{tag}", f"{NOCR3}@{tag}", f"{OURS}@{ref_tag}"
    rows = []
    for wl in workloads:
        a, b, n = cells.get((ours, wl)), cells.get((nocr3, wl)), cells.get((npt, wl))
        if not a or not b:
            continue
        faster = slowdown(a.unit, a.median, b.median)
        ex_a, ex_b = per_switch(cells, ours, wl, "exits"), per_switch(cells, nocr3, wl, "exits")
        em_a, em_b = (per_switch(cells, ours, wl, "insn_emulation"),
                      per_switch(cells, nocr3, wl, "insn_emulation"))
        miss = per_switch(cells, ours, wl, "cr3_root_miss")
        if wl.startswith("ring") and not wl.startswith("ring2"):
            goal = ("met" if faster is not None and faster <= SHADOW_FASTER else "**not met**")
            goal += f" ({fmt(faster)}x)"
            near = slowdown(a.unit, a.median, n.median) if n else None
            vs_npt = (("met" if near <= SHADOW_NEAR_NPT else "**not met**") + f" ({fmt(near)}x)"
                      if near is not None else "–")
        elif wl in ("sp_fork_exit", "sp_fork_exec"):
            fewer = ex_a / ex_b if ex_a is not None and ex_b else None
            goal = (("met" if fewer is not None and fewer <= SHADOW_FEWER_EXITS else "**not met**")
                    + f" (exits {fmt(fewer)}x)")
            vs_npt = "–"
        elif wl == "sp_hackbench_proc":
            goal = ("met" if a.median < b.median else "**not met**") + f" ({fmt(faster)}x)"
            vs_npt = "–"
        elif wl == "sp_hackbench_thread":
            goal = ("met" if a.median <= b.max else "**not met**") + f" ({fmt(faster)}x)"
            vs_npt = "–"
        else:
            goal, vs_npt = f"control ({fmt(faster)}x)", "–"
        rows.append([wl, goal, vs_npt, f"{fmt(ex_a)} / {fmt(ex_b)}", f"{fmt(em_a)} / {fmt(em_b)}",
                     fmt(miss)])
    return md_table(["workload", f"{OURS} against {NOCR3}", f"within {SHADOW_NEAR_NPT}x of NPT",
                     "exits per op (port / withheld)", "emulations per op", "root misses per op"],
                    rows)


def md_shadow(raw, table, cells):
    """the shadow-paging section: its configurations, and the NPT reference"""
    tags = [s.tag for s in raw.header.sections if s.name == "shadow"]
    if not tags:
        return []
    tag = next((t for t in tags if t != "npt"), tags[0])
    ref_tag = "npt" if "npt" in tags and tag != "npt" else None
    cfgs = [c for c in raw.configs if split_config(c)[1] == tag]
    refs = [c for c in raw.configs if ref_tag and split_config(c)[1] == ref_tag]
    workloads = [wl for wl in table if any((c, wl) in cells for c in cfgs)]
    if not workloads:
        return []
    label = lambda c: c if split_config(c)[1] == ref_tag else split_config(c)[0]
    per_op = lambda wl: f"{wl} (per {table[wl].op})"
    shown = cfgs + refs
    md = [f"\n## Shadow paging ({tag})\n",
          "bench/shadow with the VM host's KVM shadowing the guest's page tables "
          "(nested: L1 booted with kvm_amd.npt=0), every guest otherwise as above; "
          f"the @{ref_tag} columns are the same rows with nested paging, the reference.\n"
          if ref_tag else "bench/shadow on the VM host's KVM as loaded.\n",
          "\n### Time\n", "Median [min–max].\n",
          md_table(["workload", "unit"] + [label(c) for c in shown],
                   [[wl, table[wl].unit] + [f"{fmt(r.median, 3)} [{fmt(r.min, 3)}–{fmt(r.max, 3)}]"
                                            if r else "–" for r in (cells.get((c, wl)) for c in shown)]
                    for wl in workloads])]
    if any(split_config(c)[0] == NOCR3 for c in cfgs):
        md += ["\n### Targets\n",
               f"{OURS} (the CR3 port) against {NOCR3} (it withheld), ratio of medians: rings of 4 "
               f"or more at most {SHADOW_FASTER}x and within {SHADOW_NEAR_NPT}x of {OURS} under NPT; "
               f"fork+exit and fork+exec at most {SHADOW_FEWER_EXITS}x the exits; hackbench with "
               "processes faster, with threads (one mm) not slower than the withheld row's "
               "slowest run.\n",
               md_shadow_targets(workloads, cells, tag, ref_tag)]
    exits = attr(cells, "exits_per_op")
    md += ["\n### VM exits per operation\n",
           md_table(["workload"] + [label(c) for c in shown],
                    [[per_op(wl)] + [fmt(exits(c, wl)) for c in shown] for wl in workloads])]
    md += md_by_counter(workloads, {k: v for k, v in cells.items() if k[0] in shown}, shown,
                        label=label)
    md += md_shadow_paper(cells, tag)
    return md


def md_shadow_paper(cells, tag):
    """Molnar's 2007 figures (a shadow-paging host) beside ours under shadow paging"""
    ours = [FULL, "kvm-pv", NOCR3, OURS]
    pairs = (("ctx2", "ring2"), ("hackbench1_proc_sock", "sp_hackbench_proc"))
    rows = []
    for paper_wl, wl in pairs:
        label, vals = PAPER[paper_wl]
        mine = [cells.get((f"{c}@{tag}", wl)) for c in ours]
        rows.append([label, " / ".join(fmt(v) for v in vals),
                     " / ".join(fmt(m.median, 3) if m else "–" for m in mine)])
    return ["\n### Beside the 2007 cr3 cache\n",
            "2007: native / QEMU / KVM / KVM with its cr3 cache, on a shadow-paging VT host. "
            f"Ours, nested under shadow paging: {' / '.join(ours)} (ring2 is a 2-process "
            "pipe ring, its pipe cost included; sp_hackbench_proc is hackbench 1 with 10 loops, "
            "not 2007's run).\n",
            md_table(["workload", "2007", "ours"], rows)]


def render_markdown(raw, workloads, cells, table, hypercall_md=None, plots=(None, None)):
    """report.md; plots: the ratio and exits plots' file names, None for
    one left out"""
    configs = [c for c in raw.configs if not split_config(c)[1]]
    # (native with idle=poll: a ratio against native, but no VM to count exits of)
    virt = [c for c in configs if not c.startswith(NATIVE)]
    md = md_head(raw.header)
    # (a run of other sections alone: their configurations, and no default tables)
    md += md_configs(raw.header, configs or raw.configs)
    if workloads:
        md += md_ratios(workloads, cells, configs, [c for c in configs if c != NATIVE])
        md += md_exits(workloads, cells, table, virt)
        md += md_paper(cells)
        md += md_spread(workloads, cells, table, configs)
    md += md_overcommit(raw, table, cells)
    md += md_shadow(raw, table, cells)
    if hypercall_md is not None:
        md += ["\n## Hypercall cost by route (scripts/bench-hypercall.sh)\n", hypercall_md]
    if workloads:
        md.append("\n## Plots\n")
        for svg, alt in zip(plots, ("slowdown against native", "exits per operation")):
            md.append(f"![{alt}]({svg})" if svg else "(a plot with nothing to draw is left out)")
    return "\n".join(md) + "\n"


# -- plots --

def plot(outdir, name, title, ylabel, configs, rows):
    """clustered bars, log y: rows = [(workload, [value per config])];
    the SVG's file name, or None when there is nothing to draw"""
    if not any(v and v > 0 for _, vals in rows for v in vals):
        return None
    dat = os.path.join(outdir, name + ".dat")
    with open(dat, "w") as f:
        f.write("workload " + " ".join(configs) + "\n")
        for wl, vals in rows:
            f.write(wl + " " + " ".join("?" if v is None or v <= 0 else f"{v:g}" for v in vals) + "\n")
    script = f"""
set terminal svg size 1400,640 dynamic font "sans,11" noenhanced
set output "{os.path.join(outdir, name + '.svg')}"
set title "{title}"
set ylabel "{ylabel}"
set logscale y
set grid ytics
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set xtics rotate by -40 scale 0
set key outside right top
set datafile missing "?"
plot for [i=2:{len(configs) + 1}] "{dat}" using i:xtic(1) title columnheader(i)
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True, stderr=subprocess.DEVNULL)
    return name + ".svg"


def draw_plots(outdir, raw, workloads, cells):
    virt = [c for c in raw.configs if not c.startswith(NATIVE) and not split_config(c)[1]]
    against_native, exits = ratio(cells, NATIVE), attr(cells, "exits_per_op")
    return (plot(outdir, "ratio", "Slowdown against native (log scale; 1 = native)",
                 "config / native", virt, [(wl, [against_native(c, wl) for c in virt]) for wl in workloads]),
            plot(outdir, "exits", "VM exits per operation (log scale; 0 not drawn)",
                 "exits per op", virt, [(wl, [exits(c, wl) for c in virt]) for wl in workloads]))


def main():
    if len(sys.argv) < 4:
        print("report.py: usage: report.py RAW OUTDIR TABLE...", file=sys.stderr)
        sys.exit(2)
    raw_path, outdir = sys.argv[1:3]
    table = read_tables(sys.argv[3:])
    with open(raw_path) as f:
        raw = parse(f)
    workloads, cells = aggregate(raw, table)
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(render_json(raw, cells), f, indent=1)
    hyper = os.path.join(outdir, "hypercall.md")
    hypercall_md = None
    if os.path.exists(hyper):
        with open(hyper) as f:
            hypercall_md = f.read()
    plots = draw_plots(outdir, raw, workloads, cells)
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write(render_markdown(raw, workloads, cells, table, hypercall_md, plots))


if __name__ == "__main__":
    main()
