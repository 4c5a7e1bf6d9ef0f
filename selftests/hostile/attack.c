// SPDX-License-Identifier: GPL-2.0
/*
 * One CPU's attack stream: a seeded random sequence of what a malicious
 * kernel can do to its VMM. Where the ABI (docs/abi.md) or hpv's device
 * model (docs/vmm.md) says what must come back, the answer is checked and
 * a difference is a "mismatch" line; everything else is counted for the
 * summary. In-RAM addresses the attacks hand to hpv or KVM always lie in
 * the chaos zones, so that whatever they write there cannot hit this
 * image, its page tables or the CPUs' own hypercall pages.
 */
#include "hostile.h"

#define GP 13

const uint32_t kvm_pv_msrs[NR_KVM_PV_MSRS] = {
	0x11, 0x12, 0x4b564d00, 0x4b564d01, 0x4b564d02, 0x4b564d03,
	0x4b564d04, 0x4b564d05, 0x4b564d06, 0x4b564d07, 0x4b564d08,
};

/* The hybridpv MSRs and the records they register (docs/abi.md). */
static const struct hpv_rec {
	uint32_t msr, feature;
	uint64_t size, align, min_gpa;
	bool per_vcpu;
	const char *name;
} recs[] = {
	{ HPV_MSR_HYPERCALL_PAGE, HPV_FEATURE_HYPERCALL_PAGE, 4096, 4096, 1 << 20, false, "page" },
	{ HPV_MSR_PVCLOCK, HPV_FEATURE_PVCLOCK, 32, 32, 0, true, "pvclock" },
	{ HPV_MSR_VCPU_STATE,
	  HPV_FEATURE_PV_TLB_FLUSH | HPV_FEATURE_STEAL_TIME | HPV_FEATURE_PV_PREEMPTED, 64, 64, 0,
	  true, "vcpu-state" },
	{ HPV_MSR_PV_EOI, HPV_FEATURE_PV_EOI, 4, 4, 0, true, "pv-eoi" },
	{ HPV_MSR_TIMER, HPV_FEATURE_PV_TIMER_RECORD, 16, 16, 0, true, "timer" },
};

enum { ACCEPT, REFUSE, EITHER };

static volatile int mismatch_lines;
static volatile uint32_t ioapic_lock;

void note_mismatch(struct cpu *c, const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	c->c.mismatches++;
	if (__atomic_fetch_add(&mismatch_lines, 1, __ATOMIC_RELAXED) >= 24)
		return;
	va_start(ap, fmt);
	vsformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	say("hostile: mismatch cpu%u %s", c->id, buf);
}

bool in_ram(uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa)
		return false;
	for (int i = 0; i < m.nram; i++)
		if (gpa >= m.ram[i][0] && gpa + len <= m.ram[i][1])
			return true;
	return false;
}

static bool in_chaos(uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa)
		return false;
	for (int i = 0; i < m.nchaos; i++)
		if (gpa >= m.chaos[i][0] && gpa + len <= m.chaos[i][1])
			return true;
	return false;
}

/*
 * An address in RAM that is not a chaos zone's goes into one, low bits
 * kept: random values include powers of two, and 2^20 is this image (a
 * hypercall page there overwrote its exception stubs), 2^24 CPU 0's own
 * hypercall page.
 */
static uint64_t keep_off_us(struct cpu *c, uint64_t val, uint64_t align, uint64_t len)
{
	uint64_t gpa = val & ~(align - 1);

	if (!in_ram(gpa, len) || in_chaos(gpa, len))
		return val;
	return chaos_addr(c, align) | (val & (align - 1));
}

void chaos_zones(void)
{
	/* low RAM: boot_params, hpv's page tables and GDT, the ACPI tables
	 * and the AP trampoline are all behind us once the attacks start */
	m.chaos[m.nchaos][0] = 0, m.chaos[m.nchaos++][1] = 1 << 20;
	m.chaos[m.nchaos][0] = CHAOS_BASE, m.chaos[m.nchaos++][1] = CHAOS_END;
	if (m.low_top > CHAOS_END + 0x10000)
		m.chaos[m.nchaos][0] = m.low_top - 0x10000, m.chaos[m.nchaos++][1] = m.low_top;
	if (m.ram_top > m.low_top && m.ram_top >= (1ULL << 32) + 0x20000) {
		m.chaos[m.nchaos][0] = 1ULL << 32, m.chaos[m.nchaos++][1] = (1ULL << 32) + 0x10000;
		m.chaos[m.nchaos][0] = m.ram_top - 0x10000, m.chaos[m.nchaos++][1] = m.ram_top;
	}
}

/* An aligned address in a chaos zone, now and then a zone's first or last. */
uint64_t chaos_addr(struct cpu *c, uint64_t align)
{
	int z = (int)rnd_below(c, m.nchaos);
	uint64_t lo = m.chaos[z][0], hi = m.chaos[z][1];

	switch (rnd_below(c, 8)) {
	case 0: return lo;
	case 1: return (hi - align) & ~(align - 1);
	default: return (lo + rnd_below(c, hi - lo - align)) & ~(align - 1);
	}
}

/* An address in no memory slot: a hole below 4 GiB, past RAM, or absurd. */
static uint64_t hole_addr(struct cpu *c)
{
	switch (rnd_below(c, 5)) {
	case 0: return m.low_top + rnd_below(c, 0xfec00000ULL - m.low_top);
	case 1: return 0xfef00000ULL + rnd_below(c, 0x100000);
	case 2: return m.ram_top > (1ULL << 32) ? m.ram_top : 1ULL << 32;
	case 3: return m.ram_top + (rnd(c) & 0xffffffffffULL);
	default: return rnd(c);
	}
}

static int predict_rec(const struct hpv_rec *r, uint64_t val)
{
	uint64_t gpa = val & ~(r->align - 1);

	if (!m.hybridpv || !(m.features & r->feature))
		return REFUSE;
	if (val & (r->align - 1) & ~HPV_MSR_ENABLE)
		return REFUSE;
	/* 0 unregisters; an address without the enable bit: not specified */
	if (!(val & HPV_MSR_ENABLE))
		return val ? EITHER : ACCEPT;
	if (gpa < r->min_gpa || !in_ram(gpa, r->size))
		return REFUSE;
	return ACCEPT;
}

