#!/usr/bin/env bash
# The VM-host side of `make bench`: runs where the VMM runs (the host in
# direct mode, the L1 chroot in nested mode), started by scripts/bench.sh
# through `run.sh --host-cmd`, which passes the guest's kernel, initrd,
# size and command line in HPV_*. For each configuration it boots one
# guest running bench/guest/driver.sh with the console on pipes, reads
# KVM's exit counters (debugfs, summed over the VM) at each sample marker
# and answers it, so every VMM is measured the same way.
#   series.sh RUNS [CONFIG...]     series.sh --list | --list-extra
# BENCH_TABLE names the workload table (bench/workloads by default);
# BENCH_TAG, when set, is appended as "@TAG" to every configuration name
# it prints, so that a section of make bench (overcommitted vCPUs, say)
# keeps its records apart from the default one's. BENCH_COUNTERS adds KVM
# counters (their debugfs names) to those every record carries, where this
# KVM has them.
# Output: progress lines, and "@"-lines for the report:
#   @hdr KEY VALUE                 about the run (bench.sh adds its own)
#   @cfg CONFIG DESCRIPTION        a configuration it runs (the table below)
#   @info CONFIG WHAT-THE-GUEST-SAW
#   @rec CONFIG WORKLOAD RUN VALUE OPS [COUNTER=DELTA...]
#                                  one run; KVM's counters (none for native)
#                                  and vmm_cpu_ms, each the delta over the
#                                  run, then what the guest measured over
#                                  it (guest_steal_ms: all vCPUs' steal)
#   @note TEXT                     said in the report's header
#   @cfg-done CONFIG               every workload measured
#   @cfg-left CONFIG               given up (its guest died; see the @note)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
LOG_PREFIX="bench: "
. "$top/scripts/lib.sh"

# name | how to launch: native (the VM host itself), qemu ACCEL (through
# scripts/qemu-guest.sh) or hpv [ARGS] | what it is, for the report. One
# line per configuration.
configs=(
	"native         | native | the workloads run on the VM host itself, from the guest's /bench"
	"full-virt      | qemu kvm-nopv | QEMU/KVM \`-cpu host,kvm=off\`: full virtualization, KVM's leaves hidden"
	"kvm-pv         | qemu kvm | QEMU/KVM \`-cpu host\`: KVM's paravirt features as QEMU leaves them"
	"kvm-pv-tuned   | qemu kvm-tuned | QEMU/KVM \`-cpu host,kvm-pv-unhalt=on,kvm-pv-tlb-flush=on,kvm-pv-ipi=on,kvm-pv-sched-yield=on,kvm-steal-time=on,kvm-pv-eoi=on,kvm-poll-control=on\` and \`cpuidle_haltpoll.force=1\`: KVM's paravirt as a KVM user who cares runs it (every PV feature named, guest halt-polling)"
	"hpv-nohybrid   | hpv --no-hybridpv | hpv \`--no-hybridpv\`: our VMM, the hybrid ABI off"
	"hybridpv-kvm   | hpv --hypercall-route kvm | hpv with the hybrid ABI, hypercalls by KVM in-kernel, the paravirtual timer fired by the vCPU's LAPIC timer in KVM"
	"hybridpv-user  | hpv --hypercall-route user | hpv with the hybrid ABI, hypercalls by hpv's port-I/O doorbell, the paravirtual timer fired by the vCPU's LAPIC timer in KVM"
	"hybridpv-posix | hpv --hypercall-route kvm --pv-timer posix | hybridpv-kvm with the timer fired by hpv's POSIX timers and the timer record"
	"hybridpv-noops | hpv --withhold pvipi,pvtlb,pvtimer,pvidle,pveoi,pvsteal,pvpreempt,pvspin,pvyield,pvvdso | hybridpv-kvm's hpv and guest with the paravirtual ops withheld (pvclock kept)"
)
# Only when asked for by name (bench.sh --configs or its sections): the timer fired by
# KVM's synthetic timers brings the nested L1 host down (docs/pvops.md),
# and the timer without its record is an A/B row for that one feature.
# native-idle-poll needs a VM host booted with idle=poll (bench.sh starts
# one for it).
extra_configs=(
	"native-idle-poll | native idle=poll | the workloads run on the VM host itself, its idle loop polling (\`idle=poll\` on its command line)"
	"hybridpv-kvmtimer | hpv --hypercall-route kvm --pv-timer kvm | hybridpv-kvm with the timer fired by KVM's synthetic timers"
	"hybridpv-norecord | hpv --pv-timer posix --withhold pvtimerrec | hybridpv-posix without the timer record"
	"hybridpv-poll | hpv --hypercall-route kvm --idle-poll 200000 | hybridpv-kvm with the guest's idle loop polling 200 us before it halts however many vCPUs share the host's CPUs (by default it does not poll when they outnumber them): the A/B row for polling on an overcommitted host"
	"hybridpv-vdso | hpv --hypercall-route kvm --pvclock-stable force | hybridpv-kvm with TSC_STABLE claimed on every record, so the guest reads its clock in the vDSO"
	"hybridpv-nocr3 | hpv --hypercall-route kvm --withhold pvcr3,pvretire | hybridpv-kvm with the CR3 port and page-table retirement withheld: MOV CR3, KVM's 3 previous roots"
)

