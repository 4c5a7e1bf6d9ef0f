// SPDX-License-Identifier: GPL-2.0
/*
 * The hybridpv pvclock: each vCPU registers a record (HPV_MSR_PVCLOCK) and
 * hpv fills it from one reference pair (guest TSC, host CLOCK_MONOTONIC)
 * taken at the first registration, so every vCPU's record describes the
 * same line. TSC_STABLE (no cross-CPU fix-up needed in the guest) is only
 * claimed while KVM itself runs its master clock (KVM_GET_CLOCK reports
 * KVM_CLOCK_TSC_STABLE: a stable host TSC and matched vCPU TSCs); when KVM
 * stops saying so, every record is re-published without the flag and the
 * guest's pvclock code keeps time monotonic across CPUs by itself. With
 * force_stable the flag is claimed and kept whatever KVM says: the user
 * vouches for the vCPUs' TSCs (a nested host whose TSCs agree, to run the
 * guest's vDSO clock).
 *
 * Registrations, the reference and the re-publishing all happen under the
 * record set's lock, so no record is written after its vCPU dropped it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hpv/kvm.h"
#include "hpv/pv/pvclock.h"
#include "hpv/pv/record.h"
#include "hpv/report.h"
#include "hpv/vcpu.h"

#define MSR_IA32_TSC 0x10
#define NSEC_PER_SEC 1000000000ULL

struct pvclock {
	struct kvm *kvm;
	struct pv_records records;
	/* The reference: set once (have_ref), then only flags change. */
	int have_ref;
	uint64_t tsc, ns;
	uint32_t mul;
	int8_t shift;
	uint8_t flags;
	bool force_stable;
	uint64_t kvm_clock;   /* KVM_GET_CLOCK at the reference point */
	int64_t max_diverge;  /* worst |our elapsed - KVM's elapsed|, ns */
	int checks;
};

static const struct pv_record_spec pvclock_spec = {
	.msr = HPV_MSR_PVCLOCK,
	.name = "pvclock",
	.feature = HPV_FEATURE_PVCLOCK,
	.size = sizeof(struct hpv_pvclock),
	.align = 32,
	.per_vcpu = true,
};

int pvclock__scale(uint64_t tsc_hz, uint32_t *mul, int8_t *shift)
{
	unsigned __int128 m;
	int s = 0;

	if (!tsc_hz)
		return -EINVAL;
	/* Bring the scaled rate into (NSEC_PER_SEC, 2 * NSEC_PER_SEC] so the
	 * 32.32 multiplier 1e9 / rate lies in [0.5, 1): full precision. */
	while ((s >= 0 ? tsc_hz << s : tsc_hz >> -s) <= NSEC_PER_SEC && s < 31)
		s++;
	while ((s >= 0 ? tsc_hz << s : tsc_hz >> -s) > 2 * NSEC_PER_SEC && s > -31)
		s--;
	for (;;) {
		m = ((unsigned __int128)NSEC_PER_SEC << 32) / (s >= 0 ? tsc_hz << s : tsc_hz >> -s);
		if (m <= UINT32_MAX)
			break;
		s++; /* a right shift truncated the rate to exactly 1 GHz */
	}
	*shift = s;
	*mul = (uint32_t)m;
	return 0;
}

uint64_t pvclock__read(const struct hpv_pvclock *rec, uint64_t tsc)
{
	uint64_t delta = tsc - rec->tsc_timestamp;

	delta = rec->tsc_shift >= 0 ? delta << rec->tsc_shift : delta >> -rec->tsc_shift;
	return rec->system_time + (uint64_t)(((unsigned __int128)delta * rec->tsc_to_system_mul) >> 32);
}

void pvclock__publish(struct hpv_pvclock *rec, uint64_t tsc, uint64_t ns, uint32_t mul, int8_t shift,
		      uint8_t flags)
{
	uint32_t v = __atomic_load_n(&rec->version, __ATOMIC_RELAXED);

	/* Odd while the fields change; readers retry until it is even again. */
	__atomic_store_n(&rec->version, (v | 1) + (v & 1 ? 2 : 0), __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	rec->tsc_timestamp = tsc;
	rec->system_time = ns;
	rec->tsc_to_system_mul = mul;
	rec->tsc_shift = shift;
	rec->flags = flags;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&rec->version, (__atomic_load_n(&rec->version, __ATOMIC_RELAXED) + 1),
			 __ATOMIC_RELEASE);
}