static uint64_t rec_value(struct cpu *c, const struct hpv_rec *r)
{
	uint64_t res = r->align > 2 ? (r->align - 1) & ~1ULL : 0;

	switch (rnd_below(c, 12)) {
	case 0: return 0;
	case 1:
	case 2:
	case 3: return chaos_addr(c, r->align) | HPV_MSR_ENABLE;
	case 4: return chaos_addr(c, r->align) | HPV_MSR_ENABLE | (res ? (1ULL << (1 + rnd_below(c, 63))) & res : 2);
	case 5: return chaos_addr(c, 1) | HPV_MSR_ENABLE;
	case 6: return (hole_addr(c) & ~(r->align - 1)) | HPV_MSR_ENABLE;
	case 7: return rnd_wild(c) | HPV_MSR_ENABLE;
	case 8: return (rnd_below(c, 1 << 20) & ~(r->align - 1)) | HPV_MSR_ENABLE;
	case 9: return ((m.ram_top - (rnd_below(c, 2) ? r->align : 0)) & ~(r->align - 1)) | HPV_MSR_ENABLE;
	case 10: return chaos_addr(c, r->align);
	default: return rnd_wild(c);
	}
}

/* Register, re-register or unregister one of our MSRs; check the answer. */
static void attack_hpv_msr(struct cpu *c)
{
	int i = (int)rnd_below(c, ARRAY_SIZE(recs));
	const struct hpv_rec *r = &recs[i];
	uint64_t val = keep_off_us(c, rec_value(c, r), r->align, r->size), back = 0;
	int want = predict_rec(r, val);
	long f;

	c->c.msr[MC_HPV].writes++;
	f = probe_wrmsr(r->msr, val);
	if (f != -1)
		c->c.msr[MC_HPV].wgp++;
	else
		c->c.hpv_msr_accepted++;
	if (f != -1 && f != GP)
		note_mismatch(c, "wrmsr %s 0x%lx: vector %ld", r->name, val, f);
	else if ((want == ACCEPT && f != -1) || (want == REFUSE && f == -1))
		note_mismatch(c, "wrmsr %s 0x%lx: %s, the ABI says %s", r->name, val,
			      f == -1 ? "accepted" : "#GP", want == ACCEPT ? "accept" : "#GP");
	if (f == -1 && r->per_vcpu)
		c->hpv_msr_val[i] = val;
	/* this vCPU's record: the read gives back the last value accepted */
	if (!r->per_vcpu || rnd_below(c, 2))
		return;
	c->c.msr[MC_HPV].reads++;
	f = probe_rdmsr(r->msr, &back);
	if (f != -1)
		c->c.msr[MC_HPV].rgp++;
	if (!m.hybridpv || !(m.features & r->feature)) {
		if (f == -1)
			note_mismatch(c, "rdmsr %s: not offered, yet read 0x%lx", r->name, back);
	} else if (f != -1) {
		note_mismatch(c, "rdmsr %s: vector %ld", r->name, f);
	} else if (back != c->hpv_msr_val[i]) {
		note_mismatch(c, "rdmsr %s: 0x%lx, last accepted 0x%lx", r->name, back, c->hpv_msr_val[i]);
	}
}

static enum msr_class classify(uint32_t msr, int *kvm_idx)
{
	*kvm_idx = -1;
	for (int i = 0; i < NR_KVM_PV_MSRS; i++)
		if (msr == kvm_pv_msrs[i]) {
			*kvm_idx = i;
			return MC_KVM_PV;
		}
	if (msr >= 0x40000000 && msr <= 0x400000ff)
		return MC_HYPERV;
	if (msr >= HPV_MSR_HYPERCALL_PAGE && msr <= HPV_MSR_HYPERCALL_PAGE + 0xff)
		return msr <= HPV_MSR_TIMER ? MC_HPV : MC_HPV_OTHER;
	return MC_OTHER;
}

/* Writes that would wreck this image rather than test anyone. */
static bool msr_write_denied(uint32_t msr)
{
	return msr == 0x10 || msr == 0x1b || msr == 0x3b || msr == 0x1a0 || msr == 0x1d9 ||
	       (msr >= 0x200 && msr <= 0x2ff) || (msr >= 0x6a0 && msr <= 0x6a8) ||
	       msr == 0xc0000080 || msr == 0xc0010010 || msr == 0xc0010015 || msr == 0xc0010114 ||
	       (msr >= HPV_MSR_HYPERCALL_PAGE && msr <= HPV_MSR_TIMER);
}

/* Values for MSRs that take a guest address: chaos, nowhere, or noise. */
static uint64_t addr_value(struct cpu *c)
{
	switch (rnd_below(c, 7)) {
	case 0: return 0;
	case 1: return chaos_addr(c, 64) | 1;
	case 2: return chaos_addr(c, 64) | rnd_below(c, 64);
	case 3: return hole_addr(c) | 1;
	case 4: return rnd_below(c, 256);
	default: return rnd_wild(c);
	}
}

static uint32_t pick_msr(struct cpu *c, enum msr_class want)
{
	switch (want) {
	case MC_KVM_PV: return kvm_pv_msrs[rnd_below(c, NR_KVM_PV_MSRS)];
	case MC_HYPERV: return 0x40000000 + (uint32_t)rnd_below(c, 0x100);
	case MC_HPV_OTHER: return HPV_MSR_TIMER + 1 + (uint32_t)rnd_below(c, 0xff - 4);
	default: break;
	}
	switch (rnd_below(c, 6)) {
	case 0: return (uint32_t)rnd_below(c, 0x2000);
	case 1: return 0xc0000000 + (uint32_t)rnd_below(c, 0x2000);
	case 2: return 0xc0010000 + (uint32_t)rnd_below(c, 0x2000);
	case 3: return 0x800 + (uint32_t)rnd_below(c, 0x100); /* x2APIC, in xAPIC mode */
	case 4: return 0x4b564d00 + (uint32_t)rnd_below(c, 0x100);
	default: return (uint32_t)rnd(c);
	}
}

