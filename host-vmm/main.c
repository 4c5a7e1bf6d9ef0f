// SPDX-License-Identifier: GPL-2.0
/* hpv: a small KVM VMM that boots a Linux bzImage straight into 64-bit mode. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpv/boot.h"
#include "hpv/cli.h"
#include "hpv/hw.h"
#include "hpv/kvm.h"
#include "hpv/pv.h"
#include "hpv/report.h"
#include "hpv/sandbox.h"
#include "hpv/stats.h"
#include "hpv/term.h"
#include "hpv/util.h"
#include "hpv/vcpu.h"

static struct kvm the_kvm;
static struct serial com1;

static void __attribute__((noreturn, format(printf, 2, 3))) die(int status, const char *fmt, ...)
{
	va_list ap;

	term__exit();
	if (fmt) {
		char line[512];

		va_start(ap, fmt);
		vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
		pr_err("%s", line);
	}
	exit(status);
}

static void on_signal(int sig)
{
	kvm__request_end(&the_kvm, HPV_END_USER, 128 + sig);
}

/* The guest has no other way to learn the TSC rate without a PV clock. */
static const char *build_cmdline(const char *user, uint32_t tsc_khz)
{
	static char buf[4096];

	if (!tsc_khz || strstr(user, "tsc_early_khz="))
		return user;
	snprintf(buf, sizeof(buf), "%s tsc_early_khz=%u", user, tsc_khz);
	return buf;
}

static int setup_devices(struct kvm *kvm)
{
	int ret = hw__init(kvm, &com1, STDOUT_FILENO);

	return ret ? ret : kvm__close_pv_msrs(kvm);
}

/* The same, as one word for --stats=kv. */
static const char *end_key(int end)
{
	switch (end) {
	case HPV_END_POWEROFF: return "poweroff";
	case HPV_END_RESET: return "reset";
	case HPV_END_STATUS: return "status";
	case HPV_END_USER: return "user";
	case HPV_END_TRIPLE_FAULT: return "triple-fault";
	default: return "error";
	}
}

static const char *end_reason(int end)
{
	switch (end) {
	case HPV_END_POWEROFF: return "guest powered off";
	case HPV_END_RESET: return "guest reset";
	case HPV_END_STATUS: return "guest reported its exit status";
	case HPV_END_USER: return "stopped by the user";
	case HPV_END_TRIPLE_FAULT: return "guest triple-faulted";
	default: return "VM failed";
	}
}

static void report(struct kvm *kvm, struct pv *pv, bool kv)
{
	struct report r = { .f = stderr, .format = kv ? REPORT_KV : REPORT_TEXT,
			    .nr_cpus = kvm->nr_cpus };
	int end = atomic_load(&kvm->end), status = atomic_load(&kvm->exit_status);

	if (kv) {
		report__kv(&r, "end", "%s", end_key(end));
		report__kv(&r, "exit_status", "%d", status);
	} else {
		fprintf(stderr, "hpv: %s, exit status %d\n", end_reason(end), status);
	}
	kvm_stats__report(kvm, &r);
	kvm__report_closed_msrs(kvm, &r);
	if (pv)
		pv__report(pv, &r);
	report__text(&r, "COM1 sent %llu bytes (%llu dropped), received %llu bytes (%llu dropped)",
		     (unsigned long long)com1.tx_bytes, (unsigned long long)com1.tx_dropped,
		     (unsigned long long)com1.rx_bytes, (unsigned long long)com1.rx_dropped);
	report__kv_u64(&r, "com1.tx_bytes", com1.tx_bytes);
	report__kv_u64(&r, "com1.tx_dropped", com1.tx_dropped);
	report__kv_u64(&r, "com1.rx_bytes", com1.rx_bytes);
	report__kv_u64(&r, "com1.rx_dropped", com1.rx_dropped);
}