int pvclock__guest_tsc(struct kvm_cpu *cpu, uint64_t *tsc)
{
	return kvm_cpu__get_msr(cpu, MSR_IA32_TSC, tsc);
}

/* KVM's clock in ns, and whether KVM runs its master clock. */
static int pvclock__kvm_clock(struct kvm *kvm, uint64_t *ns, bool *stable)
{
	struct kvm_clock_data data = { 0 };

	*ns = 0;
	*stable = false;
	if (ioctl(kvm->vm_fd, KVM_GET_CLOCK, &data) < 0)
		return -errno;
	*ns = data.clock;
	*stable = data.flags & KVM_CLOCK_TSC_STABLE;
	return 0;
}

static bool pvclock__kvm_tsc_stable(struct kvm *kvm)
{
	uint64_t ns;
	bool stable;

	pvclock__kvm_clock(kvm, &ns, &stable);
	return stable;
}

/*
 * Cross-check at every registration after the first: the time our record
 * gives for this vCPU's TSC now, against how far KVM's own clock moved.
 */
static void pvclock__check_against_kvm(struct pvclock *c, struct kvm_cpu *cpu)
{
	const struct hpv_pvclock rec = {
		.tsc_timestamp = c->tsc, .system_time = c->ns,
		.tsc_to_system_mul = c->mul, .tsc_shift = c->shift,
	};
	uint64_t tsc, kvm_ns;
	__int128 diff;
	bool stable;

	if (pvclock__kvm_clock(c->kvm, &kvm_ns, &stable) || pvclock__guest_tsc(cpu, &tsc))
		return;
	/* in 128 bits: a guest that wrote IA32_TSC puts either side anywhere */
	diff = ((__int128)pvclock__read(&rec, tsc) - c->ns) - ((__int128)kvm_ns - c->kvm_clock);
	if (diff < 0)
		diff = -diff;
	if (diff > c->max_diverge)
		c->max_diverge = diff > INT64_MAX ? INT64_MAX : (int64_t)diff;
	c->checks++;
}

void pvclock__report(struct pvclock *c, struct report *r)
{
	if (!c->have_ref)
		return;
	report__text(r, "pvclock TSC_STABLE %s; against KVM_GET_CLOCK over %d later registrations: %lld ns apart at most",
		     !(c->flags & HPV_PVCLOCK_TSC_STABLE) ? "no" :
		     c->force_stable ? "yes (forced)" : "yes (KVM master clock)", c->checks,
		     (long long)c->max_diverge);
	report__kv(r, "pvclock.tsc_stable", "%d", !!(c->flags & HPV_PVCLOCK_TSC_STABLE));
	report__kv(r, "pvclock.tsc_stable_forced", "%d", c->force_stable);
	report__kv(r, "pvclock.checks", "%d", c->checks);
	report__kv(r, "pvclock.max_diverge_ns", "%lld", (long long)c->max_diverge);
}

