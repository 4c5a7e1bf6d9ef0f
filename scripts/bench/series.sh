#!/usr/bin/env bash
# The VM-host side of `make bench`: runs where the VMM runs (the host in
# direct mode, the L1 chroot in nested mode), started by scripts/bench.sh
# through `run.sh --host-cmd`, which passes the guest's kernel, initrd,
# size and command line in HPV_*. For each configuration it boots one
# guest running bench/guest/driver.sh with the console on pipes, reads
# KVM's exit counters (debugfs, summed over the VM) at each sample marker
# and answers it, so every VMM is measured the same way.
#   series.sh RUNS [CONFIG...]     series.sh --list | --list-extra
# Output: progress lines, and "@"-lines for the report: @hdr KEY VALUE,
# @info CONFIG WHAT-THE-GUEST-SAW, @rec CONFIG WORKLOAD RUN VALUE OPS
# COUNTER=DELTA..., @note TEXT, @cfg-done CONFIG.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)

# name | how to launch: native (the VM host itself), qemu ACCEL (through
# scripts/qemu-guest.sh) or hpv [ARGS]. One line per configuration.
configs=(
	"native        | native"
	"full-virt     | qemu kvm-nopv"
	"kvm-pv        | qemu kvm"
	"hpv-nohybrid  | hpv --no-hybridpv"
	"hybridpv-kvm  | hpv --hypercall-route kvm"
	"hybridpv-user | hpv --hypercall-route user"
	"hybridpv-posix | hpv --hypercall-route kvm --pv-timer posix"
	"hybridpv-noops | hpv --withhold pvipi,pvtlb,pvtimer,pvidle,pveoi"
)
# Only when asked for by name (bench.sh --configs): the timer fired by
# KVM's synthetic timers brings the nested L1 host down (docs/pvops.md),
# and the timer without its record is an A/B row for that one feature.
extra_configs=(
	"hybridpv-kvmtimer | hpv --hypercall-route kvm --pv-timer kvm"
	"hybridpv-norecord | hpv --pv-timer posix --withhold pvtimerrec"
)

# KVM's per-VM-summed counters: every exit, then some reasons
counters=(exits io_exits mmio_exits halt_exits irq_exits irq_window_exits
	hypercalls insn_emulation signal_exits request_irq_exits)
kvmdir=/sys/kernel/debug/kvm
# A run that prints nothing for this long has hung (a guest that died
# silently); it is ended and counts as a failure, not a measurement. The
# longest quiet stretch of a sound run, a boot or one run of one workload,
# is about 20 s nested.
stall_s=120

