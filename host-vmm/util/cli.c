// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpv/cli.h"
#include "hpv/kvm.h"
#include "hpv/pv/hypercall.h"
#include "hpv/pv/timer.h"

const char cli__usage[] =
	"usage: hpv --kernel BZIMAGE [--initrd FILE] [--cmdline STRING] [--cpus N]\n"
	"           [--mem SIZE] [--stats[=kv]] [--no-hybridpv] [--hypercall-route kvm|user]\n"
	"           [--withhold FEATURE[,FEATURE...]] [--pv-timer lapic|posix|kvm]\n"
	"           [--pvclock-stable kvm|force] [--idle-poll auto|NS] [--cr3-cache N]\n"
	"           [--no-sandbox] [--help]\n"
	"\n"
	"  --kernel BZIMAGE  Linux bzImage (boot protocol 2.12 or later, 64-bit entry)\n"
	"  --initrd FILE     initramfs or initrd image\n"
	"  --cmdline STRING  kernel command line (default \"console=ttyS0\")\n"
	"  --cpus N          number of vCPUs, 1-255 (default 1)\n"
	"  --mem SIZE        guest RAM, e.g. 512M or 2G; a plain number is MiB (default 512M)\n"
	"  --stats[=kv]      at exit, print VM exits by reason per vCPU, boot time and the\n"
	"                    paravirtual ops' counters on stderr; =kv: as KEY=VALUE lines\n"
	"  --no-hybridpv     hide the hybridpv CPUID leaves: plain full virtualization\n"
	"  --hypercall-route kvm|user\n"
	"                    serve hypercalls that KVM can serve in the kernel (kvm, the\n"
	"                    default) or all of them in hpv through a port-I/O exit (user)\n"
	"  --withhold LIST   do not offer these hybridpv features: pvclock, pvipi, pvtlb,\n"
	"                    pvtimer, pvidle, pveoi, pvsteal, pvpreempt, pvspin,\n"
	"                    pvyield, pvvdso, pvcr3, pvretire (the guest's\n"
	"                    hybridpv=nopv... switches),\n"
	"                    pvtimerrec (the timer record: every deadline a hypercall)\n"
	"  --pv-timer lapic|posix|kvm\n"
	"                    fire the paravirtual timer from the vCPU's LAPIC timer in\n"
	"                    KVM (lapic, the default where KVM has the TSC-deadline\n"
	"                    mode), from a POSIX timer in hpv with the timer record\n"
	"                    (posix), or from KVM's Hyper-V synthetic timers (kvm)\n"
	"  --pvclock-stable kvm|force\n"
	"                    mark the pvclock TSC_STABLE while KVM runs its master clock\n"
	"                    (kvm, the default), or always (force): lets the guest read\n"
	"                    its clock in the vDSO on a host whose vCPU TSCs agree but\n"
	"                    that KVM does not vouch for (nested); where they disagree,\n"
	"                    guest time can step back across CPUs\n"
	"  --idle-poll auto|NS\n"
	"                    how long the guest's idle loop polls before it halts, the\n"
	"                    hint in CPUID: 0 to 1000000 ns, or auto (the default:\n"
	"                    200000 while the vCPUs fit the host's CPUs, else 0)\n"
	"  --cr3-cache N     previous page-table roots KVM keeps per vCPU, 1-15, where\n"
	"                    its MMU shadows the guest's page tables and it serves the\n"
	"                    CR3 port (default: 15, the most it keeps)\n"
	"  --no-sandbox      do not confine hpv to the system calls its run loop needs\n"
	"                    (seccomp), to debug it\n"
	"\n"
	"Console: COM1 on stdin/stdout; Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A.\n"
	"Exit status: the status the guest reported, 0 on guest poweroff or reboot,\n"
	"1 on a VM failure, 2 on bad input.\n";

int cli__parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || !*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int cli__parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 20;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case '\0': break;
	default: return -EINVAL;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static const struct {
	const char *name;
	uint32_t bit;
} feature_names[] = {
	{ "pvclock", HPV_FEATURE_PVCLOCK },   { "pvipi", HPV_FEATURE_PV_IPI },
	{ "pvtlb", HPV_FEATURE_PV_TLB_FLUSH }, { "pvtimer", HPV_FEATURE_PV_TIMER },
	{ "pvidle", HPV_FEATURE_PV_IDLE },     { "pveoi", HPV_FEATURE_PV_EOI },
	{ "pvtimerrec", HPV_FEATURE_PV_TIMER_RECORD },
	{ "pvsteal", HPV_FEATURE_STEAL_TIME },  { "pvpreempt", HPV_FEATURE_PV_PREEMPTED },
	{ "pvspin", HPV_FEATURE_PV_SPINLOCK },  { "pvyield", HPV_FEATURE_PV_SCHED_YIELD },
	{ "pvvdso", HPV_FEATURE_PVCLOCK_VDSO }, { "pvcr3", HPV_FEATURE_CR3_PORT },
	{ "pvretire", HPV_FEATURE_MM_RETIRE },
};

int cli__parse_features(const char *s, uint32_t *out)
{
	uint32_t bits = 0;

	while (s && *s) {
		size_t len = strcspn(s, ",");
		size_t k;

		for (k = 0; k < sizeof(feature_names) / sizeof(feature_names[0]); k++)
			if (strlen(feature_names[k].name) == len && !strncmp(s, feature_names[k].name, len))
				break;
		if (k == sizeof(feature_names) / sizeof(feature_names[0]))
			return -EINVAL;
		bits |= feature_names[k].bit;
		s += len + (s[len] == ',');
	}
	if (!bits)
		return -EINVAL;
	*out = bits;
	return 0;
}

