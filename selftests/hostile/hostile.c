// SPDX-License-Identifier: GPL-2.0
/*
 * The hostile guest's boot: boot_params, our own GDT/IDT/page tables, the
 * ABI found by CPUID, the interrupt controllers, the APs started with
 * INIT-SIPI-SIPI; then every CPU runs its own attack stream (attack.c) and
 * the BSP prints what it saw and ends the VM the way the seed chose.
 */
#include "hostile.h"

/* boot_params offsets (Documentation/arch/x86/zero-page.rst) */
#define BP_ACPI_RSDP     0x070
#define BP_EXT_CMDLINE   0x0c8
#define BP_E820_ENTRIES  0x1e8
#define BP_CMD_LINE_PTR  0x228
#define BP_E820_TABLE    0x2d0

#define PTE_P  (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_PS (1ULL << 7)

/* LAPIC registers */
#define APIC_ID    0x20
#define APIC_TPR   0x80
#define APIC_EOI   0xb0
#define APIC_LDR   0xd0
#define APIC_DFR   0xe0
#define APIC_SVR   0xf0
#define APIC_ESR   0x280
#define APIC_ICR   0x300
#define APIC_ICR2  0x310
#define APIC_LVT0  0x350
#define APIC_LVTE  0x370
#define APIC_MASKED 0x10000

struct machine m;
struct cpu *cpus[MAX_CPUS];
uint8_t stacks[MAX_CPUS][STACK_SIZE] __attribute__((aligned(STACK_SIZE)));
volatile int go;
static volatile int aps_online;
static volatile int final_halt; /* what a finished AP does: see ap_finish() */
static volatile uint64_t bsp_ticks;
uint64_t pvclock_max; /* the furthest the pvclock read after a TSC write */

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[4][512] __attribute__((aligned(4096)));
static uint8_t idt[256 * 16] __attribute__((aligned(16)));
/* then a 16-byte TSS descriptor per CPU (SEL_TSS(id)) */
static uint64_t gdt[4 + 2 * MAX_CPUS] __attribute__((aligned(16))) = {
	0,
	0x00af9a000000ffffULL, /* SEL_CODE64 */
	0x00cf92000000ffffULL, /* SEL_DATA */
	0x00cf9a000000ffffULL, /* SEL_CODE32, for the trampoline */
};

/*
 * A TSS per CPU, for IST1: the double fault runs on a stack of its own, so
 * that whatever broke the first delivery is reported instead of turning
 * into a triple fault. The IST stack lies in the CPU's own stack area,
 * above its struct cpu, so this_cpu() works there too.
 */
struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
};
#define IST_TOP 6144 /* from the base of the CPU's stack area */
_Static_assert(sizeof(struct cpu) + 2048 <= IST_TOP, "no room for the IST stack");
static struct tss64 tss[MAX_CPUS] __attribute__((aligned(16)));

static char cmdline[2048];
static uint32_t tsc_khz;

static const char *const end_names[END_NR] = {
	[END_POWEROFF] = "poweroff", [END_STATUS] = "status", [END_TRIPLE] = "triple-fault",
	[END_EXEC_MMIO] = "exec-mmio",
	[END_HALT] = "halt", [END_SPIN] = "spin", [END_IDLE_HALT] = "idle-halt",
};

static void lapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(LAPIC_BASE + reg, v);
}

static uint32_t lapic_read(uint32_t reg)
{
	return mmio_read32(LAPIC_BASE + reg);
}

void lapic_eoi(void)
{
	lapic_write(APIC_EOI, 0);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(IOAPIC_BASE, reg);
	mmio_write32(IOAPIC_BASE + 0x10, v);
}