names() { for c in "${configs[@]}"; do echo "${c%% *}"; done; }
extra_names() { for c in "${extra_configs[@]}"; do echo "${c%% *}"; done; }
case "${1:-}" in
--list) names; exit 0 ;;
--list-extra) extra_names; exit 0 ;;
esac
case "${1:-}" in
[1-9]*) runs=$1; shift ;;
*) echo "series.sh: usage: series.sh RUNS [CONFIG...] | --list" >&2; exit 2 ;;
esac
[ $# -gt 0 ] || set -- $(names)
for c in "$@"; do
	{ names; extra_names; } | grep -qx -- "$c" || { echo "series.sh: unknown configuration $c" >&2; exit 2; }
done

# (no process substitution: L1's /dev has no /dev/fd)
workloads=($(sed -n 's/^\([A-Za-z0-9_]*\) *|.*/\1/p' "$top/bench/workloads"))
# bench.sh --workloads: only these (checked there)
[ -z "${BENCH_WORKLOADS:-}" ] || workloads=($BENCH_WORKLOADS)
nworkloads=${#workloads[@]}
t_start=$SECONDS

# The TSC frequency KVM gives its guests is the VM host's: hand it to every
# guest, since one without a paravirtual clock cannot calibrate nested.
tsc_mhz=$(dmesg 2>/dev/null | sed -n 's/.*tsc: \(Refined TSC clocksource calibration\|Detected\):* \([0-9]*\.[0-9]*\) MHz.*/\2/p' | tail -1)
tsc_khz=${BENCH_TSC_KHZ:-${tsc_mhz/./}}
if [ -z "$tsc_khz" ]; then
	echo "series.sh: cannot read the TSC frequency from dmesg (root?); set BENCH_TSC_KHZ" >&2
	exit 2
fi
cmdline_base="$HPV_CMDLINE tsc_early_khz=$tsc_khz quiet"

have_counters=1
[ -r "$kvmdir/exits" ] || have_counters=0
echo "@hdr vm_host_kernel $(uname -r)"
echo "@hdr qemu $(qemu-system-x86_64 --version | head -1)"
echo "@hdr guest_cmdline $cmdline_base"
echo "@hdr cpus $HPV_CPUS"
echo "@hdr mem $HPV_MEM"
echo "@hdr runs $runs"
[ "$have_counters" = 1 ] || echo "bench: no $kvmdir/exits here (debugfs, root): exit counts left out"

# CPU time in ms of the VMM: every process in the VM's process group
# (run_config's $pid leads it), its threads included.
vmm_cpu_ms() {
	local f s ticks=0
	for f in /proc/[0-9]*/stat; do
		read -r s <"$f" 2>/dev/null || continue
		set -- ${s##*) }	# state ppid pgrp ... utime (12) stime (13)
		[ "$3" = "$pid" ] && ticks=$((ticks + ${12} + ${13}))
	done
	echo $((ticks * 1000 / clk_tck))
}
clk_tck=$(getconf CLK_TCK)

read_counters() {	# into the array named $1: KVM's counters, then vmm_cpu_ms
	local -n into=$1
	local c v
	into=()
	[ "$have_counters" = 1 ] || return 0
	for c in "${counters[@]}"; do
		read -r v <"$kvmdir/$c" || v=0
		into+=("$v")
	done
	into+=("$(vmm_cpu_ms)")
}

# One snapshot of the guest and hpv for the whole series (build/ may be rebuilt
# meanwhile), on the VM host's scratch file system (tmpfs in L1, not 9p).
# Native runs the driver from a copy of the guest's /bench there.
snap=$(mktemp -d)
trap 'rm -rf "$snap"' EXIT
cp "$HPV_KERNEL" "$snap/bzImage"
cp "$HPV_INITRD" "$snap/initrd"
cp "$top/build/hpv" "$snap/hpv"
HPV_KERNEL=$snap/bzImage HPV_INITRD=$snap/initrd
native=$snap/native
mkdir "$native"
cp -r "$top/build/guest/root/bench/." "$native/"

# run_config NAME LAUNCH WORKLOAD...: one boot. A workload's @rec lines go
# out, and its name onto finished, once the driver has moved past it; a
# guest that dies mid-workload leaves no partial records. Returns 1 if the
# driver did not finish.
finished=()
run_config() {
	local name=$1 how=$2
	shift 2
	local -a wl=("$@") launch=() before=() after=() pending=()
	local cmdline line cur="" values="" done=0 log rec i pid in out
	cmdline="$cmdline_base hpvcmd_b64=$(printf '%s' "/bench/driver.sh $runs ${wl[*]}" | base64 -w0)"
	set -- $how
	case "$1" in
	native) launch=(sh "$native/driver.sh" "$runs" "${wl[@]}") ;;
	qemu) launch=("$top/scripts/qemu-guest.sh" "$2" "$HPV_KERNEL" "$HPV_INITRD" "$HPV_CPUS" "$HPV_MEM" "$cmdline") ;;
	hpv) launch=("$snap/hpv" --kernel "$HPV_KERNEL" --initrd "$HPV_INITRD" --cpus "$HPV_CPUS"
		--mem "$HPV_MEM" --cmdline "$cmdline" "${@:2}") ;;
	esac
	# exits_per_op is null for native: nothing is read there
	local counting=$have_counters
	[ "$1" = native ] && counting=0

	flush() {
		[ -n "$cur" ] || return 0
		[ ${#pending[@]} -eq 0 ] || printf '%s\n' "${pending[@]}"
		if [ "$cur" != _empty ]; then
			finished+=("$cur")
			printf 'bench: [+%ss] %s: %d/%d %s:%s\n' $((SECONDS - t_start)) \
				"$name" "${#finished[@]}" "$nworkloads" "$cur" "${values:- no result}"
		fi
		pending=() values=""
	}

	log=$(mktemp)
	# its own process group, so a hung guest's QEMU (a child of
	# qemu-guest.sh) ends with it
	coproc VM { exec setsid "${launch[@]}" 2>&1; }
	# bash drops VM[] when the coprocess ends: keep our own copies
	pid=$VM_PID
	exec {in}<&"${VM[0]}" {out}>&"${VM[1]}"
	while IFS= read -r -t "$stall_s" line <&"$in"; do
		line=${line%$'\r'}
		case "$line" in
		"@hpv-sample begin "*)
			set -- ${line#@hpv-sample begin }
			[ "$1" = "$cur" ] || { flush; cur=$1; }
			[ "$counting" = 0 ] || read_counters before
			echo go >&"$out" ;;
		"@hpv-sample end "*)
			[ "$counting" = 0 ] || read_counters after
			echo go >&"$out" ;;
		"@hpv-result "*)
			set -- ${line#@hpv-result }	# workload run value ops
			rec="@rec $name $1 $2 $3 $4"
			if [ "$counting" = 1 ]; then
				for i in "${!counters[@]}"; do
					rec+=" ${counters[i]}=$((after[i] - before[i]))"
				done
				i=${#counters[@]}
				rec+=" vmm_cpu_ms=$((after[i] - before[i]))"
			fi
			pending+=("$rec")
			values+=" $3" ;;
		"@hpv-info "*)
			echo "@info $name ${line#@hpv-info }"
			echo "bench: $name: the guest sees ${line#@hpv-info }" ;;
		"@hpv-error "*) echo "bench: $name: ${line#@hpv-error }" ;;
		"@hpv-done") flush; done=1 ;;
		*) printf '%s\n' "$line" >>"$log" ;;
		esac
	done
	exec {in}<&- {out}>&-
	[ "$done" = 1 ] || kill -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	if [ "$done" = 0 ]; then
		echo "bench: $name: the guest ended before the driver finished; its last lines:"
		tail -n 15 "$log" | sed 's/^/  | /'
	fi
	rm -f "$log"
	[ "$done" = 1 ]
}