static int cli__fail(char *err, unsigned long len, const char *fmt, const char *a, const char *b)
{
	snprintf(err, len, fmt, a, b);
	return -EINVAL;
}

/* An option with two values: *second says which; -EINVAL for neither. */
static int cli__either(const char *val, const char *first, const char *second, bool *is_second)
{
	if (strcmp(val, first) && strcmp(val, second))
		return -EINVAL;
	*is_second = !strcmp(val, second);
	return 0;
}

int cli__parse(int argc, char **argv, struct hpv_config *cfg, char *err, unsigned long errlen)
{
	static const char *const with_arg[] = { "--kernel", "--initrd", "--cmdline", "--cpus", "--mem",
						"--hypercall-route", "--withhold", "--pv-timer",
						"--pvclock-stable", "--idle-poll", "--cr3-cache" };

	*cfg = (struct hpv_config){ .cmdline = "console=ttyS0", .cpus = 1, .mem = 512ULL << 20,
				     .hybridpv = true, .sandbox = true, .hypercall_route = HPV_ROUTE_KVM,
				     .pv_timer = HPV_TIMER_LAPIC };

	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = NULL;
		unsigned long n;
		bool kvm;

		for (size_t k = 0; k < sizeof(with_arg) / sizeof(with_arg[0]); k++) {
			if (strcmp(opt, with_arg[k]))
				continue;
			if (i + 1 >= argc)
				return cli__fail(err, errlen, "%s needs an argument%s", opt, "");
			val = argv[++i];
		}

		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			cfg->help = true;
		} else if (!strcmp(opt, "--stats")) {
			cfg->stats = true;
		} else if (!strcmp(opt, "--stats=kv")) {
			cfg->stats = cfg->stats_kv = true;
		} else if (!strcmp(opt, "--no-hybridpv")) {
			cfg->hybridpv = false;
		} else if (!strcmp(opt, "--no-sandbox")) {
			cfg->sandbox = false;
		} else if (!strcmp(opt, "--hypercall-route")) {
			if (cli__either(val, "user", "kvm", &kvm))
				return cli__fail(err, errlen, "--hypercall-route '%s': kvm or user%s", val, "");
			cfg->hypercall_route = kvm ? HPV_ROUTE_KVM : HPV_ROUTE_USER;
		} else if (!strcmp(opt, "--pv-timer")) {
			if (!strcmp(val, "lapic"))
				cfg->pv_timer = HPV_TIMER_LAPIC;
			else if (!strcmp(val, "posix"))
				cfg->pv_timer = HPV_TIMER_POSIX;
			else if (!strcmp(val, "kvm"))
				cfg->pv_timer = HPV_TIMER_STIMER;
			else
				return cli__fail(err, errlen, "--pv-timer '%s': lapic, posix or kvm%s", val, "");
		} else if (!strcmp(opt, "--pvclock-stable")) {
			if (cli__either(val, "kvm", "force", &cfg->force_tsc_stable))
				return cli__fail(err, errlen, "--pvclock-stable '%s': kvm or force%s", val, "");
		} else if (!strcmp(opt, "--idle-poll")) {
			if (!strcmp(val, "auto"))
				cfg->idle_poll_given = false;
			else if (cli__parse_uint(val, HPV_MAX_IDLE_POLL_NS, &n))
				return cli__fail(err, errlen, "--idle-poll '%s': auto or 0 to 1000000 (ns)%s",
						 val, "");
			else
				cfg->idle_poll_given = true, cfg->idle_poll_ns = (uint32_t)n;
		} else if (!strcmp(opt, "--cr3-cache")) {
			if (cli__parse_uint(val, HPV_MAX_CR3_CACHE, &n) || n == 0)
				return cli__fail(err, errlen, "--cr3-cache '%s': need a number from 1 to 15%s",
						 val, "");
			cfg->cr3_cache = (uint32_t)n;
		} else if (!strcmp(opt, "--withhold")) {
			if (cli__parse_features(val, &cfg->withheld))
				return cli__fail(err, errlen,
						 "--withhold '%s': a comma list of pvclock, pvipi, pvtlb, pvtimer, pvidle, pveoi, pvsteal, pvpreempt, pvspin, pvyield, pvvdso, pvcr3, pvretire, pvtimerrec%s",
						 val, "");
		} else if (!strcmp(opt, "--kernel")) {
			cfg->kernel = val;
		} else if (!strcmp(opt, "--initrd")) {
			cfg->initrd = val;
		} else if (!strcmp(opt, "--cmdline")) {
			cfg->cmdline = val;
		} else if (!strcmp(opt, "--cpus")) {
			if (cli__parse_uint(val, HPV_MAX_CPUS, &n) || n == 0)
				return cli__fail(err, errlen, "--cpus '%s': need a number from 1 to 255%s", val, "");
			cfg->cpus = n;
		} else if (!strcmp(opt, "--mem")) {
			if (cli__parse_size(val, &cfg->mem))
				return cli__fail(err, errlen, "--mem '%s': not a size (e.g. 512M, 2G)%s", val, "");
			if (cfg->mem < HPV_MIN_RAM || cfg->mem > HPV_MAX_RAM)
				return cli__fail(err, errlen, "--mem '%s': need 64M to 256G%s", val, "");
			if (cfg->mem & 0xfff)
				return cli__fail(err, errlen, "--mem '%s': not a multiple of 4K%s", val, "");
		} else {
			return cli__fail(err, errlen, "unknown option '%s'%s (try --help)", opt, "");
		}
	}
	if (!cfg->help && !cfg->kernel)
		return cli__fail(err, errlen, "--kernel is required%s%s (try --help)", "", "");
	return 0;
}
