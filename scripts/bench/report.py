#!/usr/bin/python3
"""make bench's numbers: build/bench/results.json, report.md and the plots
(ratio.svg, exits.svg, drawn by gnuplot) from the "@" records that
scripts/bench/series.sh printed.

    report.py RAW WORKLOADS OUTDIR
"""
import json
import os
import statistics
import subprocess
import sys

NATIVE, FULL = "native", "full-virt"
# Molnar's 2007 KVM paravirt announcement: native / QEMU / KVM / KVM+pv-cr3
PAPER = {
    "ctx2": ("2-task context switch (us)", (1.11, 61.18, 6.36, 1.60)),
    "hackbench1_proc_sock": ("hackbench 1, 40 tasks (s)", (0.25, 7.8, 0.55, 0.36)),
    "hackbench5_proc_sock": ("hackbench 5, 200 tasks (s)", (0.9, 35.2, 2.8, 2.2)),
}
# ours beside them: native, full virtualization, KVM paravirt, hybridpv
PAPER_OURS = (NATIVE, FULL, "kvm-pv", "hybridpv-kvm")


def read_table(path):
    """bench/workloads: name -> (unit, op), in table order"""
    table = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or "|" not in line:
                continue
            name, unit, op, _ = (x.strip() for x in line.split("|", 3))
            table[name] = (unit, op)
    return table


def read_raw(path):
    header, info, recs, notes, configs = {}, {}, {}, [], []
    with open(path) as f:
        for line in f:
            kind, _, rest = line.rstrip("\n").partition(" ")
            if kind == "@hdr":
                key, _, value = rest.partition(" ")
                header[key] = value
            elif kind == "@info":
                cfg, _, text = rest.partition(" ")
                info[cfg] = text
            elif kind == "@rec":
                f_ = rest.split()
                cfg, wl = f_[0], f_[1]
                exits = dict(kv.split("=") for kv in f_[5:])
                rec = (float(f_[3]), float(f_[4]), {k: int(v) for k, v in exits.items()})
                recs.setdefault((cfg, wl), []).append(rec)
                if cfg not in configs:
                    configs.append(cfg)
            elif kind == "@note":
                notes.append(rest)
    return header, info, recs, notes, configs


def exits_per_op(runs, empty):
    """median over runs of (counter delta - the markers' own cost) / ops,
    per counter; None where nothing was counted (native)"""
    if not runs[0][2]:
        return None
    out = {}
    # (a resumed series may join runs from sessions that counted different things)
    for counter in [k for k in runs[0][2] if all(k in r[2] for r in runs)]:
        base_runs = [r[2][counter] for r in empty if counter in r[2]]
        base = statistics.median(base_runs) if base_runs else 0
        out[counter] = round(statistics.median(max(r[2][counter] - base, 0) / r[1] for r in runs), 3)
    return out


def slowdown(unit, value, ref):
    """> 1: slower than ref, whatever the unit's direction"""
    if not ref or not value:
        return None
    return ref / value if unit == "MiB/s" else value / ref


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


def plot(outdir, name, title, ylabel, configs, rows):
    """clustered bars, log y: rows = [(workload, [value per config])];
    nothing (and False) when there is nothing to draw"""
    if not any(v and v > 0 for _, vals in rows for v in vals):
        return False
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
    return True