# remaining: the workloads not yet on finished
remaining() {
	local w f
	for w in "${workloads[@]}"; do
		for f in "${finished[@]}"; do [ "$w" = "$f" ] && continue 2; done
		echo "$w"
	done
}

n=0
for c in "$@"; do
	n=$((n + 1))
	for line in "${configs[@]}" "${extra_configs[@]}"; do
		[ "${line%% *}" = "$c" ] && how=$(echo ${line#*|})
	done
	echo "bench: [+$((SECONDS - t_start))s] configuration $n/$# $c ($how): $nworkloads workloads x $runs runs"
	finished=()
	# BENCH_DONE: "CONFIG:WORKLOAD ..." an earlier VM-host session measured
	for p in ${BENCH_DONE:-}; do
		[ "${p%%:*}" = "$c" ] && finished+=("${p#*:}")
	done
	todo=(${BENCH_WORKLOADS:-})
	if [ ${#finished[@]} -gt 0 ]; then
		todo=($(remaining))
		echo "bench: $c: ${#finished[@]} workloads measured in an earlier session; ${#todo[@]} to go"
		if [ ${#todo[@]} -eq 0 ]; then
			echo "@cfg-done $c"
			continue
		fi
	fi
	# no names: all of them; --workloads: those
	if ! run_config "$c" "$how" "${todo[@]}"; then
		# A nested run now and then dies by a triple fault of the emulated
		# SVM: once more, from the first workload that did not complete.
		echo "bench: $c: retrying once from the first unfinished workload"
		echo "@note $c: retried once after its guest died"
		rest=($(remaining))
		run_config "$c" "$how" "${rest[@]}" || { echo "bench: $c failed twice; left out"; continue; }
	fi
	echo "@cfg-done $c"
done