void trap_entry(struct frame *f)
{
	struct cpu *c = this_cpu();
	uint64_t v = f->vector;

	if (v >= 32) {
		c->c.interrupts++;
		if (v == VEC_WATCHDOG) {
			c->c.watchdog++;
			if (c->id == 0)
				bsp_ticks++;
		} else if (v == VEC_UART) {
			c->c.uart_irqs++;
			(void)inb(0x3fa); /* IIR: acknowledges THRE */
		} else if (v == VEC_TIMER) {
			c->c.timer_irqs++;
		}
		lapic_eoi();
		return;
	}
	c->c.exceptions[v]++;
	if (v == 8 || v == 14)
		asm volatile("mov %%cr2, %0" : "=r"(c->last_cr2));
	if (v == 8)
		guest_fail("cpu %u: double fault at rip 0x%lx, rsp 0x%lx, cr2 0x%lx, after action %lu",
			   c->id, f->rip, f->rsp, c->last_cr2, c->c.actions);
	if (v == 2) /* NMI: someone sent one; nothing to do */
		return;
	if (v == 1) { /* #DB: a debug MSR or TF we set by accident: carry on */
		f->rflags &= ~0x100ULL;
		return;
	}
	if (c->fixup_rip) {
		f->rip = c->fixup_rip;
		f->rsp = c->fixup_rsp;
		c->fault_vec = (int64_t)v;
		c->fixup_rip = 0;
		return;
	}
	if (v == 18) /* #MC from an MCE bank write: counted */
		return;
	guest_fail("cpu %u: exception %lu (error 0x%lx) at rip 0x%lx, cr2 0x%lx", c->id, v, f->error,
		   f->rip, c->last_cr2);
}

static void load_gdt_idt(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdtr = { sizeof(gdt) - 1, (uint64_t)gdt }, idtr = { sizeof(idt) - 1, (uint64_t)idt };

	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "mov %2, %%eax\n\t"
		     "mov %%eax, %%ds\n\t"
		     "mov %%eax, %%es\n\t"
		     "mov %%eax, %%ss\n\t"
		     "mov %%eax, %%fs\n\t"
		     "mov %%eax, %%gs\n\t"
		     "lidt %3"
		     :
		     : "m"(gdtr), "i"(SEL_CODE64), "i"(SEL_DATA), "m"(idtr)
		     : "rax", "memory");
}

static void build_idt(void)
{
	for (int i = 0; i < 256; i++) {
		uint64_t h = (uint64_t)vectors + 16 * i;
		uint8_t *g = idt + 16 * i;

		g[0] = h & 0xff;
		g[1] = (h >> 8) & 0xff;
		g[2] = SEL_CODE64;
		g[3] = 0;
		g[4] = i == 8 ? 1 : 0; /* IST: the double fault's own stack */
		g[5] = 0x8e; /* present, DPL 0, interrupt gate */
		g[6] = (h >> 16) & 0xff;
		g[7] = (h >> 24) & 0xff;
		g[8] = (h >> 32) & 0xff;
		g[9] = (h >> 40) & 0xff;
		g[10] = (h >> 48) & 0xff;
		g[11] = (h >> 56) & 0xff;
		memset(g + 12, 0, 4);
	}
}

/*
 * Our own tables, not hpv's at 0x9000 (low RAM is a target: see
 * chaos_addr()): 0-4 GiB in 2 MiB pages, then with 1 GiB pages 4-62 GiB
 * (high RAM and MMIO holes), 62 GiB onto the top of the physical address
 * space and 63 GiB onto a reserved bit (a #PF to survive).
 */
static void build_page_tables(unsigned int maxphy)
{
	pml4[0] = (uint64_t)pdpt | PTE_P | PTE_RW;
	for (int i = 0; i < 4; i++) {
		pdpt[i] = (uint64_t)pd[i] | PTE_P | PTE_RW;
		for (int j = 0; j < 512; j++)
			pd[i][j] = ((uint64_t)(i * 512 + j) << 21) | PTE_P | PTE_RW | PTE_PS;
	}
	if (!m.gb_pages)
		return;
	for (int i = 4; i < 62; i++)
		pdpt[i] = ((uint64_t)i << 30) | PTE_P | PTE_RW | PTE_PS;
	if (maxphy > 31 && maxphy < 52) {
		pdpt[62] = ((1ULL << maxphy) - (1ULL << 30)) | PTE_P | PTE_RW | PTE_PS;
		pdpt[63] = (1ULL << maxphy) | PTE_P | PTE_RW | PTE_PS;
	}
}