def main():
    if len(sys.argv) != 4:
        print("report.py: usage: report.py RAW WORKLOADS OUTDIR", file=sys.stderr)
        sys.exit(2)
    raw, table_path, outdir = sys.argv[1:]
    table = read_table(table_path)
    header, info, recs, notes, configs = read_raw(raw)
    workloads = [w for w in table if any((c, w) in recs for c in configs)]
    virt = [c for c in configs if c != NATIVE]

    results, by = [], {}
    for cfg in configs:
        empty = recs.get((cfg, "_empty"), [])
        for wl in workloads:
            runs = recs.get((cfg, wl))
            if not runs:
                continue
            vals = [r[0] for r in runs]
            epo = exits_per_op(runs, empty)
            rec = {
                "config": cfg, "workload": wl, "unit": table[wl][0], "op": table[wl][1],
                "median": statistics.median(vals), "min": min(vals), "max": max(vals),
                "runs": len(vals),
                "exits_per_op": epo["exits"] if epo else None,
                "vmm_cpu_ms_per_op": epo.get("vmm_cpu_ms") if epo else None,
                "exits_per_op_by_counter": epo,
            }
            results.append(rec)
            by[cfg, wl] = rec

    nested = header.get("mode", "").startswith("nested")
    head = {
        "machine": header.get("machine"),
        "mode": "nested" if nested else "direct",
        "mode_detail": header.get("mode"),
        "native_is": "the L1 KVM host itself (same bzImage, under QEMU's TCG)" if nested else "this host",
        "host_kernel": header.get("host_kernel"),
        "vm_host_kernel": header.get("vm_host_kernel"),
        "qemu": header.get("qemu"),
        "date": header.get("date"),
        "guest_cpus": header.get("cpus"), "guest_mem": header.get("mem"),
        "guest_cmdline": header.get("guest_cmdline"),
        "runs_per_cell": int(header.get("runs", 0)),
        "elapsed_s": int(header.get("elapsed_s", 0)),
        "host_load_before_after": [header.get("load_before"), header.get("load_after")],
        "guest_sees": info,
        "notes": notes,
    }
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump({"header": head, "results": results}, f, indent=1)

    def grid(fn, cfgs, label=lambda wl: wl):
        rows = []
        for wl in workloads:
            rows.append([label(wl)] + [fmt(fn(c, wl)) for c in cfgs])
        return md_table(["workload"] + cfgs, rows)

    def ratio(ref):
        def f(c, wl):
            r, b = by.get((c, wl)), by.get((ref, wl))
            return slowdown(r["unit"], r["median"], b["median"]) if r and b else None
        return f

    def field(name):
        def f(c, wl):
            r = by.get((c, wl))
            return r[name] if r else None
        return f

    epo = field("exits_per_op")

    md = [f"# make bench, {head['date']}\n"]
    if nested:
        md.append("> **Nested under QEMU's TCG.** This machine has no VT-x/AMD-V: every guest runs "
                  "under a KVM host (L1) that QEMU's TCG emulates, and \"native\" is that L1 host. "
                  "Absolute times say little about hardware and nothing across machines; read the "
                  "ratios and the exit counts, which are the stable measure here.\n")
    else:
        md.append("> **Direct**: the guests run on this host's KVM with VT-x/AMD-V; native is this host.\n")
    md.append(f"- machine: {head['machine']}; mode: {head['mode_detail']}")
    md.append(f"- native: {head['native_is']}")
    md.append(f"- kernels: host {head['host_kernel']}, VM host and guest {head['vm_host_kernel']}; {head['qemu']}")
    md.append(f"- every guest: {head['guest_cpus']} vCPUs, {head['guest_mem']}, command line "
              f"`{head['guest_cmdline']} hpvcmd_b64=...`")
    md.append(f"- {head['runs_per_cell']} runs per cell (medians; min/max in the last table); "
              f"whole `make bench` {head['elapsed_s'] // 60} min {head['elapsed_s'] % 60} s")
    md.append(f"- host load average (1, 5, 15 min) before: {header.get('load_before')}, after: "
              f"{header.get('load_after')}; anything else running on these 2 cores skews the times")
    for n in notes:
        md.append(f"- {n}")
    md.append("\n## Configurations\n")
    md.append(md_table(["config", "what the guest found"], [[c, info.get(c, "–")] for c in configs]))
    md.append("native: the workloads run on the VM host itself, from the guest's /bench; "
              "full-virt: QEMU/KVM `-cpu host,kvm=off`; kvm-pv: QEMU/KVM `-cpu host`; "
              "hpv-nohybrid: hpv `--no-hybridpv`; hybridpv-kvm/-user: hpv with the hybrid ABI, "
              "hypercalls by KVM in-kernel or by hpv's port-I/O doorbell, the paravirtual timer "
              "fired by the vCPU's LAPIC timer in KVM; hybridpv-posix: hybridpv-kvm with the timer "
              "fired by hpv's POSIX timers and the timer record; hybridpv-noops: the same "
              "guest with the paravirtual ops withheld (pvclock kept); hybridpv-kvmtimer (by name "
              "only): hybridpv-kvm with the timer fired by KVM's synthetic timers; hybridpv-norecord "
              "(by name only): hybridpv-posix without the timer record.\n")

    md.append("\n## Slowdown against native\n")
    md.append("Median over median, > 1 is slower (for pipe_bw, native's bandwidth over the config's).\n")
    md.append(grid(ratio(NATIVE), virt))
    if FULL in configs:
        md.append("\n## Against full virtualization\n")
        md.append("< 1 is faster than full virtualization.\n")
        md.append(grid(ratio(FULL), [c for c in virt if c != FULL]))
    md.append("\n## VM exits per operation\n")
    md.append("From KVM's counters (debugfs, summed over the VM) read at markers around each run, "
              "less the markers' own cost (a pseudo-workload with nothing between them), divided "
              "by the operations the workload ran; median of the runs. Native: none.\n")
    md.append(grid(epo, virt, lambda wl: f"{wl} (per {table[wl][1]})"))
    counters = [k for r in results if r["exits_per_op_by_counter"] for k in r["exits_per_op_by_counter"]]
    # counters that stayed 0 everywhere only widen the tables
    counters = [k for k in dict.fromkeys(counters) if k not in ("exits", "vmm_cpu_ms")
                and any(r["exits_per_op_by_counter"] and r["exits_per_op_by_counter"][k] for r in results)]
    if counters:
        md.append("\n### By counter\n")
        md.append("KVM's counters per operation, those not 0 everywhere. They overlap: "
                  "insn_emulation counts instructions KVM emulated, which without APIC "
                  "virtualization are mostly the guest's xAPIC accesses (EOI, ICR for IPIs, timer) "
                  "trapping as nested page faults; io_exits include the hybrid ABI's port-I/O "
                  "doorbell; hypercalls are KVM's in-kernel ones.\n")
        for cfg in virt:
            rows = []
            for wl in workloads:
                r = by.get((cfg, wl))
                if r and r["exits_per_op_by_counter"]:
                    rows.append([wl] + [fmt(r["exits_per_op_by_counter"][k]) for k in counters])
            if rows:
                md.append(f"\n**{cfg}**\n")
                md.append(md_table(["workload"] + counters, rows))

    if any(r["vmm_cpu_ms_per_op"] is not None for r in results):
        md.append("\n## Host CPU time per operation\n")
        md.append("CPU time (ms) of the VMM's processes, all their threads, read from /proc on the "
                  "VM host at the same markers, less the markers' own cost, per operation; 10 ms "
                  "resolution. For pv_idle (per idle second) it is the host CPU an idle guest "
                  "costs: 10 ms per second is 1% of a CPU.\n")
        md.append(grid(field("vmm_cpu_ms_per_op"), virt, lambda wl: f"{wl} (per {table[wl][1]})"))

    md.append("\n## Beside the 2007 table\n")
    md.append("Molnar's KVM paravirt announcement (2007, native / QEMU / KVM / KVM+paravirt-cr3) "
              "beside ours (native / full-virt / kvm-pv / hybridpv-kvm); slowdowns against native "
              "in parentheses. Ours run fewer hackbench loops (see bench/workloads), so compare "
              "ratios, not seconds.\n")
    rows = []
    for wl, (label, paper) in PAPER.items():
        row = [label] + [f"{v:g} ({v / paper[0]:.1f}x)" for v in paper]
        for c in PAPER_OURS:
            r, n = by.get((c, wl)), by.get((NATIVE, wl))
            row.append(f"{fmt(r['median'], 3)} ({fmt(slowdown(r['unit'], r['median'], n['median']), 1)}x)"
                       if r and n else "–")
        rows.append(row)
    md.append(md_table(["", "2007 native", "2007 QEMU", "2007 KVM", "2007 KVM+pv-cr3"]
                       + [f"ours {c}" for c in PAPER_OURS], rows))

    md.append("\n## Medians with min and max\n")
    rows = []
    for wl in workloads:
        row = [wl, table[wl][0]]
        for c in configs:
            r = by.get((c, wl))
            row.append(f"{fmt(r['median'], 3)} [{fmt(r['min'], 3)}–{fmt(r['max'], 3)}]" if r else "–")
        rows.append(row)
    md.append(md_table(["workload", "unit"] + configs, rows))

    hyper = os.path.join(outdir, "hypercall.md")
    if os.path.exists(hyper):
        md.append("\n## Hypercall cost by route (scripts/bench-hypercall.sh)\n")
        with open(hyper) as f:
            md.append(f.read())

    md.append("\n## Plots\n")
    for svg in (plot(outdir, "ratio", "Slowdown against native (log scale; 1 = native)",
                     "config / native", virt,
                     [(wl, [ratio(NATIVE)(c, wl) for c in virt]) for wl in workloads])
                and "![slowdown against native](ratio.svg)",
                plot(outdir, "exits", "VM exits per operation (log scale; 0 not drawn)",
                     "exits per op", virt, [(wl, [epo(c, wl) for c in virt]) for wl in workloads])
                and "![exits per operation](exits.svg)"):
        md.append(svg or "(a plot with nothing to draw is left out)")
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
