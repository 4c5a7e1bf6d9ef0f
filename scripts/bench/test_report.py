#!/usr/bin/python3
"""report.py on a small raw file (testdata/raw.txt: four configurations,
five workloads, a missing cell, a run whose session counted no io_exits):

    python3 -m unittest discover -s scripts/bench
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # (no __pycache__ in the checkout)
import report  # noqa: E402

RAW = os.path.join(HERE, "testdata", "raw.txt")
TABLE = os.path.join(HERE, "..", "..", "bench", "workloads")


class Report(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.table = report.read_table(TABLE)
        with open(RAW) as f:
            cls.raw = report.parse(f)
        cls.workloads, cls.cells = report.aggregate(cls.raw, cls.table)

    def test_parse(self):
        h = self.raw.header
        self.assertEqual(self.raw.configs, ["native", "full-virt", "kvm-pv", "hybridpv-kvm"])
        self.assertEqual(len(self.raw.records), 4 * 6 * 3 - 3)
        self.assertTrue(h.nested)
        self.assertEqual(h.elapsed_s, 754)
        self.assertEqual(h.descriptions["kvm-pv"], "QEMU/KVM `-cpu host`: KVM's paravirt features")
        self.assertEqual(h.guest_sees["hybridpv-kvm"], "hypervisor=KVM hybridpv=on clocksource=hybridpv")
        self.assertEqual(len(h.notes), 1)
        rec = self.raw.records[-1]
        self.assertEqual((rec.config, rec.workload, rec.run), ("hybridpv-kvm", "pv_idle", 3))
        self.assertEqual(rec.counters["vmm_cpu_ms"], 90)

    def test_cells(self):
        # the workloads in table order, _empty not among them
        self.assertEqual(self.workloads, ["null_syscall", "pipe_bw", "ctx2", "hackbench1_proc_sock", "pv_idle"])
        c = self.cells["native", "null_syscall"]
        self.assertEqual((c.median, c.min, c.max, c.runs), (0.3, 0.27, 0.33, 3))
        self.assertIsNone(c.exits_per_op)
        self.assertNotIn(("kvm-pv", "pv_idle"), self.cells)

    def test_exits_per_op_less_the_markers(self):
        # 12012 exits a run, the markers' median 14, 2000 switches
        c = self.cells["full-virt", "ctx2"]
        self.assertEqual(c.exits_per_op, round((12012 - 14) / 2000, 3))
        # one run's session did not count io_exits: left out, not a crash
        self.assertNotIn("io_exits", c.exits_by_counter)
        self.assertIn("io_exits", self.cells["full-virt", "null_syscall"].exits_by_counter)

    def test_slowdown_follows_the_unit(self):
        f = report.ratio(self.cells, report.NATIVE)
        self.assertAlmostEqual(f("full-virt", "ctx2"), 3.0)
        self.assertAlmostEqual(f("full-virt", "pipe_bw"), 3.0, places=3)  # MiB/s: higher is better
        self.assertIsNone(f("kvm-pv", "pv_idle"))

    def test_json(self):
        out = report.render_json(self.raw, self.cells)
        self.assertEqual(out["header"]["configs"]["native"], self.raw.header.descriptions["native"])
        self.assertEqual(out["header"]["runs_per_cell"], 3)
        self.assertEqual(len(out["results"]), 4 * 5 - 1)
        self.assertEqual(list(out["results"][0]), ["config", "workload", "unit", "op", "median", "min", "max",
                                                   "runs", "exits_per_op", "vmm_cpu_ms_per_op",
                                                   "exits_per_op_by_counter"])

    def test_markdown(self):
        md = report.render_markdown(self.raw, self.workloads, self.cells, self.table)
        sections = [line for line in md.splitlines() if line.startswith("## ")]
        self.assertEqual(sections, ["## Configurations", "## Slowdown against native",
                                    "## Against full virtualization", "## VM exits per operation",
                                    "## Host CPU time per operation", "## Beside the 2007 table",
                                    "## Medians with min and max", "## Plots"])
        self.assertIn("| full-virt | QEMU/KVM `-cpu host,kvm=off`: full virtualization, KVM's leaves hidden "
                      "| hypervisor=none hybridpv=off clocksource=tsc-early |", md)
        self.assertIn("| ctx2 | – | 0.00 | 0.00 | 0.20 |", md)  # full-virt by counter, io_exits missing
        self.assertIn("| pv_idle | 3.00 | – | 1.30 |", md)
        self.assertIn("(a plot with nothing to draw is left out)", md)

    def test_markdown_direct(self):
        raw = report.parse(["@hdr mode direct mode (this CPU has svm and /dev/kvm)\n",
                            "@rec native null_syscall 1 0.25 20000\n"])
        workloads, cells = report.aggregate(raw, self.table)
        md = report.render_markdown(raw, workloads, cells, self.table, "hypercall table\n", ("ratio.svg", None))
        self.assertIn("> **Direct**", md)
        self.assertIn("| native | – | – |", md)  # no @cfg, no @info
        self.assertNotIn("## Against full virtualization", md)
        self.assertIn("hypercall table", md)
        self.assertIn("![slowdown against native](ratio.svg)", md)


if __name__ == "__main__":
    unittest.main()