/* The reference as a record; -EAGAIN before the first registration. */
static int pvclock__ref_record(struct pvclock *c, struct hpv_pvclock *rec)
{
	/* The reference, once taken, only ever changes its flags. */
	if (!__atomic_load_n(&c->have_ref, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	*rec = (struct hpv_pvclock){ .tsc_timestamp = c->tsc, .system_time = c->ns,
				     .tsc_to_system_mul = c->mul, .tsc_shift = c->shift };
	return 0;
}

int pvclock__guest_now(struct pvclock *c, struct kvm_cpu *cpu, uint64_t *ns)
{
	struct hpv_pvclock rec;
	uint64_t tsc;

	if (pvclock__ref_record(c, &rec))
		return -EAGAIN;
	if (pvclock__guest_tsc(cpu, &tsc))
		return -EIO;
	*ns = pvclock__read(&rec, tsc);
	return 0;
}

/*
 * A record's line inverted, for timers that count the guest's TSC: the
 * first TSC at which the line reads ns is at most
 *   base + ((ns - system_time) * mult >> 32)
 * with mult the ticks per ns in 32.32, rounded up, and base the record's
 * TSC plus 2^k + 1: the line drops the k low bits of a TSC delta where its
 * shift is negative (k = 0 otherwise), and the product's floor costs a
 * tick. Never early; late by those ticks and under one more per 2^31 ns.
 */
void pvclock__invert(const struct hpv_pvclock *rec, uint64_t *mult, uint64_t *base)
{
	int shift = rec->tsc_shift, k = shift < 0 ? -shift : 0;

	/* ns = (delta << shift) * mul >> 32: ticks per ns = 2^(32 - shift) / mul */
	*mult = (uint64_t)((((unsigned __int128)1 << (64 - shift)) + rec->tsc_to_system_mul - 1) /
			   rec->tsc_to_system_mul);
	*base = rec->tsc_timestamp + (1ULL << k) + 1;
}

int pvclock__tsc_at(const struct hpv_pvclock *rec, uint64_t ns, uint64_t *tsc)
{
	unsigned __int128 ticks;
	uint64_t mult, base;

	if (ns < rec->system_time) {
		*tsc = rec->tsc_timestamp; /* before the line began: long past */
		return 0;
	}
	pvclock__invert(rec, &mult, &base);
	ticks = ((unsigned __int128)(ns - rec->system_time) * mult) >> 32;
	if (ticks > UINT64_MAX - base)
		return -ERANGE;
	*tsc = base + (uint64_t)ticks;
	return 0;
}

int pvclock__tsc_line(struct pvclock *c, uint64_t *ref_ns, uint64_t *mult, uint64_t *base)
{
	struct hpv_pvclock rec;

	if (pvclock__ref_record(c, &rec))
		return -EAGAIN;
	pvclock__invert(&rec, mult, base);
	*ref_ns = rec.system_time;
	return 0;
}

int pvclock__deadline_tsc(struct pvclock *c, uint64_t ns, uint64_t *tsc)
{
	struct hpv_pvclock rec;

	return pvclock__ref_record(c, &rec) ? -EAGAIN : pvclock__tsc_at(&rec, ns, tsc);
}

static int pvclock__take_ref(struct pvclock *c, struct kvm_cpu *cpu)
{
	struct kvm *kvm = c->kvm;
	int64_t t0, t1;
	uint64_t tsc;
	bool stable;

	if (c->have_ref)
		return 0;
	if (pvclock__scale((uint64_t)kvm->tsc_khz * 1000, &c->mul, &c->shift))
		return -EINVAL;
	/* Pair the TSC with the midpoint of the host readings around it. */
	t0 = hpv_now_ns();
	if (pvclock__guest_tsc(cpu, &tsc))
		return -EIO;
	t1 = hpv_now_ns();
	c->tsc = tsc;
	c->ns = (uint64_t)((t0 + t1) / 2 - kvm->start_ns);
	pvclock__kvm_clock(kvm, &c->kvm_clock, &stable);
	c->flags = stable || c->force_stable ? HPV_PVCLOCK_TSC_STABLE : 0;
	c->max_diverge = 0;
	c->checks = 0;
	__atomic_store_n(&c->have_ref, 1, __ATOMIC_RELEASE);
	return 0;
}

/* KVM no longer vouches for the TSCs: take the flag off every record. */
static void pvclock__drop_stable(struct pvclock *c)
{
	c->flags &= ~HPV_PVCLOCK_TSC_STABLE;
	for (int i = 0; i < c->records.nr; i++) {
		struct hpv_pvclock *rec = pv_records__slot(&c->records, i)->host;

		if (rec)
			pvclock__publish(rec, c->tsc, c->ns, c->mul, c->shift, c->flags);
	}
}

/* A registration, under the record set's lock. */
static int pvclock__apply(void *ctx, struct kvm_cpu *cpu, uint64_t gpa, void *host)
{
	struct pvclock *c = ctx;
	int ret;

	(void)gpa;
	if (!host)
		return 0;
	if (c->have_ref)
		pvclock__check_against_kvm(c, cpu);
	ret = pvclock__take_ref(c, cpu);
	if (ret)
		return ret;
	if ((c->flags & HPV_PVCLOCK_TSC_STABLE) && !c->force_stable &&
	    !pvclock__kvm_tsc_stable(c->kvm))
		pvclock__drop_stable(c);
	pvclock__publish(host, c->tsc, c->ns, c->mul, c->shift, c->flags);
	return 0;
}

int pvclock__new(struct kvm *kvm, const uint32_t *offered, bool force_stable,
		 struct pvclock **out)
{
	struct pvclock *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	c->kvm = kvm;
	c->force_stable = force_stable;
	ret = pv_records__init(&c->records, kvm, &pvclock_spec, offered, pvclock__apply, c);
	if (ret) {
		free(c);
		return ret;
	}
	*out = c;
	return 0;
}

void pvclock__free(struct pvclock *c)
{
	if (!c)
		return;
	pv_records__exit(&c->records);
	free(c);
}