/* MSRs that are not ours: KVM's paravirtual ones, Hyper-V's, anything. */
static void attack_foreign_msr(struct cpu *c)
{
	static const enum msr_class classes[] = { MC_KVM_PV, MC_KVM_PV, MC_HYPERV, MC_HPV_OTHER,
						  MC_OTHER, MC_OTHER };
	uint32_t msr = pick_msr(c, classes[rnd_below(c, ARRAY_SIZE(classes))]);
	int k;
	enum msr_class cl = classify(msr, &k);
	uint64_t val;
	long f;

	if (cl == MC_HPV) {
		attack_hpv_msr(c);
		return;
	}
	if (rnd_below(c, 3) == 0) {
		c->c.msr[cl].reads++;
		f = probe_rdmsr(msr, &val);
		if (f != -1)
			c->c.msr[cl].rgp++;
		if (k >= 0) {
			c->c.kvm_pv[k].reads++;
			c->c.kvm_pv[k].rgp += f != -1;
		}
		return;
	}
	if (msr_write_denied(msr))
		return;
	val = (cl == MC_OTHER && rnd_below(c, 2)) ? rnd_wild(c) : keep_off_us(c, addr_value(c), 64, 64);
	c->c.msr[cl].writes++;
	f = probe_wrmsr(msr, val);
	if (f != -1)
		c->c.msr[cl].wgp++;
	if (k >= 0) {
		c->c.kvm_pv[k].writes++;
		c->c.kvm_pv[k].wgp += f != -1;
	}
	if (f != -1 && f != GP)
		note_mismatch(c, "wrmsr 0x%x 0x%lx: vector %ld", msr, val, f);
	/* the unknown part of our range is nobody's: refused */
	if (cl == MC_HPV_OTHER && f == -1)
		note_mismatch(c, "wrmsr 0x%x 0x%lx (no such hybridpv MSR) accepted", msr, val);
}

static uint64_t near_deadline(struct cpu *c)
{
	return pvclock_now() + 10000 + rnd_below(c, 2000000);
}

static uint64_t deadline_arg(struct cpu *c)
{
	switch (rnd_below(c, 8)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return pvclock_now() - rnd_below(c, 1000000);
	case 3: return pvclock_now() + (1ULL << (30 + rnd_below(c, 34)));
	case 4: return rnd_wild(c);
	default: return near_deadline(c);
	}
}

static uint64_t vector_arg(struct cpu *c)
{
	switch (rnd_below(c, 6)) {
	case 0: return rnd_below(c, 32);
	case 1: return 256 + rnd_below(c, 4);
	case 2: return rnd_wild(c);
	case 3: return VEC_TIMER;
	default: return 32 + rnd_below(c, 224);
	}
}

static uint64_t bitmap_arg(struct cpu *c)
{
	switch (rnd_below(c, 4)) {
	case 0: return 0;
	case 1: return 1ULL << rnd_below(c, 64);
	case 2: return ~0ULL;
	default: return rnd(c);
	}
}

static void random_regs(struct cpu *c, struct regs *r)
{
	uint64_t *p = (uint64_t *)r;

	for (int i = 0; i < 15; i++)
		p[i] = rnd_below(c, 4) ? rnd(c) : rnd_wild(c);
	r->if_on = rnd_below(c, 2);
	r->flags = 0;
}

/* Arguments that mean something for call nr (rdi, rsi, rdx, r10). */
static void hc_args(struct cpu *c, uint32_t nr, struct regs *r)
{
	switch (nr) {
	case HPV_HC_SEND_IPI:
		r->rdi = bitmap_arg(c);
		r->rsi = bitmap_arg(c);
		r->rdx = rnd_below(c, 3) ? rnd_below(c, m.ncpus + 2) : rnd_wild(c);
		r->r10 = vector_arg(c);
		break;
	case HPV_HC_SET_TIMER:
		r->rdi = deadline_arg(c);
		r->rsi = vector_arg(c);
		break;
	case HPV_HC_IDLE:
		r->rdi = rnd_below(c, 4) ? near_deadline(c) : deadline_arg(c);
		r->rsi = rnd_below(c, 3) ? VEC_TIMER : vector_arg(c);
		/* a halt only the watchdog can end needs the watchdog */
		if (!m.watchdog) {
			r->rdi = near_deadline(c);
			r->rsi = VEC_TIMER;
		}
		break;
	case HPV_HC_KICK:
	case HPV_HC_SCHED_YIELD:
		r->rdi = rnd_below(c, 3) ? rnd_below(c, m.ncpus + 2) : rnd_wild(c);
		break;
	}
}

static uint32_t hc_feature(uint32_t nr)
{
	switch (nr) {
	case HPV_HC_NOP:
	case HPV_HC_ABI_VERSION: return HPV_FEATURE_HYPERCALL_PAGE;
	case HPV_HC_SEND_IPI: return HPV_FEATURE_PV_IPI;
	case HPV_HC_SET_TIMER: return HPV_FEATURE_PV_TIMER;
	case HPV_HC_IDLE: return HPV_FEATURE_PV_IDLE;
	case HPV_HC_KICK: return HPV_FEATURE_PV_SPINLOCK;
	case HPV_HC_SCHED_YIELD: return HPV_FEATURE_PV_SCHED_YIELD;
	default: return 0;
	}
}

static bool bad_vector(uint64_t v)
{
	return v < 32 || v > 255;
}

/* What the ABI lets call nr return for these arguments: [lo, hi]. */
static void hc_expect(uint32_t nr, const struct regs *in, int64_t *lo, int64_t *hi)
{
	uint32_t f = hc_feature(nr);
	int64_t n = 0;

	*lo = *hi = -HPV_ENOSYS;
	if (!f || !(m.features & f))
		return;
	switch (nr) {
	case HPV_HC_NOP:
		*lo = *hi = 0;
		break;
	case HPV_HC_ABI_VERSION:
		*lo = *hi = HPV_ABI_VERSION;
		break;
	case HPV_HC_SEND_IPI:
		if (bad_vector(in->r10) || in->rdx > 0xffffffffULL) {
			*lo = *hi = -HPV_EINVAL;
			break;
		}
		for (int b = 0; b < 128; b++)
			if ((b < 64 ? in->rdi >> b : in->rsi >> (b - 64)) & 1)
				n += in->rdx + b < (uint64_t)m.ncpus;
		*lo = 0;
		*hi = n;
		break;
	case HPV_HC_SET_TIMER:
		*lo = *hi = bad_vector(in->rsi) ? -HPV_EINVAL : 0;
		break;
	case HPV_HC_IDLE:
		/* a deadline needs the timer, and a vector */
		*lo = *hi = in->rdi && (!(m.features & HPV_FEATURE_PV_TIMER) || bad_vector(in->rsi)) ?
				    -HPV_EINVAL : 0;
		break;
	case HPV_HC_KICK:
	case HPV_HC_SCHED_YIELD:
		*lo = *hi = in->rdi > 0xffffffffULL ? -HPV_EINVAL : 0;
		break;
	}
}