static void enable_sse_and_paging(void)
{
	uint64_t cr0, cr4;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= (1u << 9) | (1u << 10); /* OSFXSR, OSXMMEXCPT */
	asm volatile("mov %0, %%cr4" : : "r"(cr4));
	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 & ~0xcULL) | 0x2; /* no EM, no TS; MP */
	asm volatile("mov %0, %%cr0" : : "r"(cr0));
	asm volatile("mov %0, %%cr3" : : "r"((uint64_t)pml4) : "memory");
}

static bool cmdline_u64(const char *key, uint64_t *val)
{
	size_t n = strlen(key);

	for (const char *p = cmdline; *p; p++) {
		if ((p == cmdline || p[-1] == ' ') && !memcmp(p, key, n)) {
			uint64_t v = 0;

			p += n;
			if (*p < '0' || *p > '9')
				return false;
			while (*p >= '0' && *p <= '9')
				v = v * 10 + (uint64_t)(*p++ - '0');
			*val = v;
			return true;
		}
	}
	return false;
}

static const char *cmdline_str(const char *key)
{
	size_t n = strlen(key);

	for (const char *p = cmdline; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && !memcmp(p, key, n))
			return p + n;
	return NULL;
}

static bool word_is(const char *p, const char *w)
{
	size_t n = strlen(w);

	return p && !memcmp(p, w, n) && (p[n] == ' ' || p[n] == '\0');
}

static void read_boot_params(const uint8_t *bp)
{
	uint64_t ptr = *(const uint32_t *)(bp + BP_CMD_LINE_PTR) |
		       (uint64_t)*(const uint32_t *)(bp + BP_EXT_CMDLINE) << 32;
	int n = bp[BP_E820_ENTRIES];

	if (ptr && ptr < (1ULL << 32)) {
		const char *s = (const char *)ptr;
		size_t i;

		for (i = 0; i + 1 < sizeof(cmdline) && s[i]; i++)
			cmdline[i] = s[i];
		cmdline[i] = '\0';
	}
	/* RAM as hpv's memory slots see it: RAM and reserved (the EBDA hole
	 * is in the low slot); contiguous entries merged */
	for (int i = 0; i < n && i < 128; i++) {
		const uint8_t *e = bp + BP_E820_TABLE + 20 * i;
		uint64_t start = *(const uint64_t *)e, size = *(const uint64_t *)(e + 8);
		uint32_t type = *(const uint32_t *)(e + 16);

		if (type != 1 && type != 2)
			continue;
		if (m.nram && m.ram[m.nram - 1][1] == start)
			m.ram[m.nram - 1][1] = start + size;
		else if (m.nram < (int)ARRAY_SIZE(m.ram))
			m.ram[m.nram][0] = start, m.ram[m.nram++][1] = start + size;
	}
	m.low_top = m.nram ? m.ram[0][1] : 0;
	m.ram_top = m.nram ? m.ram[m.nram - 1][1] : 0;
}

/* The CPUs the MADT lists, enabled ones. */
static int madt_cpus(const uint8_t *bp)
{
	uint64_t rsdp = *(const uint64_t *)(bp + BP_ACPI_RSDP);
	const uint8_t *xsdt, *t;
	uint32_t len;
	int n = 0;

	if (!rsdp || rsdp >= (1ULL << 32) || memcmp((const void *)rsdp, "RSD PTR ", 8))
		return 0;
	xsdt = (const uint8_t *)*(const uint64_t *)(rsdp + 24);
	if ((uint64_t)xsdt >= (1ULL << 32) || memcmp(xsdt, "XSDT", 4))
		return 0;
	len = *(const uint32_t *)(xsdt + 4);
	for (uint32_t off = 36; off + 8 <= len && off < 36 + 8 * 32; off += 8) {
		t = (const uint8_t *)*(const uint64_t *)(xsdt + off);
		if ((uint64_t)t >= (1ULL << 32) || memcmp(t, "APIC", 4))
			continue;
		len = *(const uint32_t *)(t + 4);
		for (uint32_t p = 44; p + 2 <= len && t[p + 1] >= 2; p += t[p + 1])
			if (t[p] == 0 && (t[p + 4] & 1))
				n++;
		break;
	}
	return n;
}