# KVM's per-VM-summed counters: every exit, then some reasons, then what
# the section asks for besides (BENCH_COUNTERS: the shadow MMU's)
counters=(exits io_exits mmio_exits halt_exits irq_exits irq_window_exits
	hypercalls insn_emulation signal_exits request_irq_exits)
# shellcheck disable=SC2206 # (counter names: one word each)
counters+=(${BENCH_COUNTERS:-})
kvmdir=/sys/kernel/debug/kvm
# A run that prints nothing for this long has hung (a guest that died
# silently), and so has one whose driver says nothing for as long while
# its kernel goes on printing (a hung guest's RCU stall and soft-lockup
# reports); it is ended and counts as a failure, not a measurement. The
# longest quiet stretch of a sound run, a boot or one run of one workload,
# is about 20 s nested.
stall_s=120

names() { for c in "${configs[@]}"; do echo "${c%% *}"; done; }
extra_names() { for c in "${extra_configs[@]}"; do echo "${c%% *}"; done; }
# cfg_field NAME 2|3: NAME's launch or description
cfg_field() {
	local line f
	for line in "${configs[@]}" "${extra_configs[@]}"; do
		[ "${line%% *}" = "$1" ] || continue
		f=$(cut -d'|' -f"$2" <<<"$line")
		f=${f#"${f%%[![:space:]]*}"}
		echo "${f%"${f##*[![:space:]]}"}"
	done
}
case "${1:-}" in
--list) names; exit 0 ;;
--list-extra) extra_names; exit 0 ;;
esac
case "${1:-}" in
[1-9]*) runs=$1; shift ;;
*) usage_error "usage: series.sh RUNS [CONFIG...] | --list | --list-extra" ;;
esac
# shellcheck disable=SC2046 # (names: one word each)
[ $# -gt 0 ] || set -- $(names)
for c in "$@"; do
	{ names; extra_names; } | grep -qx -- "$c" || usage_error "unknown configuration $c"
done

table=${BENCH_TABLE:-workloads}
[ -r "$top/bench/$table" ] || usage_error "no workload table bench/$table"
tag=${BENCH_TAG:+@$BENCH_TAG}
# (no process substitution: L1's /dev has no /dev/fd)
read -ra workloads <<<"$(table_names "$top/bench/$table" | tr '\n' ' ')"
# bench.sh --workloads: only these (checked there)
[ -z "${BENCH_WORKLOADS:-}" ] || read -ra workloads <<<"$BENCH_WORKLOADS"
nworkloads=${#workloads[@]}
t_start=$SECONDS

# The TSC frequency KVM gives its guests is the VM host's: hand it to every
# guest, since one without a paravirtual clock cannot calibrate nested.
tsc_mhz=$(dmesg 2>/dev/null | sed -n 's/.*tsc: \(Refined TSC clocksource calibration\|Detected\):* \([0-9]*\.[0-9]*\) MHz.*/\2/p' | tail -1)
tsc_khz=${BENCH_TSC_KHZ:-${tsc_mhz/./}}
[ -n "$tsc_khz" ] || usage_error "cannot read the TSC frequency from dmesg (root?); set BENCH_TSC_KHZ"
cmdline_base="$HPV_CMDLINE tsc_early_khz=$tsc_khz quiet"

have_counters=1
[ -r "$kvmdir/exits" ] || have_counters=0
# (a stock KVM has no counters of our KVM patch: left out, not read as 0)
for i in "${!counters[@]}"; do
	[ -r "$kvmdir/${counters[i]}" ] || unset 'counters[i]'
done
counters=("${counters[@]}")
echo "@hdr vm_host_kernel $(uname -r)"
echo "@hdr qemu $(qemu-system-x86_64 --version | head -1)"
echo "@hdr guest_cmdline $cmdline_base"
echo "@hdr cpus$tag $HPV_CPUS"
echo "@hdr mem $HPV_MEM"
echo "@hdr runs $runs"
[ "$have_counters" = 1 ] || say "no $kvmdir/exits here (debugfs, root): exit counts left out"

# CPU time in ms of the VMM: every process in the VM's process group
# (run_config's $pid leads it), its threads included.
vmm_cpu_ms() {
	local f s ticks=0
	for f in /proc/[0-9]*/stat; do
		read -r s <"$f" 2>/dev/null || continue
		# shellcheck disable=SC2086 # (split into fields)
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
# the console of the guest booted last (what death_cause reads)
guest_log=$snap/guest.log

# run_config NAME LAUNCH WORKLOAD...: one boot. A workload's @rec lines go
# out, and its name onto finished, once the driver has moved past it; a
# guest that dies mid-workload leaves no partial records. Returns 1 if the
# driver did not finish; its console is then in guest_log.
finished=()
run_config() {
	local name=$1 how=$2
	shift 2
	local -a wl=("$@") launch=() before=() after=() pending=()
	local cmdline line cur="" values="" done=0 log=$guest_log rec i pid in out
	cmdline="$cmdline_base hpvcmd_b64=$(printf '%s' "/bench/driver.sh --table $table $runs ${wl[*]}" | base64 -w0)"
	# shellcheck disable=SC2086
	set -- $how
	case "$1" in
	native)
		# (a native row for an idle policy is only that on a host booted with it)
		if [ -n "${2:-}" ] && ! grep -qw -- "$2" /proc/cmdline; then
			say "$name: the VM host was not booted with $2"
			echo "@note $name: left out: the VM host was not booted with $2"
			return 2
		fi
		launch=(sh "$native/driver.sh" --table "$table" "$runs" "${wl[@]}") ;;
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
			printf '%s[+%ss] %s: %d/%d %s:%s\n' "$LOG_PREFIX" $((SECONDS - t_start)) \
				"$name" "${#finished[@]}" "$nworkloads" "$cur" "${values:- no result}"
		fi
		pending=() values=""
	}

	: >"$log"
	# its own process group, so a hung guest's QEMU (a child of
	# qemu-guest.sh) ends with it
	coproc VM { exec setsid "${launch[@]}" 2>&1; }
	# bash drops VM[] when the coprocess ends: keep our own copies
	pid=$VM_PID
	exec {in}<&"${VM[0]}" {out}>&"${VM[1]}"
	local heard=$SECONDS	# the driver's last line
	while IFS= read -r -t "$stall_s" line <&"$in"; do
		line=${line%$'\r'}
		case "$line" in
		"@hpv-"*) heard=$SECONDS ;;
		*) [ $((SECONDS - heard)) -lt "$stall_s" ] || break ;;
		esac
		case "$line" in
		"@hpv-sample begin "*)
			# shellcheck disable=SC2086
			set -- ${line#@hpv-sample begin }
			[ "$1" = "$cur" ] || { flush; cur=$1; }
			[ "$counting" = 0 ] || read_counters before
			echo go >&"$out" ;;
		"@hpv-sample end "*)
			[ "$counting" = 0 ] || read_counters after
			echo go >&"$out" ;;
		"@hpv-result "*)
			# shellcheck disable=SC2086
			set -- ${line#@hpv-result }	# workload run value ops
			rec="@rec $name $1 $2 $3 $4"
			if [ "$counting" = 1 ]; then
				for i in "${!counters[@]}"; do
					rec+=" ${counters[i]}=$((after[i] - before[i]))"
				done
				i=${#counters[@]}
				rec+=" vmm_cpu_ms=$((after[i] - before[i]))"
			fi
			values+=" $3"
			shift 4
			for i in "$@"; do
				case "$i" in guest_[a-z_]*=[0-9]*) rec+=" $i" ;; esac
			done
			pending+=("$rec") ;;
		"@hpv-info "*)
			echo "@info $name ${line#@hpv-info }"
			say "$name: the guest sees ${line#@hpv-info }" ;;
		"@hpv-error "*) say "$name: ${line#@hpv-error }" ;;
		"@hpv-done") flush; done=1 ;;
		*) printf '%s\n' "$line" >>"$log" ;;
		esac
	done
	exec {in}<&- {out}>&-
	[ "$done" = 1 ] || kill -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	if [ "$done" = 0 ]; then
		# (enough for an oops with its call trace: the whole log stays in
		# the VM host, which nested is gone once the section ends)
		say "$name: the guest ended before the driver finished; its last lines:"
		tail -n 50 "$log" | sed 's/^/  | /'
	fi
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

