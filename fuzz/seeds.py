#!/usr/bin/env python3
# Writes the seed corpora, fuzz/corpus/<target>/: a few inputs each that
# do what a booting guest (or a user) does, in each target's input format,
# so that the fuzzers start from the paths that matter. Run it again when
# a format changes; the operation numbers come from the targets' ops[].
import os
import re
import struct
import sys

top = os.path.dirname(os.path.abspath(__file__))


def ops_of(target):
    """FUZZ_OP_x -> its first index in the target's ops[] mix."""
    src = open(os.path.join(top, target + ".c")).read()
    body = re.search(r"ops\[\] = \{(.*?)\};", src, re.S).group(1)
    names = re.findall(r"FUZZ_OP_(\w+)", body)
    return {n: names.index(n) for n in names}


def u8(v): return struct.pack("<B", v & 0xff)
def u16(v): return struct.pack("<H", v & 0xffff)
def u32(v): return struct.pack("<I", v & 0xffffffff)
def u64(v): return struct.pack("<Q", v & 0xffffffffffffffff)


# fuzz_in__edgy: selector 5 takes a u32, 7 a u64
def edgy(v): return u8(5) + u32(v) if v < 1 << 32 else u8(7) + u64(v)


class VM:
    """Operations in fuzz_vm.h's encoding for one target."""
    MSR = {"page": 0, "pvclock": 1, "vcpu_state": 2, "pv_eoi": 3, "timer": 4, "none": 5}

    def __init__(self, target, cpus=2, amd=True, user_route=False, synced=True, tsc_deadline=True,
                 timer="posix", ram=0, withheld=0, refuse=0, hybridpv=True, prelude=0):
        self.op = ops_of(target)
        timer = {"lapic": 0, "posix": 1, "kvm": 2}[timer]
        c0 = (cpus - 1) | (0 if amd else 8) | (0x10 if user_route else 0) | \
             (0 if synced else 0x20) | (0 if tsc_deadline else 0x40)
        c1 = timer | ram << 2
        self.b = bytes([c0, c1, withheld, refuse & 0xff, refuse >> 8,
                        (0 if hybridpv else 1) | prelude << 1])

    def _op(self, name, cpu):
        self.b += u8(self.op[name]) + u8(cpu)
        return self

    def pio(self, port, size, value=None, cpu=0):
        sel = 0 | {1: 0, 2: 1, 4: 2}[size] << 3 | (0x40 if value is not None else 0)
        self._op("ACCESS", cpu).b += u8(sel) + edgy(port)
        self.b += (value or 0).to_bytes(size, "little")
        return self

    # space 1 (MMIO): 1 + size_sel bytes; 2 (MSR): 8; 3 (hypercall): a 40-byte frame
    def access(self, space, addr, size_sel, write, data=b"", cpu=0):
        size = {1: 1 + size_sel, 2: 8, 3: 40}[space]
        self._op("ACCESS", cpu).b += u8(space | size_sel << 3 | (0x40 if write else 0)) + edgy(addr)
        self.b += data.ljust(size, b"\0")
        return self

    # a gpa in low RAM, 32-byte steps (fuzz_vm__gpa selector 0)
    def wrmsr(self, msr, gpa, low=1, cpu=0):
        self._op("WRMSR", cpu).b += u8(self.MSR[msr]) + u8(low & 0x3f) + u8(0) + u32(gpa // 32)
        return self

    def wrmsr_raw(self, msr, value, cpu=0):
        self._op("WRMSR", cpu).b += u8(self.MSR[msr]) + u8(0x80) + edgy(value)
        return self

    def rdmsr(self, msr, cpu=0):
        self._op("RDMSR", cpu).b += u8(self.MSR[msr])
        return self

    # arguments: ("now", ns) a deadline from now, ("vec", v) a vector, ("raw", v), or None
    def call(self, nr, *args, cpu=0):
        self._op("DOORBELL", cpu).b += u8(nr)
        for i in range(4):
            a = args[i] if i < len(args) else None
            if a is None:
                self.b += u8(2)
            elif a[0] == "now":
                self.b += u8(0) + u8(0) + u32(a[1])
            elif a[0] == "vec":
                self.b += u8(1) + u8(0) + u8(a[1])
            else:
                self.b += u8(3) + edgy(a[1])
        return self

    def poke(self, gpa, value):
        self._op("POKE", 0).b += u8(0) + u32(gpa // 32) + edgy(value)
        return self

    def pre_run(self, cpu=0): return self._op("PRE_RUN", cpu)
    def wait(self, cpu=0): return self._op("WAIT", cpu)

    def set_tsc(self, tsc, step, cpu=0):
        self._op("SET_TSC", cpu).b += edgy(tsc) + u8(0) + u16(step)
        return self

    def set_lvtt(self, lvtt, cpu=0):
        self._op("SET_LVTT", cpu).b += u32(lvtt)
        return self

    def report(self, kv=True):
        self._op("REPORT", 0).b += u8(1 if kv else 0)
        return self


def registrations(vm, cpus=2):
    vm.wrmsr("page", 16 << 20)
    for c in range(cpus):
        base = (17 << 20) + c * 256
        vm.wrmsr("pvclock", base, cpu=c).wrmsr("timer", base + 64, cpu=c)
        vm.wrmsr("vcpu_state", base + 128, cpu=c).wrmsr("pv_eoi", base + 192, cpu=c)
    return vm


IPI, SET_TIMER, IDLE = 2, 3, 4


def seeds_io():
    yield "uart-probe-and-output", (VM("fuzz_io").pio(0x3fb, 1, 0x80).pio(0x3f8, 1, 1)
                                    .pio(0x3f9, 1, 0).pio(0x3fb, 1, 0x03).pio(0x3f9, 1, 0x02)
                                    .pio(0x3fa, 1).pio(0x3f8, 1, ord("h")).pio(0x3f8, 1, ord("i"))
                                    .pio(0x3fd, 1).pio(0x3fa, 2).b)
    vm = VM("fuzz_io")
    for reg in (0x0a, 0x0b, 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32, 0x8d):
        vm.pio(0x70, 1, reg).pio(0x71, 1)
    yield "rtc-clock", vm.b
    yield "pm-poweroff", (VM("fuzz_io").pio(0x602, 2, 0).pio(0x604, 2).pio(0x604, 2, 5 << 10 | 0x2000)
                          .pio(0x600, 4).b)
    yield "reset-and-exit-status", (VM("fuzz_io").pio(0xf4, 4).pio(0xf8, 4).pio(0xf8, 4, 1)
                                    .pio(0xcf9, 1, 0x02).pio(0x64, 1).pio(0x80, 1, 0)
                                    .pio(0xf4, 4, 0x1234).b)
    vm = registrations(VM("fuzz_io", timer="posix"))
    vm.call(0).call(1).call(IPI, ("raw", 3), ("raw", 0), ("raw", 0), ("vec", 0xfd))
    vm.call(SET_TIMER, ("now", 1000000), ("vec", 0xec)).wait().pre_run()
    vm.call(IDLE, ("now", 2000000), ("vec", 0xec), cpu=1).report()
    yield "pv-guest-boot", vm.b
    yield "unregistered-mmio-and-msrs", (VM("fuzz_io").access(1, 0xfee00000, 3, False)
                                         .access(1, 0xfec00000, 3, True, b"\x01\x02\x03\x04")
                                         .access(2, 0x4b564d00, 0, False)
                                         .access(2, 0x40000070, 0, True, bytes(8))
                                         .access(3, 0, 0, True).b)


def seeds_hypercall():
    vm = VM("fuzz_hypercall", user_route=True)
    for nr in range(7):
        vm.call(nr, ("raw", 3), ("raw", 0), ("raw", 0), ("vec", 0xfd))
    yield "every-number", vm.b
    yield "timer-expiry-posix", (VM("fuzz_hypercall", timer="posix")
                                 .call(SET_TIMER, ("raw", 1), ("vec", 0xec)).wait().pre_run()
                                 .call(SET_TIMER, ("now", 50000000), ("vec", 0xec))
                                 .call(SET_TIMER, ("raw", 0), ("vec", 0xec)).b)
    yield "lapic-timer-kvm-route", (VM("fuzz_hypercall", timer="lapic")
                                    .call(SET_TIMER, ("raw", 0), ("vec", 0xec))
                                    .set_lvtt(0x100ec).call(SET_TIMER, ("now", 4000000), ("vec", 0xec))
                                    .call(SET_TIMER, ("raw", 0), ("vec", 0xef), cpu=1)
                                    .call(IDLE, ("now", 1000), ("vec", 0xec)).b)
    yield "synthetic-timers", (VM("fuzz_hypercall", timer="kvm")
                               .call(SET_TIMER, ("now", 1000000), ("vec", 0xec))
                               .call(IDLE, ("raw", 0), ("vec", 0)).b)
    vm = VM("fuzz_hypercall", cpus=8, user_route=True, synced=False)
    for c in range(8):
        vm.call(IPI, ("raw", 0xff), ("raw", 0), ("raw", 0), ("vec", 0xf0 + c), cpu=c)
    vm.call(IPI, ("raw", 1), ("raw", 1 << 63), ("raw", 0xfffffff0), ("vec", 0x20))
    yield "ipi-storm-unsynced-registers", vm.b
    yield "tsc-far-ahead", (VM("fuzz_hypercall", timer="posix").set_tsc(1 << 62, 4096)
                            .call(SET_TIMER, ("now", 1000000), ("vec", 0xec)).wait().b)


def seeds_msr():
    vm = registrations(VM("fuzz_msr"))
    for name in ("page", "pvclock", "vcpu_state", "pv_eoi", "timer", "none"):
        vm.rdmsr(name).rdmsr(name, cpu=1)
    yield "register-everything", vm.b
    vm = VM("fuzz_msr")
    vm.wrmsr("page", 16 << 20, low=0x11).wrmsr("page", 0x9000).wrmsr("pvclock", (17 << 20) + 8)
    vm.wrmsr_raw("page", 0xfff0000000001001).wrmsr_raw("timer", (64 << 20) | 1)
    vm.wrmsr_raw("pvclock", ((64 << 20) - 16) | 1).wrmsr("pv_eoi", (17 << 20) + 2)
    yield "refused-values", vm.b
    vm = VM("fuzz_msr", ram=2)  # 3 GiB + 64 MiB: RAM above 4 GiB
    vm.wrmsr_raw("page", (1 << 32) | 1).wrmsr_raw("pvclock", (1 << 32) + (64 << 20) - 32 | 1)
    vm.wrmsr_raw("timer", 0xc0000000 - 16 | 1).wrmsr_raw("page", 0).wrmsr_raw("page", (16 << 20) | 1)
    yield "high-ram-and-reregistering", vm.b
    vm = VM("fuzz_msr", timer="posix").wrmsr("pvclock", 17 << 20).wrmsr("timer", (17 << 20) + 64)
    vm.call(SET_TIMER, ("raw", 1), ("vec", 0xec)).poke((17 << 20) + 64, 1 << 40).wait().pre_run()
    vm.poke((17 << 20) + 64, 0).wait().pre_run()
    yield "timer-record-moved-by-the-guest", vm.b


def seeds_serial():
    RX, IER, IIR, LCR, MCR, LSR, MSR, SCR = 0, 1, 2, 3, 4, 5, 6, 7

    def rd(r): return u8(0 | r << 2)
    def wr(r, v): return u8(1 | r << 2) + u8(v)
    def rx(n, seed): return u8(2) + u16(n) + u32(seed)

    probe = (wr(IER, 0) + rd(IER) + wr(SCR, 0xa5) + rd(SCR) + wr(SCR, 0x5a) + rd(SCR)
             + wr(MCR, 0x1a) + rd(MSR) + wr(RX, 0x55) + rd(LSR) + rd(RX) + wr(MCR, 0x0b)
             + wr(LCR, 0x80) + wr(RX, 0x01) + wr(IER, 0x00) + rd(RX) + rd(IER) + wr(LCR, 0x03)
             + wr(2, 0x07) + rd(IIR) + wr(IER, 0x0f) + rd(IIR) + rd(IIR) + rd(LSR))
    yield "8250-probe", u8(0) + probe
    yield "input-by-interrupt", (u8(0) + wr(IER, 0x01) + rx(13, 0x68656c6c) + rd(IIR)
                                 + rd(LSR) + rd(RX) * 13 + rd(LSR) + rd(IIR))
    yield "input-overflow-and-clear", (u8(0) + rx(768, 0x1234567) * 6 + rd(LSR) + rd(RX) * 4
                                       + wr(2, 0x03) + rd(LSR))
    yield "output-to-the-host", u8(0x3f) + b"".join(wr(RX, c) for c in b"hybridpv console\r\n")


BOOT_HDR = 0x1f1


def bzimage(version=0x020f, xload=1, loadflags=1, setup_sects=4, cmdline_size=2047,
            initrd_max=0x7fffffff, pref=0x1000000, init_size=8 << 20, payload=4096):
    setup = ((setup_sects or 4) + 1) * 512
    img = bytearray(setup + payload)
    struct.pack_into("<B", img, 0x1f1, setup_sects)
    struct.pack_into("<I", img, 0x1f4, payload // 16)
    struct.pack_into("<H", img, 0x1fe, 0xaa55)
    img[0x200:0x202] = b"\xeb\x6a"
    struct.pack_into("<I", img, 0x202, 0x53726448)
    struct.pack_into("<H", img, 0x206, version)
    struct.pack_into("<B", img, 0x211, loadflags)
    struct.pack_into("<I", img, 0x22c, initrd_max)
    struct.pack_into("<H", img, 0x236, xload)
    struct.pack_into("<I", img, 0x238, cmdline_size)
    struct.pack_into("<Q", img, 0x258, pref)
    struct.pack_into("<I", img, 0x260, init_size)
    img[setup:setup + 16] = b"\x90" * 16
    return bytes(img)


def boot_input(img, ram=0, cpus=2, cmdline=b"console=ttyS0", initrd=0, pad=0):
    return (u8(ram) + u8(cpus - 1) + u16(len(cmdline)) + u8(1 if initrd else 0) + u32(initrd)
            + u8(0xf0 if pad else 0) + u32(pad) + cmdline + img)


def seeds_boot():
    yield "bzimage-2.15", boot_input(bzimage())
    yield "bzimage-with-initrd", boot_input(bzimage(), ram=2, cpus=4, initrd=12345,
                                            cmdline=b"console=ttyS0 quiet hpvcmd_b64=dHJ1ZQ==")
    yield "bzimage-2.12-high-ram", boot_input(bzimage(version=0x020c, setup_sects=0, pref=0),
                                              ram=6, cpus=255, initrd=4096)
    yield "bzimage-init-size-at-the-top", boot_input(bzimage(init_size=(64 << 20) - (16 << 20)),
                                                     ram=1, initrd=8192, pad=300000)
    yield "bzimage-no-64-bit-entry", boot_input(bzimage(xload=0))


def seeds_cli():
    def argv(*a, errlen=256): return u8(errlen - 1) + b"\0".join(x.encode() for x in a)
    yield "everything", argv("--kernel", "build/bzImage", "--initrd", "build/guest.cpio.gz",
                             "--cmdline", "console=ttyS0 quiet", "--cpus", "4", "--mem", "2G",
                             "--stats=kv", "--hypercall-route", "user", "--pv-timer", "posix",
                             "--withhold", "pvipi,pvtlb,pvtimerrec")
    yield "help", argv("--help")
    yield "no-hybridpv-sizes", argv("--no-hybridpv", "--kernel", "k", "--mem", "65536K",
                                    "--mem", "1GiB", "--cpus", "255", "--stats")
    yield "refused", argv("--kernel", "k", "--cpus", "256", errlen=16)
    yield "missing-value", argv("--kernel", "k", "--withhold")


def main():
    for target, gen in (("fuzz_io", seeds_io), ("fuzz_hypercall", seeds_hypercall),
                        ("fuzz_msr", seeds_msr), ("fuzz_serial", seeds_serial),
                        ("fuzz_boot", seeds_boot), ("fuzz_cli", seeds_cli)):
        d = os.path.join(top, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in gen():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