/* The registers a call must leave alone (mask of struct regs fields). */
#define KEEP(f) (1u << (offsetof(struct regs, f) / 8))
#define STUB_KEEP (KEEP(rbx) | KEEP(rbp) | KEEP(r8) | KEEP(r9) | KEEP(r12) | KEEP(r13) | \
		   KEEP(r14) | KEEP(r15))
#define ALL_BUT_RAX (0x7fffu & ~KEEP(rax))

static void check_kept(struct cpu *c, const char *what, uint64_t nr, const struct regs *in,
		       const struct regs *out, uint32_t mask)
{
	static const char *const names[15] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
					       "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	const uint64_t *a = (const uint64_t *)in, *b = (const uint64_t *)out;

	for (int i = 0; i < 15; i++) {
		if ((mask & (1u << i)) && a[i] != b[i]) {
			c->c.clobbers++;
			note_mismatch(c, "%s nr=0x%lx changed %s: 0x%lx -> 0x%lx", what, nr, names[i],
				      a[i], b[i]);
			return;
		}
	}
}

static void check_result(struct cpu *c, const char *what, uint32_t nr, const struct regs *in,
			 int64_t ret)
{
	int64_t lo, hi;

	hc_expect(nr, in, &lo, &hi);
	if (ret < lo || ret > hi)
		note_mismatch(c, "%s nr=%u (0x%lx, 0x%lx, 0x%lx, 0x%lx) returned %ld, the ABI says %ld..%ld",
			      what, nr, in->rdi, in->rsi, in->rdx, in->r10, ret, lo, hi);
}

/* This CPU's own page, registered (and so rewritten) by this CPU only. */
static bool own_hcpage(struct cpu *c)
{
	static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	uint64_t gpa = (uint64_t)c->hcpage;
	long f;

	if (!m.hybridpv || !m.stride || m.stride > 4096 || !(m.features & HPV_FEATURE_HYPERCALL_PAGE))
		return false;
	if (c->hcpage_ok && rnd_below(c, 8))
		return true;
	/* (a page registered anew has no LAPIC-timer data: hpv clears it) */
	f = probe_wrmsr(m.hcpage_msr, gpa | HPV_MSR_ENABLE);
	c->c.msr[MC_HPV].writes++;
	if (f != -1) {
		c->c.msr[MC_HPV].wgp++;
		note_mismatch(c, "wrmsr page 0x%lx: vector %ld", gpa | 1, f);
		return c->hcpage_ok;
	}
	c->c.hpv_msr_accepted++;
	if (memcmp(c->hcpage, endbr64, 4)) {
		note_mismatch(c, "hypercall page 0x%lx has no stub at slot 0", gpa);
		return false;
	}
	c->hcpage_ok = true;
	return true;
}

static void attack_stubs(struct cpu *c)
{
	uint32_t slots, n = 1 + (uint32_t)rnd_below(c, 6);

	if (!own_hcpage(c))
		return;
	slots = 4096 / m.stride;
	while (n--) {
		uint32_t nr = rnd_below(c, 3) ? (uint32_t)rnd_below(c, HPV_NR_HYPERCALLS + 1) :
						 (uint32_t)rnd_below(c, slots);
		struct regs r, in;
		long f;

		if (nr >= slots)
			nr = slots - 1;
		if (nr == HPV_HC_IDLE && !m.watchdog && !m.pv_ok)
			continue;
		random_regs(c, &r);
		hc_args(c, nr, &r);
		if (nr == HPV_HC_IDLE)
			watchdog_ensure(c);
		in = r;
		c->c.stub_calls++;
		c->c.idles += nr == HPV_HC_IDLE;
		f = hostile_call(c->hcpage + (uint64_t)nr * m.stride, &r);
		if (f != -1) {
			c->c.stub_faults++;
			note_mismatch(c, "stub %u: vector %ld", nr, f);
			continue;
		}
		check_kept(c, "stub", nr, &in, &r, STUB_KEEP);
		check_result(c, "stub", nr, &in, (int64_t)r.rax);
		if (nr == HPV_HC_IDLE && m.hybridpv && (m.features & HPV_FEATURE_PV_IDLE) &&
		    !(r.flags & 0x200))
			note_mismatch(c, "stub idle returned with interrupts off");
	}
	irq_off();
}

/* The doorbell rung by hand, with every register random. */
static void attack_doorbell(struct cpu *c)
{
	static const uint8_t *const snippets[] = { db_outl, db_outl, db_outl, db_sti_outl, db_outb,
						   db_outw, db_inl, db_inb, db_rep_outsl };
	unsigned int s = (unsigned int)rnd_below(c, ARRAY_SIZE(snippets));
	uint32_t buf[8], nr = rnd_below(c, 2) ? (uint32_t)rnd_below(c, HPV_NR_HYPERCALLS + 1) :
						      (uint32_t)rnd_wild(c);
	struct regs r, in;
	bool halts;
	long f;

	random_regs(c, &r);
	hc_args(c, nr, &r);
	r.rax = (rnd(c) & ~0xffffffffULL) | nr;
	if (snippets[s] == db_rep_outsl) {
		for (int i = 0; i < 8; i++)
			buf[i] = rnd_below(c, 2) ? (uint32_t)rnd_below(c, 6) : (uint32_t)rnd(c);
		r.rsi = (uint64_t)buf;
		r.rcx = 1 + rnd_below(c, 8);
	}
	/* An idle with interrupts off only ends if something wakes it: let
	 * the watchdog, or do not. */
	halts = (nr == HPV_HC_IDLE && (s < 3 || snippets[s] == db_sti_outl));
	for (int i = 0; snippets[s] == db_rep_outsl && i < 8; i++)
		halts |= buf[i] == HPV_HC_IDLE;
	if (halts && !m.watchdog)
		return;
	if (halts) {
		r.if_on = 1;
		watchdog_ensure(c);
	}
	in = r;
	c->c.doorbells++;
	c->c.idles += halts;
	f = hostile_call(snippets[s], &r);
	irq_off();
	if (f != -1) {
		note_mismatch(c, "doorbell: vector %ld", f);
		return;
	}
	if (snippets[s] == db_outl || snippets[s] == db_sti_outl) {
		check_kept(c, "doorbell", nr, &in, &r, ALL_BUT_RAX);
		if (!m.hybridpv) {
			if (r.rax != in.rax)
				note_mismatch(c, "doorbell without hybridpv changed rax to 0x%lx", r.rax);
		} else {
			check_result(c, "doorbell", nr, &in, (int64_t)r.rax);
		}
	} else if (snippets[s] == db_outb || snippets[s] == db_outw) {
		check_kept(c, "doorbell byte/word", nr, &in, &r, 0x7fff);
	} else if (snippets[s] == db_inl) {
		if (r.rax != 0xffffffffULL)
			note_mismatch(c, "inl from the doorbell: 0x%lx, not all-ones", r.rax);
	} else if (snippets[s] == db_inb) {
		if ((r.rax & 0xff) != 0xff || (r.rax >> 8) != (in.rax >> 8))
			note_mismatch(c, "inb from the doorbell: 0x%lx", r.rax);
	} else {
		check_kept(c, "doorbell rep outsl", nr, &in, &r, STUB_KEEP);
	}
}

