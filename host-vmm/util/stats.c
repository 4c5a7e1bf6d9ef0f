// SPDX-License-Identifier: GPL-2.0
/* VM exits by reason from KVM's binary statistics, for --stats. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "hpv/kvm.h"
#include "hpv/report.h"
#include "hpv/stats.h"
#include "hpv/util.h"
#include "hpv/vcpu.h"

int kvm_stats__read(int fd, struct kvm_stats *out)
{
	struct kvm_stats_header h;
	size_t desc_size;
	char *descs = NULL;
	int ret = -EIO;

	out->nr = 0;
	if (fd < 0 || pread(fd, &h, sizeof(h), 0) != sizeof(h))
		return -EIO;
	desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = malloc(desc_size * h.num_desc);
	if (!descs)
		return -ENOMEM;
	if (pread(fd, descs, desc_size * h.num_desc, h.desc_offset) != (ssize_t)(desc_size * h.num_desc))
		goto out;

	for (uint32_t i = 0; i < h.num_desc && out->nr < STATS_MAX; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * desc_size);
		uint64_t v;

		/* Counters only: histograms and peaks do not say "how many exits". */
		if ((d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE || d->size != 1)
			continue;
		if (pread(fd, &v, sizeof(v), h.data_offset + d->offset) != sizeof(v))
			goto out;
		snprintf(out->name[out->nr], sizeof(out->name[0]), "%s", d->name);
		out->value[out->nr++] = v;
	}
	ret = 0;
out:
	free(descs);
	return ret;
}

uint64_t kvm_stats__get(const struct kvm_stats *s, const char *name)
{
	for (int i = 0; i < s->nr; i++)
		if (!strcmp(s->name[i], name))
			return s->value[i];
	return 0;
}

/* KVM's exit counters, and its directed yields (the kick and yield hypercalls') */
static bool is_reported_stat(const char *name)
{
	size_t n = strlen(name);

	/* and what a shadow-paging MMU spends on CR3 loads and faults */
	return !strcmp(name, "exits") || !strcmp(name, "hypercalls") ||
	       !strcmp(name, "insn_emulation") || (n > 6 && !strcmp(name + n - 6, "_exits")) ||
	       !strncmp(name, "directed_yield_", 15) || !strncmp(name, "cr3_root_", 9) ||
	       !strncmp(name, "hybridpv_", 9) || !strcmp(name, "pf_fixed") ||
	       !strcmp(name, "pf_guest") || !strcmp(name, "tlb_flush") || !strcmp(name, "invlpg");
}

static const char *const user_exit_names[HPV_EXIT_REASONS] = {
	[KVM_EXIT_IO] = "user_io",
	[KVM_EXIT_MMIO] = "user_mmio",
	[KVM_EXIT_X86_RDMSR] = "user_rdmsr",
	[KVM_EXIT_X86_WRMSR] = "user_wrmsr",
	[KVM_EXIT_SHUTDOWN] = "user_shutdown",
	[KVM_EXIT_SYSTEM_EVENT] = "user_system_event",
	[KVM_EXIT_INTR] = "user_intr",
};

/* Resident KiB of every mapping but guest RAM: what the VMM itself costs. */
static long vmm_rss_kib(const struct kvm *kvm)
{
	unsigned long start, end, guest = (unsigned long)kvm->ram;
	char line[256];
	bool in_guest = false;
	long total = 0, kib;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 && strchr(line, '-') < strchr(line, ' '))
			in_guest = start >= guest && end <= guest + kvm->ram_size;
		else if (!in_guest && sscanf(line, "Rss: %ld kB", &kib) == 1)
			total += kib;
	}
	fclose(f);
	return total;
}

void kvm_stats__report(struct kvm *kvm, struct report *r)
{
	int n = kvm->nr_cpus;
	struct kvm_stats *st = calloc(n ? n : 1, sizeof(*st));
	uint64_t *vals = calloc(n ? n : 1, sizeof(*vals)); /* one row's values */
	FILE *f = r->f;

	if (!st || !vals)
		goto out;
	for (int i = 0; i < n; i++)
		kvm_stats__read(kvm->cpus[i]->stats_fd, &st[i]);

	report__text(r, "%d vCPUs, %llu MiB, TSC %u kHz", n, (unsigned long long)(kvm->ram_size >> 20),
		     kvm->tsc_khz);
	report__kv(r, "vcpus", "%d", n);
	report__kv_u64(r, "mem_mib", kvm->ram_size >> 20);
	report__kv(r, "tsc_khz", "%u", kvm->tsc_khz);
	if (kvm->init_reached_ns) {
		report__text(r, "boot to init %.1f ms", (kvm->init_reached_ns - kvm->start_ns) / 1e6);
		report__kv(r, "boot_to_init_ms", "%.1f", (kvm->init_reached_ns - kvm->start_ns) / 1e6);
	} else {
		report__text(r, "boot to init: init never reported");
	}
	report__text(r, "VMM resident memory beyond guest RAM %ld KiB", vmm_rss_kib(kvm));
	report__kv(r, "vmm_rss_kib", "%ld", vmm_rss_kib(kvm));

	if (r->format == REPORT_TEXT) {
		fprintf(f, "%-24s", "exit reason");
		for (int c = 0; c < n; c++)
			fprintf(f, " %11s%-3d", "vcpu", c);
		fprintf(f, "\n");
	}
	for (int k = 0; k < st[0].nr; k++) {
		const char *name = st[0].name[k];
		uint64_t total = 0;

		if (!is_reported_stat(name))
			continue;
		for (int c = 0; c < n; c++)
			total += vals[c] = kvm_stats__get(&st[c], name);
		if (total || !strcmp(name, "exits"))
			report__vcpu_row(r, name, name, vals, sizeof(*vals));
	}
	for (int reason = 0; reason < HPV_EXIT_REASONS; reason++) {
		char label[32];
		uint64_t total = 0;

		for (int c = 0; c < n; c++)
			total += vals[c] = kvm->cpus[c]->user_exits[reason];
		if (!total)
			continue;
		if (user_exit_names[reason])
			snprintf(label, sizeof(label), "%s", user_exit_names[reason]);
		else
			snprintf(label, sizeof(label), "user_exit_%d", reason);
		report__vcpu_row(r, label, label, vals, sizeof(*vals));
	}
	report__text(r, "unhandled accesses: pio %llu, mmio %llu, msr %llu, hypercall %llu",
		     (unsigned long long)kvm->io.unhandled[HPV_IO_PIO],
		     (unsigned long long)kvm->io.unhandled[HPV_IO_MMIO],
		     (unsigned long long)kvm->io.unhandled[HPV_IO_MSR],
		     (unsigned long long)kvm->io.unhandled[HPV_IO_HYPERCALL]);
	for (int sp = 0; sp < HPV_IO_NR_SPACES; sp++) {
		char key[32];

		snprintf(key, sizeof(key), "unhandled.%s", io__space_name(sp));
		report__kv_u64(r, key, kvm->io.unhandled[sp]);
	}
out:
	free(vals);
	free(st);
}