static void discover_abi(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	m.amd = r[1] == 0x68747541 || r[1] == 0x6f677948; /* "Auth", "Hygo" */
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		char sig[13];

		cpuid(base, 0, r);
		memcpy(sig, &r[1], 4);
		memcpy(sig + 4, &r[2], 4);
		memcpy(sig + 8, &r[3], 4);
		sig[12] = '\0';
		if (memcmp(sig, HPV_SIGNATURE, 12))
			continue;
		m.hybridpv = true;
		m.hv_max_leaf = r[0];
		cpuid(base + 1, 0, r);
		m.features = r[1];
		if (m.hv_max_leaf >= base + 2) {
			cpuid(base + 2, 0, r);
			m.hcpage_msr = r[0];
			m.stride = r[2];
		}
		if (m.hv_max_leaf >= base + 3) {
			cpuid(base + 3, 0, r);
			tsc_khz = r[0];
		}
		break;
	}
	if (!tsc_khz)
		tsc_khz = 2000000; /* a guess: only bounds our own waits */
	cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		m.gb_pages = r[3] & (1u << 26);
	}
}

static unsigned int max_phys_bits(void)
{
	uint32_t r[4];

	cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000008)
		return 36;
	cpuid(0x80000008, 0, r);
	return r[0] & 0xff;
}

/* Busy-wait on the TSC: only while it is still the one we booted with. */
static void delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_khz / 1000;

	while (rdtsc() < end)
		cpu_relax();
}

static void lapic_init(struct cpu *c)
{
	lapic_write(APIC_SVR, 0x100 | VEC_SPURIOUS);
	lapic_write(APIC_DFR, 0xffffffff);       /* flat logical */
	lapic_write(APIC_LDR, (1u << c->id) << 24);
	lapic_write(APIC_TPR, 0);
	lapic_write(APIC_LVT0, APIC_MASKED);     /* no ExtINT from the PIC */
	lapic_write(APIC_LVTE, APIC_MASKED);
	lapic_write(APIC_ESR, 0);
}

/*
 * The watchdog: the PIT at 100 Hz to every CPU (IOAPIC, logical
 * destination 0xff). Whatever the attacks do to the timers hpv offers,
 * a halt with interrupts on always ends within a tick. The PIC is
 * initialised and masked so that nothing arrives as ExtINT.
 */
static volatile uint32_t pit_lock;