/* KVM's own hypercalls, which hpv hides but does not own. */
static void attack_kvm_hypercall(struct cpu *c)
{
	struct regs r;
	uint64_t nr = rnd_below(c, 4) ? rnd_below(c, NR_KVM_HCALLS) : rnd_wild(c);
	const uint8_t *insn = (m.amd == !rnd_below(c, 10)) ? kvm_vmmcall : kvm_vmcall;
	long f;

	random_regs(c, &r);
	r.rax = nr;
	switch (nr) {
	case 9: /* KVM_HC_CLOCK_PAIRING: writes a record at rbx */
		r.rbx = rnd_below(c, 2) ? chaos_addr(c, 64) : hole_addr(c);
		r.rcx = rnd_below(c, 3);
		break;
	case 10: /* KVM_HC_SEND_IPI: never INIT, SIPI or SMI (they would stop us) */
		r.rdx = rnd_below(c, m.ncpus + 1);
		r.rsi = (32 + rnd_below(c, 224)) | (rnd_below(c, 3) == 0 ? 0x400 : 0);
		break;
	case 12: /* KVM_HC_MAP_GPA_RANGE */
		r.rbx = rnd_below(c, 2) ? chaos_addr(c, 4096) : hole_addr(c);
		r.rcx = rnd_below(c, 16);
		break;
	default:
		if (nr < NR_KVM_HCALLS)
			r.rbx = rnd_below(c, m.ncpus + 1);
		break;
	}
	f = hostile_call(insn, &r);
	irq_off();
	if (nr < NR_KVM_HCALLS) {
		c->c.kvm_hc_calls[nr]++;
		c->c.kvm_hc_refused[nr] += f != -1 || (int64_t)r.rax == -1000; /* -KVM_ENOSYS */

	}
}

