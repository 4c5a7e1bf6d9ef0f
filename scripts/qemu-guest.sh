#!/usr/bin/env bash
# Boot the same bzImage and initramfs under QEMU instead of hpv, for the
# "hybrid code stays inactive elsewhere" checks and for comparisons:
#   qemu-guest.sh tcg|kvm|kvm-tuned|kvm-nopv KERNEL INITRD CPUS MEM CMDLINE
# kvm is KVM's paravirt as QEMU's -cpu host leaves it. kvm-tuned is what a
# KVM user who cares turns on: every PV feature named (unhalt for PV
# spinlocks, TLB flush, IPI, sched yield, steal time, EOI, poll control)
# and guest halt-polling (cpuidle_haltpoll.force=1, since unpinned vCPUs
# get no dedicated hint). kvm-nopv is full virtualization: QEMU/KVM with
# KVM's signature leaf hidden, so the guest uses none of KVM's paravirt
# features (such a guest needs tsc_early_khz= on its command line to keep
# time nested).
# The guest's init reports its status through isa-debug-exit at the hpvctl
# port; QEMU exits with (status << 1) | 1, decoded here.
set -uo pipefail
accel=$1 kernel=$2 initrd=$3 cpus=$4 mem=$5 cmdline=$6
case "$accel" in
tcg) cpu=(-accel tcg -cpu qemu64) ;;
kvm) cpu=(-accel kvm -cpu host) ;;   # KVM's own paravirt leaves: a KVM guest
kvm-tuned)
	pv=kvm-pv-unhalt=on,kvm-pv-tlb-flush=on,kvm-pv-ipi=on,kvm-pv-sched-yield=on
	pv+=,kvm-steal-time=on,kvm-pv-eoi=on,kvm-poll-control=on
	cpu=(-accel kvm -cpu "host,$pv")
	cmdline+=" cpuidle_haltpoll.force=1" ;;
kvm-nopv) cpu=(-accel kvm -cpu "host,kvm=off") ;;
*) echo "qemu-guest.sh: accel must be tcg, kvm, kvm-tuned or kvm-nopv" >&2; exit 2 ;;
esac
err=$(mktemp) || exit 1
trap 'rm -f "$err"' EXIT
qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
	"${cpu[@]}" -smp "$cpus" -m "$mem" \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	-chardev stdio,id=con,signal=off -serial chardev:con \
	-device isa-debug-exit,iobase=0xf4,iosize=4 2>"$err"
rc=$?
grep -v "TCG doesn't support requested feature" "$err" >&2
# Exit 1 is both "guest status 0" and QEMU's own failure; QEMU says why.
if [ $((rc & 1)) -eq 1 ] && ! { [ $rc -eq 1 ] && grep -qv "TCG doesn't support" "$err"; }; then
	exit $((rc >> 1))
fi
echo "qemu-guest.sh: the guest ended without reporting a status (QEMU exit $rc)" >&2
exit 1