/* (KVM's PIT also forgets a tick it still waits to see acknowledged) */
static void pit_start(void)
{
	while (__atomic_exchange_n(&pit_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	outb(0x43, 0x34); /* channel 0, lo/hi, rate generator */
	outb(0x40, 11932 & 0xff);
	outb(0x40, 11932 >> 8);
	__atomic_store_n(&pit_lock, 0, __ATOMIC_RELEASE);
}

/*
 * Interrupts on until a watchdog tick, ms milliseconds at most (the TSC:
 * no one else writes this CPU's while it waits).
 */
bool watchdog_ticks(struct cpu *c, uint64_t ms)
{
	uint64_t seen = c->c.watchdog, t0;

	irq_on();
	t0 = rdtsc();
	while (c->c.watchdog == seen && rdtsc() - t0 < ms * tsc_khz)
		cpu_relax();
	irq_off();
	return c->c.watchdog != seen;
}

/*
 * The watchdog stops for good when one of its ticks is lost: KVM's PIT
 * then waits for an EOI that never comes. Found so (no tick for 2 s), it
 * is restarted, and counted: the harness reports it, before a halt only
 * the watchdog could end. A tick that is only late (25 periods: nested
 * and overcommitted, KVM's PIT thread can wait that long for a CPU) is
 * counted apart.
 */
void watchdog_ensure(struct cpu *c)
{
	if (!m.watchdog || watchdog_ticks(c, 250))
		return;
	if (watchdog_ticks(c, 2000)) {
		c->c.late_ticks++;
		return;
	}
	c->c.revivals++;
	pit_start();
}

static void interrupts_init(void)
{
	static const uint8_t pic[] = { 0x11, 0x20, 0x04, 0x01 }, pic2[] = { 0x11, 0x28, 0x02, 0x01 };

	for (int i = 0; i < 4; i++) {
		outb(i ? 0x21 : 0x20, pic[i]);
		outb(i ? 0xa1 : 0xa0, pic2[i]);
	}
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	/* the PIT is GSI 0 in KVM's default routing; pin 2 too, in case */
	for (int pin = 0; pin <= 2; pin += 2) {
		ioapic_write(0x10 + 2 * pin + 1, 0xffu << 24);
		ioapic_write(0x10 + 2 * pin, VEC_WATCHDOG | (1u << 11));
	}
	/* COM1 (IRQ 4) to the BSP */
	ioapic_write(0x10 + 2 * 4 + 1, 0);
	ioapic_write(0x10 + 2 * 4, VEC_UART);
	pit_start();
}

static void check_watchdog(void)
{
	uint64_t t0 = bsp_ticks;

	irq_on();
	for (int i = 0; i < 100 && bsp_ticks - t0 < 3; i++)
		delay_us(10000);
	irq_off();
	m.watchdog = bsp_ticks - t0 >= 3;
}

uint64_t pvclock_now(void)
{
	uint64_t d = rdtsc() - m.pv_tsc;

	d = m.pv_shift >= 0 ? d << m.pv_shift : d >> -m.pv_shift;
	return m.pv_ns + (uint64_t)(((unsigned __int128)d * m.pv_mul) >> 32);
}

/* The BSP's record, once: the line is the same for every vCPU. */
static void pvclock_init(void)
{
	volatile struct hpv_pvclock *rec = (volatile struct hpv_pvclock *)ARENA_PV;
	uint32_t v;

	if (!(m.features & HPV_FEATURE_PVCLOCK))
		return;
	if (probe_wrmsr(HPV_MSR_PVCLOCK, ARENA_PV | HPV_MSR_ENABLE) != -1) {
		say("hostile: pvclock registration refused");
		return;
	}
	this_cpu()->hpv_msr_val[1] = ARENA_PV | HPV_MSR_ENABLE;
	do {
		v = rec->version;
		m.pv_tsc = rec->tsc_timestamp;
		m.pv_ns = rec->system_time;
		m.pv_mul = rec->tsc_to_system_mul;
		m.pv_shift = rec->tsc_shift;
	} while ((v & 1) || v != rec->version);
	m.pv_ok = m.pv_mul != 0;
}

static void tss_init(struct cpu *c)
{
	uint64_t base = (uint64_t)&tss[c->id], limit = sizeof(struct tss64) - 1;
	uint64_t *d = &gdt[SEL_TSS(c->id) / 8];

	tss[c->id].ist[0] = (uint64_t)c + IST_TOP;
	tss[c->id].iomap_base = sizeof(struct tss64);
	d[0] = limit | (base & 0xffffff) << 16 | 0x89ULL << 40 | (base >> 24 & 0xff) << 56;
	d[1] = base >> 32;
	asm volatile("ltr %w0" : : "r"(SEL_TSS(c->id)) : "memory");
}

static void cpu_init(struct cpu *c)
{
	c->id = lapic_read(APIC_ID) >> 24;
	if (c->id >= MAX_CPUS)
		guest_fail("APIC id %u: more than %d CPUs", c->id, MAX_CPUS);
	tss_init(c);
	seed_rng(c, m.seed);
	c->hcpage = (uint8_t *)ARENA_HC(c->id);
	cpus[c->id] = c;
}

/* What a CPU does once its stream is done. */
static void __attribute__((noreturn)) ap_finish(struct cpu *c)
{
	struct regs r;

	while (!final_halt) {
		if (m.aps_keep_going)
			attack_stream(c);
		else
			cpu_relax();
	}
	switch (m.end_mode) {
	case END_SPIN:
		for (;;)
			asm volatile("cli; 1: jmp 1b");
	case END_IDLE_HALT:
		/* the idle doorbell with interrupts off: nothing wakes it */
		for (;;) {
			memset(&r, 0, sizeof(r));
			r.rax = HPV_HC_IDLE;
			hostile_call(db_outl, &r);
			irq_off();
			asm volatile("hlt");
		}
	default:
		for (;;)
			asm volatile("cli; hlt");
	}
}

void ap_main(void)
{
	struct cpu *c = this_cpu();

	load_gdt_idt();
	enable_sse_and_paging();
	cpu_init(c);
	lapic_init(c);
	__atomic_add_fetch(&aps_online, 1, __ATOMIC_SEQ_CST);
	while (!go)
		cpu_relax();
	attack_stream(c);
	c->snap = c->c;
	c->done = true;
	ap_finish(c);
}

static void start_aps(void)
{
	uint8_t *t = (uint8_t *)TRAMPOLINE_ADDR;
	size_t len = trampoline_end - trampoline_start;
	uint64_t deadline;

	if (len > TRAMP_GDTR)
		guest_fail("trampoline of %zu bytes overlaps its data", len);
	memcpy(t, trampoline_start, len);
	*(uint16_t *)(t + TRAMP_GDTR) = sizeof(gdt) - 1;
	*(uint32_t *)(t + TRAMP_GDTR + 2) = (uint32_t)(uint64_t)gdt;
	*(uint64_t *)(t + TRAMP_CR3) = (uint64_t)pml4;
	*(uint64_t *)(t + TRAMP_ENTRY) = (uint64_t)ap_entry64;

	/* INIT, then SIPI twice: to all but ourselves, or to those asked */
	for (int id = 1; id < (m.asked == m.ncpus ? 2 : m.asked); id++) {
		uint32_t dest = m.asked == m.ncpus ? 0xc0000 : 0;

		lapic_write(APIC_ICR2, (uint32_t)id << 24);
		lapic_write(APIC_ICR, dest | 0x4500);
		delay_us(10000);
		for (int i = 0; i < 2; i++) {
			lapic_write(APIC_ICR, dest | 0x4600 | (TRAMPOLINE_ADDR >> 12));
			delay_us(200);
		}
	}
	/* nested emulation is slow: give them seconds */
	deadline = rdtsc() + 10000ULL * tsc_khz;
	while (aps_online < m.asked - 1 && rdtsc() < deadline)
		cpu_relax();
}

static void sum_counts(struct counts *t)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < MAX_CPUS; i++) {
		const uint64_t *s;
		uint64_t *d = (uint64_t *)t;

		if (!cpus[i])
			continue;
		s = (const uint64_t *)&cpus[i]->snap;
		for (size_t k = 0; k < sizeof(*t) / 8; k++)
			d[k] += s[k];
	}
}