int main(int argc, char **argv)
{
	struct kvm *kvm = &the_kvm;
	struct hpv_config cfg;
	struct boot_image boot;
	struct pv *pv = NULL;
	void *image = NULL, *initrd = NULL;
	uint64_t image_size = 0, initrd_size = 0;
	char err[256];
	int ret, status;

	if (cli__parse(argc, argv, &cfg, err, sizeof(err)))
		die(HPV_EXIT_BAD_INPUT, "%s", err);
	if (cfg.help) {
		fputs(cli__usage, stdout);
		return 0;
	}

	if (read_file("kernel", cfg.kernel, &image, &image_size) ||
	    (cfg.initrd && read_file("initrd", cfg.initrd, &initrd, &initrd_size)))
		die(HPV_EXIT_BAD_INPUT, NULL);
	/* The TSC rate appended later is short; leave it room. */
	if (boot__validate(image, image_size, cfg.mem, initrd_size, cfg.cmdline))
		die(HPV_EXIT_BAD_INPUT, NULL);

	if (kvm__init(kvm, cfg.mem, cfg.cpus))
		die(HPV_EXIT_BAD_INPUT, NULL);
	if (setup_devices(kvm))
		die(HPV_EXIT_VM_FAILED, "cannot register devices");
	if (cfg.hybridpv) {
		const struct pv_config pv_cfg = {
			.withheld = cfg.withheld,
			.route = cfg.hypercall_route,
			.timer = cfg.pv_timer,
			.force_tsc_stable = cfg.force_tsc_stable,
			.idle_poll_given = cfg.idle_poll_given,
			.idle_poll_ns = cfg.idle_poll_ns,
			.cr3_cache = cfg.cr3_cache,
		};

		ret = pv__new(kvm, &pv_cfg, &pv);
		if (ret == -ERANGE)
			die(HPV_EXIT_BAD_INPUT, "--cr3-cache %u: more previous roots than this KVM keeps",
			    cfg.cr3_cache);
		if (ret)
			die(HPV_EXIT_VM_FAILED, "cannot register the hybridpv interfaces");
	}
	if (kvm__install_msr_filter(kvm))
		die(HPV_EXIT_VM_FAILED, NULL);
	if (acpi__build(kvm, cfg.cpus))
		die(HPV_EXIT_VM_FAILED, "cannot build ACPI tables");

	kvm->cpus = calloc(cfg.cpus, sizeof(*kvm->cpus));
	if (!kvm->cpus)
		die(HPV_EXIT_VM_FAILED, "out of memory");
	for (int i = 0; i < cfg.cpus; i++)
		if (kvm_cpu__init(kvm, i, &kvm->cpus[i]))
			die(HPV_EXIT_VM_FAILED, NULL);

	if (boot__load_bzimage(kvm, image, image_size, initrd, initrd_size,
			       build_cmdline(cfg.cmdline, kvm->tsc_khz), &boot))
		die(HPV_EXIT_BAD_INPUT, NULL);
	free(image);
	free(initrd);

	ret = kvm_cpu__setup_longmode(kvm->cpus[0], boot.entry, BOOT_PARAMS_ADDR, BOOT_PML4_ADDR,
				      BOOT_GDT_ADDR, BOOT_GDT_ENTRIES * 8 - 1);
	if (ret)
		die(HPV_EXIT_VM_FAILED, "cannot set up the boot vCPU: %s", strerror(-ret));

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (term__start_input(kvm, &com1, term__init() > 0))
		die(HPV_EXIT_VM_FAILED, "cannot start the console input thread");

	/* set up: from here on only what the run loop needs (util/sandbox.c) */
	if (cfg.sandbox) {
		ret = sandbox__enter();
		if (ret == -ENOTSUP)
			pr_info("sandbox off: this is a sanitizer build");
		else if (ret == -ENOSYS || ret == -EINVAL)
			pr_info("sandbox off: this kernel has no seccomp filters (CONFIG_SECCOMP_FILTER)");
		else if (ret)
			die(HPV_EXIT_VM_FAILED, "cannot enter the sandbox: %s", strerror(-ret));
	}
	for (int i = 0; i < cfg.cpus; i++) {
		ret = kvm_cpu__start(kvm->cpus[i]);
		if (ret) {
			kvm__request_end(kvm, HPV_END_ERROR, HPV_EXIT_VM_FAILED);
			pr_err("cannot start vCPU %d: %s", i, strerror(-ret));
			break;
		}
	}
	for (int i = 0; i < cfg.cpus; i++)
		if (kvm->cpus[i]->started)
			pthread_join(kvm->cpus[i]->thread, NULL);

	term__exit();
	/* what the guest printed last, unless nobody reads it (half a second at most) */
	serial__exit(&com1);
	status = atomic_load(&kvm->exit_status);
	if (cfg.stats)
		report(kvm, pv, cfg.stats_kv);
	for (int i = 0; i < cfg.cpus; i++)
		kvm_cpu__exit(kvm->cpus[i]);
	free(kvm->cpus);
	kvm->cpus = NULL;
	pv__free(pv);
	kvm__exit(kvm);
	return status;
}