# boot_config: one boot of configuration $c for the workloads it has not
# finished yet (none of them finished: all, or bench.sh's --workloads)
boot_config() {
	local wl
	[ "$RETRY_ATTEMPT" = 1 ] ||
		echo "@note $c: its guest died ($RETRY_CAUSE); booted once more from its first unfinished workload"
	if [ ${#finished[@]} -gt 0 ]; then
		wl=$(remaining)
	else
		wl=${BENCH_WORKLOADS:-}
	fi
	# shellcheck disable=SC2086 # (workload names: one word each)
	run_config "$c$tag" "$how" $wl
	case $? in
	0) cfg_ok=1 ;;
	2) cfg_ok=2 ;;	# cannot run here: not a death, nothing to retry
	esac
}
cfg_finished() { [ "$cfg_ok" != 0 ]; }
# guest_end_cause: why the guest ended early, for retry_nested --cause:
# a known death of the emulation, or any other end, named by its last line
guest_end_cause() {
	death_cause "$guest_log" && return 0
	echo "not recognised as the emulation's; its last line: $(grep -av '^$' "$guest_log" | tail -n 1 | tr -d '\r' | cut -c1-100)"
}

n=0
for c in "$@"; do
	n=$((n + 1))
	how=$(cfg_field "$c" 2)
	echo "@cfg $c$tag $(cfg_field "$c" 3)"
	say "[+$((SECONDS - t_start))s] configuration $n/$# $c$tag ($how): $nworkloads workloads x $runs runs"
	finished=()
	# BENCH_DONE: "CONFIG:WORKLOAD ..." an earlier VM-host session measured
	for p in ${BENCH_DONE:-}; do
		[ "${p%%:*}" = "$c$tag" ] && finished+=("${p#*:}")
	done
	if [ ${#finished[@]} -gt 0 ]; then
		todo=$(remaining | wc -l)
		say "$c$tag: ${#finished[@]} workloads measured in an earlier session; $todo to go"
		if [ "$todo" -eq 0 ]; then
			echo "@cfg-done $c$tag"
			continue
		fi
	fi
	# A guest that ended early is booted again (nested only: retry_nested,
	# scripts/lib.sh), up to 3 times whatever the cause, from the first
	# workload that did not complete. Guests die of the emulation, and not
	# only of the deaths scripts/lib.sh knows: page faults in interrupts,
	# user programs' segfaults and silence, under every VMM, most often
	# with more vCPUs. A benchmark: the report's notes name each cause.
	cfg_ok=0
	retry_nested --done cfg_finished --cause guest_end_cause "$c" 3 \
		"$guest_log" boot_config || true
	case "$cfg_ok" in
	1) echo "@cfg-done $c$tag"; continue ;;
	2) echo "@cfg-left $c$tag"; continue ;;
	esac
	why=$(death_cause "$guest_log") || why="not a death of the nested emulation"
	say "$c$tag: left out: its guest ended before the driver finished ($why)"
	echo "@note $c$tag: left out: its guest ended before the driver finished ($why)"
	echo "@cfg-left $c$tag"
done