static void print_msr_class(const char *name, const struct msr_counts *mc)
{
	say("hostile: %s writes=%lu gp=%lu reads=%lu rgp=%lu", name, mc->writes, mc->wgp, mc->reads,
	    mc->rgp);
}

/* "KEY=A/B" for each i with a[i], on one line (console bytes are exits) */
static void print_pairs(const char *what, const char *fmt, int n, const uint32_t *keys,
			const uint64_t *a, const uint64_t *b, size_t stride)
{
	char line[240];
	int len = sformat(line, sizeof(line), "hostile: %s", what);

	for (int i = 0; i < n && len < (int)sizeof(line) - 32; i++) {
		const uint64_t *pa = (const void *)((const uint8_t *)a + i * stride);
		const uint64_t *pb = (const void *)((const uint8_t *)b + i * stride);

		if (*pa)
			len += sformat(line + len, sizeof(line) - len, fmt, keys ? keys[i] : (uint32_t)i,
				       *pa, *pb);
	}
	say("%s", line);
}

static void summary(void)
{
	static struct counts t;
	uint64_t exc_other = 0;
	char exc[120];
	int len = 0;

	sum_counts(&t);
	exc[0] = '\0';
	for (int v = 0; v < 32; v++) {
		if (v == 6 || v == 13 || v == 14 || v == 3 || !t.exceptions[v])
			continue;
		exc_other += t.exceptions[v];
		if (len < (int)sizeof(exc) - 24)
			len += sformat(exc + len, sizeof(exc) - len, " v%d=%lu", v, t.exceptions[v]);
	}
	say("hostile: actions=%lu cpuid=%lu ports=%lu/%lu mmio=%lu/%lu pf=%lu tsc=%lu uart=%lu",
	    t.actions, t.cpuids, t.port_reads, t.port_writes, t.mmio_reads, t.mmio_writes,
	    t.mmio_faults, t.tsc_writes, t.uart_bytes);
	say("hostile: hypercalls stubs=%lu faults=%lu doorbells=%lu idles=%lu clobbers=%lu",
	    t.stub_calls, t.stub_faults, t.doorbells, t.idles, t.clobbers);
	say("hostile: irqs=%lu watchdog=%lu uart=%lu timer=%lu pvclock-max=%lu", t.interrupts,
	    t.watchdog, t.uart_irqs, t.timer_irqs, pvclock_max);
	say("hostile: exceptions gp=%lu ud=%lu pf=%lu bp=%lu other=%lu%s", t.exceptions[13],
	    t.exceptions[6], t.exceptions[14], t.exceptions[3], exc_other, exc);
	print_msr_class("hpv-msrs", &t.msr[MC_HPV]);
	print_msr_class("hpv-unknown-msrs", &t.msr[MC_HPV_OTHER]);
	print_msr_class("kvm-pv-msrs", &t.msr[MC_KVM_PV]);
	/* each of KVM's MSRs written: writes/#GPs */
	print_pairs("kvm-pv-msr-writes", " 0x%x=%lu/%lu", NR_KVM_PV_MSRS, kvm_pv_msrs,
		    &t.kvm_pv[0].writes, &t.kvm_pv[0].wgp, sizeof(t.kvm_pv[0]));
	print_msr_class("hyperv-msrs", &t.msr[MC_HYPERV]);
	print_msr_class("other-msrs", &t.msr[MC_OTHER]);
	/* KVM's hypercalls by number: calls/-KVM_ENOSYS answers */
	print_pairs("kvm-hypercalls", " %u=%lu/%lu", NR_KVM_HCALLS, NULL, t.kvm_hc_calls,
		    t.kvm_hc_refused, sizeof(t.kvm_hc_calls[0]));
	say("hostile: abi mismatches=%lu watchdog-restarts=%lu watchdog-late=%lu", t.mismatches,
	    t.revivals, t.late_ticks);
}