/* The TSC, written: far back, far ahead, and where the pvclock passes 2^63 ns. */
static void attack_tsc(struct cpu *c)
{
	uint64_t before = rdtsc(), val;
	unsigned __int128 ticks;
	uint32_t msr = rnd_below(c, 4) ? 0x10 : 0x3b;

	switch (rnd_below(c, 6)) {
	case 0: val = before + rnd_below(c, 1ULL << 32); break;
	case 1: val = 0; break;
	case 2: val = ~0ULL - rnd_below(c, 1ULL << 20); break;
	case 3: val = m.pv_tsc - 1 - rnd_below(c, 4096); break; /* the pvclock's delta wraps */
	case 4:
		/* the first TSC at which the pvclock reads 2^63 ns, if any */
		ticks = m.pv_mul ? ((((unsigned __int128)1 << 63) - m.pv_ns) << 32) / m.pv_mul : 0;
		ticks = m.pv_shift >= 0 ? ticks >> m.pv_shift : ticks << -m.pv_shift;
		val = ticks < ~0ULL ? m.pv_tsc + (uint64_t)ticks + rnd_below(c, 1ULL << 30) :
				      m.pv_tsc - 1;
		break;
	default: val = rnd_wild(c); break;
	}
	if (msr == 0x3b)
		val = rnd_below(c, 2) ? val - before : rnd_wild(c);
	c->c.tsc_writes++;
	/* (TSC_ADJUST exists only where KVM shows the CPUID bit: not ours) */
	if (probe_wrmsr(msr, val) != -1 && msr == 0x10)
		note_mismatch(c, "wrmsr 0x%x 0x%lx: refused", msr, val);
	/* a timer armed from the wild clock: hpv converts it */
	if (m.features & HPV_FEATURE_PV_TIMER && rnd_below(c, 2) && own_hcpage(c)) {
		struct regs r;

		random_regs(c, &r);
		r.rdi = rnd_below(c, 2) ? near_deadline(c) : deadline_arg(c);
		r.rsi = VEC_TIMER;
		c->c.stub_calls++;
		if (hostile_call(c->hcpage + (uint64_t)HPV_HC_SET_TIMER * m.stride, &r) != -1)
			note_mismatch(c, "stub set_timer after a TSC write faulted");
		irq_off();
	}
	if (m.pv_ok) {
		uint64_t now = pvclock_now(), old = __atomic_load_n(&pvclock_max, __ATOMIC_RELAXED);

		while (now > old && !__atomic_compare_exchange_n(&pvclock_max, &old, now, false,
								 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
	/* half the time, back to about where it was */
	if (rnd_below(c, 2))
		probe_wrmsr(0x10, before + 1000000);
}

static bool overlaps(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return a < b + blen && b < a + alen;
}

/* hpv's ports and KVM's in-kernel ones: the rest read as all-ones */
static bool port_owned(uint32_t p, uint32_t n)
{
	static const uint16_t owned[][2] = {
		{ 0x3f8, 8 }, { 0x600, 6 }, { 0xcf9, 1 }, { 0x64, 1 }, { 0xf4, 8 }, { 0x70, 2 },
		{ 0x80, 1 }, { 0xe0, 4 }, { 0x20, 2 }, { 0xa0, 2 }, { 0x4d0, 2 }, { 0x40, 4 },
		{ 0x61, 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(owned); i++)
		if (overlaps(p, n, owned[i][0], owned[i][1]))
			return true;
	return false;
}

/* Ports whose writes end the VM (kept for the end) or break this image. */
static bool port_write_denied(uint32_t p, uint32_t n)
{
	static const uint16_t denied[][2] = {
		{ 0xf4, 8 }, { 0x600, 6 }, { 0xcf9, 1 }, { 0x64, 1 }, /* the VM's end */
		{ 0x3f8, 8 }, { 0xe0, 4 },                            /* our console, the doorbell */
		{ 0x20, 2 }, { 0xa0, 2 }, { 0x4d0, 2 }, { 0x40, 4 }, { 0x61, 1 }, /* PIC, PIT: the watchdog */
	};

	for (size_t i = 0; i < ARRAY_SIZE(denied); i++)
		if (overlaps(p, n, denied[i][0], denied[i][1]))
			return true;
	return false;
}

static uint16_t pick_port(struct cpu *c)
{
	static const uint16_t interesting[] = { 0x70, 0x71, 0x80, 0x60, 0x64, 0x600, 0x602, 0x604,
						0x605, 0x606, 0xcf8, 0xcf9, 0xcfc, 0xf0, 0xf3, 0xf4,
						0xf8, 0xfc, 0xe0, 0xe1, 0xe3, 0xe4, 0x3fd, 0x3fe,
						0x402, 0x510, 0x92, 0x4d0, 0xffff, 0x3f7 };

	if (rnd_below(c, 2))
		return interesting[rnd_below(c, ARRAY_SIZE(interesting))] - (uint16_t)rnd_below(c, 4);
	return (uint16_t)rnd(c);
}

static void attack_port(struct cpu *c)
{
	uint16_t p = pick_port(c);
	uint32_t n = 1u << rnd_below(c, 3), v = (uint32_t)rnd(c), got = 0;
	bool write = rnd_below(c, 2);
	uint8_t buf[64], *bp = buf;

	if (rnd_below(c, 8) == 0) { /* string I/O */
		uint64_t count = 1 + rnd_below(c, 16);

		if (write && !port_write_denied(p, n)) {
			for (uint32_t i = 0; i < sizeof(buf); i++)
				buf[i] = (uint8_t)rnd(c);
			c->c.port_writes++;
			asm volatile("rep outsb" : "+S"(bp), "+c"(count) : "d"(p) : "memory");
		} else if (!write && !overlaps(p, 1, 0x3f8, 1)) {
			c->c.port_reads++;
			asm volatile("rep insb" : "+D"(bp), "+c"(count) : "d"(p) : "memory");
		}
		return;
	}
	if (write) {
		if (port_write_denied(p, n))
			return;
		c->c.port_writes++;
		if (n == 1)
			outb(p, (uint8_t)v);
		else if (n == 2)
			outw(p, (uint16_t)v);
		else
			outl(p, v);
		return;
	}
	if (overlaps(p, n, 0x3f8, 1)) /* never the receive side */
		return;
	c->c.port_reads++;
	got = n == 1 ? inb(p) : n == 2 ? inw(p) : inl(p);
	if (!port_owned(p, n) && got != (n == 4 ? 0xffffffffu : (1u << (8 * n)) - 1))
		note_mismatch(c, "in%c 0x%x: 0x%x from an unhandled port, not all-ones",
			      n == 1 ? 'b' : n == 2 ? 'w' : 'l', p, got);
}

/* LAPIC registers a write cannot turn against us: read-only, reserved, ESR, TPR. */
static uint32_t lapic_safe_reg(struct cpu *c)
{
	static const uint16_t regs[] = { 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xc0,
					 0x100, 0x180, 0x200, 0x280, 0x390, 0x3a0, 0x3f0, 0x400,
					 0x410, 0x480, 0x500, 0xff0 };

	return regs[rnd_below(c, ARRAY_SIZE(regs))];
}

static void attack_lapic(struct cpu *c)
{
	uint64_t v;

	if (rnd_below(c, 2)) {
		c->c.mmio_reads++;
		probe_read(LAPIC_BASE + (rnd_below(c, 4096) & ~3ULL), 4, &v);
		return;
	}
	if (rnd_below(c, 4) == 0) {
		/* an IPI we can survive: fixed or NMI, to one CPU */
		uint32_t dest = (uint32_t)rnd_below(c, m.ncpus);

		mmio_write32(LAPIC_BASE + 0x310, dest << 24);
		mmio_write32(LAPIC_BASE + 0x300, (32 + (uint32_t)rnd_below(c, 224)) |
						 (rnd_below(c, 4) == 0 ? 0x400 : 0));
		c->c.mmio_writes += 2;
		return;
	}
	c->c.mmio_writes++;
	probe_write(LAPIC_BASE + lapic_safe_reg(c), 4, rnd(c));
	mmio_write32(LAPIC_BASE + 0x80, 0); /* TPR back to 0 */
}

/* The IOAPIC: select/data pairs under a lock (the select register is
 * shared), and data writes only where they cannot mute the watchdog. */
static void attack_ioapic(struct cpu *c)
{
	uint32_t idx = (uint32_t)rnd(c) & 0xff, val = (uint32_t)rnd(c);
	uint64_t v;

	while (__atomic_exchange_n(&ioapic_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	switch (rnd_below(c, 4)) {
	case 0:
		c->c.mmio_reads++;
		probe_read(IOAPIC_BASE + (rnd_below(c, 256) & ~3ULL), 4, &v);
		break;
	case 1:
		mmio_write32(IOAPIC_BASE, idx);
		c->c.mmio_reads++;
		(void)mmio_read32(IOAPIC_BASE + 0x10);
		break;
	case 2: {
		bool redir = idx >= 0x10 && idx < 0x40, pin_ours = redir && ((idx - 0x10) / 2 == 0 ||
					(idx - 0x10) / 2 == 2 || (idx - 0x10) / 2 == 4);

		if (pin_ours)
			break;
		if (redir && !(idx & 1)) /* masked, and no exception vector */
			val = (val | 0x10000) | 0x30;
		mmio_write32(IOAPIC_BASE, idx);
		mmio_write32(IOAPIC_BASE + 0x10, val);
		c->c.mmio_writes++;
		break;
	}
	default:
		mmio_write32(IOAPIC_BASE + 0x40, 32 + (uint32_t)rnd_below(c, 224)); /* EOI register */
		c->c.mmio_writes++;
		break;
	}
	__atomic_store_n(&ioapic_lock, 0, __ATOMIC_RELEASE);
}

/* Unbacked addresses: the holes, past RAM, the top of the physical space. */
static uint64_t mmio_addr(struct cpu *c, bool *all_ones, bool *may_fault)
{
	*all_ones = true;
	*may_fault = false;
	switch (rnd_below(c, 8)) {
	case 0: return m.low_top + rnd_below(c, 0xfec00000ULL - m.low_top);
	case 1: return 0xfec01000ULL + rnd_below(c, 0xfee00000ULL - 0xfec01000ULL);
	case 2: return 0xfee01000ULL + rnd_below(c, 0x100000000ULL - 0xfee01000ULL);
	case 3: return 0xfffbc000ULL + rnd_below(c, 0x4000);
	case 4:
		if (!m.gb_pages)
			break;
		*may_fault = true; /* past MAXPHYADDR: a reserved bit */
		return (62ULL << 30) + rnd_below(c, 2ULL << 30);
	case 5:
		if (!m.gb_pages || m.ram_top >= (62ULL << 30))
			break;
		return (m.ram_top > (1ULL << 32) ? m.ram_top : 1ULL << 32) + rnd_below(c, 1ULL << 30);
	default:
		break;
	}
	/* the end of RAM: the access may straddle it */
	*all_ones = false;
	return m.low_top - 8 + rnd_below(c, 16);
}

static void attack_mmio(struct cpu *c)
{
	bool all_ones, may_fault;
	uint64_t a, v = 0, want;
	uint8_t buf[64];
	int size = 1 << rnd_below(c, 4);
	long f = -1;

	switch (rnd_below(c, 10)) {
	case 0:
		attack_lapic(c);
		return;
	case 1:
		attack_ioapic(c);
		return;
	default:
		break;
	}
	a = mmio_addr(c, &all_ones, &may_fault);
	switch (rnd_below(c, 8)) {
	case 0: /* 16 bytes at once (SSE) */
		if (rnd_below(c, 2)) {
			c->c.mmio_reads++;
			memset(buf, 0, 16);
			f = probe_read16(a, buf);
			for (int i = 0; f == -1 && all_ones && i < 16; i++)
				if (buf[i] != 0xff) {
					note_mismatch(c, "movdqu from 0x%lx: byte %d is 0x%x", a, i, buf[i]);
					break;
				}
		} else {
			c->c.mmio_writes++;
			f = probe_write16(a, buf);
		}
		break;
	case 1: { /* string moves through the emulator */
		uint64_t count = 1 + rnd_below(c, 16); /* an exit each */

		if (rnd_below(c, 2)) {
			c->c.mmio_reads++;
			f = probe_movs(buf, (const void *)a, count);
		} else if (rnd_below(c, 2)) {
			c->c.mmio_writes++;
			f = probe_movs((void *)a, buf, count);
		} else {
			c->c.mmio_writes++;
			f = probe_stos((void *)a, (uint8_t)rnd(c), count);
		}
		break;
	}
	case 2:
	case 3:
	case 4:
		c->c.mmio_writes++;
		f = probe_write(a, size, rnd(c));
		break;
	default:
		c->c.mmio_reads++;
		f = probe_read(a, size, &v);
		want = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
		if (f == -1 && all_ones && v != want)
			note_mismatch(c, "%d-byte read of unbacked 0x%lx: 0x%lx", size, a, v);
		break;
	}
	if (f != -1) {
		c->c.mmio_faults++;
		if (!may_fault || f != 14)
			note_mismatch(c, "access to 0x%lx: vector %ld", a, f);
	}
}

/* Output: bursts through one string OUT, or byte by byte; THRI on and off. */
static void attack_uart(struct cpu *c)
{
	static char burst[MAX_CPUS][512];
	char *b = burst[c->id];
	/* (each byte is an exit, even in a string OUT: KVM emulates OUTS one
	 * element at a time) */
	uint64_t n = rnd_below(c, 4) ? 64 + rnd_below(c, 448) : 16 + rnd_below(c, 112), len = 0;

	while (len + 40 < n) {
		int k = sformat(b + len, n - len, "hostile-flood cpu%u %lx ", c->id, rnd(c));

		len += (uint64_t)k;
		while (len + 1 < n && rnd_below(c, 16))
			b[len++] = (char)('!' + rnd_below(c, 94));
		b[len++] = '\n';
	}
	con_lock();
	if (rnd_below(c, 4) == 0)
		outb(0x3f9, rnd_below(c, 2) ? 0x02 : 0x00); /* IER: THRI */
	if (rnd_below(c, 8) == 0) {
		/* loopback: the burst fills the receive side, which nobody reads */
		outb(0x3fc, 0x10 | 0x08);
		for (uint64_t i = 0; i < len && i < 64; i++)
			outb(0x3f8, (uint8_t)b[i]);
		outb(0x3fc, 0x08);
	}
	if (n > 256) {
		uint64_t count = len;
		const char *p = b;

		asm volatile("rep outsb" : "+S"(p), "+c"(count) : "d"(0x3f8) : "memory");
	} else {
		for (uint64_t i = 0; i < len; i++) {
			if (rnd_below(c, 32) == 0)
				(void)inb(0x3fd); /* LSR, as a polling driver would */
			outb(0x3f8, (uint8_t)b[i]);
		}
	}
	con_unlock();
	c->c.uart_bytes += len;
}

static void attack_cpuid(struct cpu *c)
{
	uint32_t r[4], leaf;

	switch (rnd_below(c, 4)) {
	case 0: leaf = 0x40000000 + (uint32_t)rnd_below(c, 0x200); break;
	case 1: leaf = (uint32_t)rnd_below(c, 0x20); break;
	case 2: leaf = 0x80000000 + (uint32_t)rnd_below(c, 0x20); break;
	default: leaf = (uint32_t)rnd(c); break;
	}
	c->c.cpuids++;
	cpuid(leaf, (uint32_t)rnd_below(c, 4), r);
	if (leaf == HPV_CPUID_FEATURES && m.hybridpv && r[1] != m.features)
		note_mismatch(c, "features changed: 0x%x, at boot 0x%x", r[1], m.features);
}

/* Interrupts on, off, and a halt the watchdog (or a timer) ends. */
static void attack_irqs(struct cpu *c)
{
	switch (rnd_below(c, 4)) {
	case 0:
		irq_on();
		for (int i = 0; i < 100; i++)
			cpu_relax();
		irq_off();
		break;
	case 1:
		if (m.watchdog) {
			watchdog_ensure(c);
			asm volatile("sti; hlt; cli");
		}
		break;
	default:
		asm volatile("sti; nop; cli");
		break;
	}
}

void attack_stream(struct cpu *c)
{
	for (uint64_t n = 0; n < m.nactions; n++) {
		uint64_t a = rnd_below(c, 100);

		/* for the harness: a stream that stops printing has hung */
		if (n % 32 == 0)
			say("hostile: progress cpu%u %lu", c->id, n);
		if (m.trace)
			say("hostile: trace cpu%u %lu action %lu", c->id, n, a);
		c->c.actions++;
		if (a < 14)
			attack_hpv_msr(c);
		else if (a < 28)
			attack_foreign_msr(c);
		else if (a < 44)
			attack_stubs(c);
		else if (a < 56)
			attack_doorbell(c);
		else if (a < 61)
			attack_kvm_hypercall(c);
		else if (a < 65)
			attack_tsc(c);
		else if (a < 75)
			attack_port(c);
		else if (a < 87)
			attack_mmio(c);
		else if (a < 89)
			attack_uart(c);
		else if (a < 95)
			attack_irqs(c);
		else
			attack_cpuid(c);
	}
	irq_off();
}

/*
 * hostile.case=NAME: the smallest action sequence that showed an hpv bug,
 * kept as a regression (scripts/hostile-guest.sh runs them every time).
 * Returns false for a name it does not know.
 */
static bool case_is(const char *name, const char *want)
{
	size_t n = strlen(want);

	return !memcmp(name, want, n) && (name[n] == ' ' || !name[n]);
}

/* One stub call, its result checked against the ABI. */
static void case_call(struct cpu *c, uint32_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		      uint64_t a3)
{
	struct regs r, in;

	memset(&r, 0, sizeof(r));
	r.rdi = a0;
	r.rsi = a1;
	r.rdx = a2;
	r.r10 = a3;
	in = r;
	c->c.stub_calls++;
	if (hostile_call(c->hcpage + (uint64_t)nr * m.stride, &r) != -1)
		note_mismatch(c, "stub %u faulted", nr);
	else
		check_result(c, "stub", nr, &in, (int64_t)r.rax);
	irq_off();
}

bool attack_case(struct cpu *c, const char *name)
{
	/* nothing: what hpv offers is all a run checks */
	if (case_is(name, "none"))
		return true;
	c->hcpage_ok = false;
	if (case_is(name, "settimer-vector0")) {
		/* a page just registered, then SET_TIMER with vector 0 */
		if (own_hcpage(c) && (m.features & HPV_FEATURE_PV_TIMER))
			case_call(c, HPV_HC_SET_TIMER, near_deadline(c), 0, 0, 0);
		return true;
	}
	if (case_is(name, "doorbells")) {
		/* NOP and ABI_VERSION rung by hand, 24 times each */
		for (int i = 0; i < 48; i++) {
			struct regs r, in;

			memset(&r, 0, sizeof(r));
			r.rax = i & 1 ? HPV_HC_ABI_VERSION : HPV_HC_NOP;
			in = r;
			c->c.doorbells++;
			if (hostile_call(db_outl, &r) != -1)
				note_mismatch(c, "doorbell faulted");
			else if (m.hybridpv)
				check_result(c, "doorbell", (uint32_t)in.rax, &in, (int64_t)r.rax);
		}
		irq_off();
		return true;
	}
	if (case_is(name, "kvm-pv-msrs")) {
		/* each of KVM's paravirtual MSRs written 0 (off): all #GP */
		for (int i = 0; i < NR_KVM_PV_MSRS; i++) {
			long f = probe_wrmsr(kvm_pv_msrs[i], 0);

			c->c.msr[MC_KVM_PV].writes++;
			c->c.kvm_pv[i].writes++;
			c->c.msr[MC_KVM_PV].wgp += f != -1;
			c->c.kvm_pv[i].wgp += f != -1;
		}
		return true;
	}
	if (case_is(name, "msr-wild")) {
		/* each of ours, an address past any RAM: all #GP */
		for (size_t i = 0; i < ARRAY_SIZE(recs); i++) {
			uint64_t val = (1ULL << 63) | HPV_MSR_ENABLE;
			long f = probe_wrmsr(recs[i].msr, val);

			c->c.msr[MC_HPV].writes++;
			c->c.msr[MC_HPV].wgp += f != -1;
			if (f == -1)
				note_mismatch(c, "wrmsr %s 0x%lx: accepted, the ABI says #GP", recs[i].name, val);
		}
		return true;
	}
	if (case_is(name, "settimer-vector256")) {
		/* two vectors bound in turn leave the stub's "none" marker, 256,
		 * in the page; then SET_TIMER with vector 256 */
		if (own_hcpage(c) && (m.features & HPV_FEATURE_PV_TIMER)) {
			case_call(c, HPV_HC_SET_TIMER, 0, VEC_TIMER, 0, 0);
			case_call(c, HPV_HC_SET_TIMER, 0, VEC_TIMER + 1, 0, 0);
			case_call(c, HPV_HC_SET_TIMER, near_deadline(c), 256, 0, 0);
		}
		return true;
	}
	if (case_is(name, "lvtt-rebind")) {
		/*
		 * SET_TIMER cancels with two vectors in turn, so hpv rebinds
		 * LVTT on every call, while the watchdog's ticks come in; then
		 * the watchdog must still tick. (hpv rebinds with
		 * KVM_GET_LAPIC + KVM_SET_LAPIC: a tick latched in between is
		 * lost, and KVM's PIT waits for its EOI for ever.)
		 */
		if (!own_hcpage(c) || !(m.features & HPV_FEATURE_PV_TIMER) || !m.watchdog)
			return true;
		for (int i = 0; i < 1500; i++) {
			struct regs r;

			memset(&r, 0, sizeof(r));
			r.rsi = VEC_TIMER + (i & 1);
			r.if_on = 1;
			c->c.stub_calls++;
			hostile_call(c->hcpage + (uint64_t)HPV_HC_SET_TIMER * m.stride, &r);
		}
		/* lost: the PIT waits for ever; does restarting it help? */
		if (!watchdog_ticks(c, 2000)) {
			watchdog_ensure(c);
			note_mismatch(c, "the watchdog stopped after %lu LVTT rebinds: an interrupt was lost (a PIT restart %s)",
				      c->c.stub_calls, watchdog_ticks(c, 2000) ? "brings it back" : "does not help");
		}
		return true;
	}
	if (case_is(name, "sendipi-min-u32")) {
		/* vCPU 1 at min_apic_id 2^32 + 1, which the ABI refuses */
		if (own_hcpage(c) && (m.features & HPV_FEATURE_PV_IPI))
			case_call(c, HPV_HC_SEND_IPI, 1, 0, (1ULL << 32) + 1, VEC_TIMER);
		return true;
	}
	return false;
}