static int pick_end(struct cpu *c)
{
	const char *e = cmdline_str("hostile.end=");
	uint64_t r;

	for (int i = 0; e && i < END_NR; i++)
		if (word_is(e, end_names[i]))
			return i;
	r = rnd_below(c, 100);
	if (r < 24)
		return END_POWEROFF;
	if (r < 48)
		return END_STATUS;
	if (r < 68)
		return END_TRIPLE;
	if (r < 76)
		return END_EXEC_MMIO;
	if (r < 86)
		return END_HALT;
	if (r < 93)
		return END_SPIN;
	return END_IDLE_HALT;
}

static void __attribute__((noreturn)) end_vm(struct cpu *c)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} empty = { 0, 0 };
	uint32_t v;

	switch (m.end_mode) {
	case END_POWEROFF:
		say("hostile: end=poweroff");
		/* PM1a_CNT is 16 bits (the FADT's pm1_cnt_len): SLP_TYP=5 (our
		 * DSDT's \_S5), SLP_EN, and SCI_EN at random */
		outw(0x604, (uint16_t)((5u << 10) | 0x2000 | (uint32_t)rnd_below(c, 2)));
		break;
	case END_STATUS:
		v = (uint32_t)rnd_below(c, 256);
		say("hostile: end=status value=%u", v);
		/* a 32-bit write; only the low byte counts: the rest is noise */
		outl(0xf4, v | ((uint32_t)rnd(c) & 0xffffff00));
		break;
	case END_EXEC_MMIO:
		/* code in a hole: KVM cannot fetch it to emulate, the vCPU fails */
		say("hostile: end=exec-mmio");
		asm volatile("jmp *%0" : : "r"(0xfd000000ULL + (rnd_below(c, 1 << 20) & ~0xfULL)));
		break;
	case END_TRIPLE:
		say("hostile: end=triple-fault");
		irq_off();
		asm volatile("lidt %0" : : "m"(empty));
		if (rnd_below(c, 2))
			asm volatile("int3");
		else
			asm volatile("ud2");
		break;
	default:
		say("hostile: end=%s", end_names[m.end_mode]);
		final_halt = 1;
		ap_finish(c);
	}
	/* the VM should be gone: say so if it is not (the TSC may be wild:
	 * count instead) */
	for (long i = 0; i < 200000000; i++)
		cpu_relax();
	guest_fail("end=%s did not end the VM", end_names[m.end_mode]);
}

void bsp_main(const uint8_t *bp)
{
	struct cpu *c = this_cpu();
	const char *test_case;
	unsigned int maxphy;
	uint64_t v;

	build_idt();
	load_gdt_idt();
	read_boot_params(bp);
	discover_abi();
	maxphy = max_phys_bits();
	build_page_tables(maxphy);
	enable_sse_and_paging();
	m.ncpus = madt_cpus(bp);
	if (m.ncpus < 1 || m.ncpus > MAX_CPUS)
		m.ncpus = m.ncpus < 1 ? 1 : MAX_CPUS;
	if (!cmdline_u64("hostile.seed=", &m.seed))
		m.seed = 1;
	cpu_init(c);
	if (c->id != 0)
		guest_fail("the BSP's APIC id is %u", c->id);
	m.nactions = cmdline_u64("hostile.actions=", &v) ? v : 40 + rnd_below(c, 80);
	m.end_mode = pick_end(c);
	test_case = cmdline_str("hostile.case=");
	if (test_case) {
		m.nactions = 0;
		if (!cmdline_str("hostile.end="))
			m.end_mode = END_POWEROFF;
	}
	m.aps_keep_going = m.end_mode <= END_EXEC_MMIO && rnd_below(c, 2);
	m.trace = cmdline_u64("hostile.trace=", &v) && v;
	if (cmdline_u64("hostile.keep=", &v))
		m.aps_keep_going = v && m.end_mode <= END_EXEC_MMIO;
	/* now and then some APs stay in wait-for-SIPI for the whole run */
	m.asked = m.ncpus > 1 && rnd_below(c, 5) == 0 ? 1 + (int)rnd_below(c, m.ncpus - 1) : m.ncpus;
	say("hostile: seed=%lu cpus=%d ram=0x%lx end=%s keep=%d actions=%lu", m.seed, m.ncpus,
	    m.ram_top, end_names[m.end_mode], m.aps_keep_going, m.nactions);
	say("hostile: abi hybridpv=%d features=0x%x stride=%u page-msr=0x%x amd=%d maxphy=%u", m.hybridpv,
	    m.features, m.stride, m.hcpage_msr, m.amd, maxphy);

	lapic_init(c);
	interrupts_init();
	check_watchdog();
	pvclock_init();
	start_aps();
	say("hostile: cpus=%d online=%d asked=%d watchdog=%d pvclock=%d", m.ncpus, aps_online + 1,
	    m.asked, m.watchdog, m.pv_ok);

	chaos_zones();
	go = 1;
	if (test_case && !attack_case(c, test_case))
		guest_fail("no such case: %s", test_case);
	attack_stream(c);
	c->snap = c->c;
	c->done = true;
	for (int i = 1; i < MAX_CPUS; i++)
		while (cpus[i] && !cpus[i]->done)
			cpu_relax();
	irq_off();
	summary();
	end_vm(c);
}
