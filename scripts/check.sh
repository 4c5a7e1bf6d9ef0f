#!/usr/bin/env bash
# make check: host-side unit tests, VMM bad-input checks, then boots of the
# guest running the in-guest selftests and the lifecycle checks. One TAP
# stream (kselftest style): every sub-stream's results renumbered into it,
# the plan at its end (the guests' result counts are known only after
# their boots), then a line saying which boots were repeated, and last
# "N passed, N failed, N skipped".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
cd "$top" || exit 1
LOG_PREFIX="# "
. "$top/scripts/lib.sh"
log_dir=$build/check
rm -rf "$log_dir"
mkdir -p "$log_dir"

# -- the TAP stream --
ntap=0 passed=0 failed=0 skipped=0
emit() { # emit ok|"not ok" DESCRIPTION: the next numbered result
	ntap=$((ntap + 1))
	echo "$1 $ntap - $2"
	if [ "$1" != ok ]; then
		failed=$((failed + 1))
	elif [[ $2 =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then
		skipped=$((skipped + 1))
	else
		passed=$((passed + 1))
	fi
}
result() { # result 0|1 DESCRIPTION
	if [ "$1" -eq 0 ]; then emit ok "$2"; else emit "not ok" "$2"; fi
}
# tap [NAME] <STREAM: a TAP stream into this one: its results renumbered
# (descriptions prefixed "NAME: "), its comments kept, anything else made
# a comment; its version line dropped and its plan kept in sub_plan, its
# result count in sub_results (sub_plan_result compares them).
tap() {
	local prefix=${1:+$1: } line st desc
	sub_plan="" sub_results=0
	while IFS= read -r line; do
		line=${line%$'\r'}
		case "$line" in
		"TAP version "* | "") continue ;;
		"#"*) echo "$line"; continue ;;
		"not ok" | "not ok "*) st="not ok" desc=${line#not ok} ;;
		"ok" | "ok "*) st=ok desc=${line#ok} ;;
		1..*)
			desc=${line#1..}
			sub_plan=${desc%%[!0-9]*}
			continue ;;
		*) echo "# $line"; continue ;;
		esac
		desc=${desc# }
		[[ $desc =~ ^[0-9]+( (.*))?$ ]] && desc=${BASH_REMATCH[2]}
		desc=${desc#- }
		sub_results=$((sub_results + 1))
		emit "$st" "$prefix${desc:-result $sub_results}"
	done
}
# hpv's --stats=kv report in a run's log (docs/vmm.md): kv LOG KEY is
# KEY's value (empty when absent); kv_vcpus LOG KEY prints vcpuN.KEY for
# every vCPU, one a line; kv_sum LOG KEY adds them up.
kv() { tr -d '\r' <"$1" | sed -n "s/^hpv-stat: ${2//./\\.}=//p" | tail -n 1; }
kv_vcpus() { tr -d '\r' <"$1" | sed -n "s/^hpv-stat: vcpu[0-9]*\.${2//./\\.}=//p"; }
kv_sum() { kv_vcpus "$1" "$2" | awk '{ n += $1 } END { print n + 0 }'; }

sub_plan_result() { # NAME [LOG]: a stream that reported other than its plan fails
	local see=${2:+ (see ${2#"$log_dir"/})}
	if [ -z "$sub_plan" ]; then
		result 1 "$1: printed no TAP plan ($sub_results results)$see"
	elif [ "$sub_plan" != "$sub_results" ]; then
		result 1 "$1: reported $sub_results of its $sub_plan planned results$see"
	fi
}

echo "TAP version 13"
echo "# == host unit tests =="
for t in "$@"; do
	echo "# $t"
	tap < <("$t" 2>&1)
	sub_plan_result "${t##*/}"
done

echo "# == host unit tests built with ASan+UBSan =="
# (built by make check beside the plain ones; a report ends a test)
for t in "$build"/asan/host-tests/test_*; do
	[ -x "$t" ] || continue
	echo "# $t"
	tap "asan" < <("$t" 2>&1)
	sub_plan_result "asan ${t##*/}"
done

echo "# == hpv's files: no call cycle =="
tap < <("$top/scripts/vmm-layers.py" "$build/obj/host-vmm" 2>&1)

echo "# == the scripts' own tests =="
tap lib.sh < <("$top/scripts/test_lib.sh" 2>&1)
sub_plan_result "scripts/test_lib.sh"
python3 -m unittest discover -s "$top/scripts/bench" >"$log_dir/report-tests.log" 2>&1
result $? "scripts/bench/report.py: its unit tests (report-tests.log)"

echo "# == the fuzz targets replay their corpora and regressions =="
mapfile -t fuzz_targets < <(cd "$top/fuzz" && for f in fuzz_*.c; do echo "${f%.c}"; done)
"$top/scripts/fuzz.sh" replay "${fuzz_targets[@]}" >"$log_dir/fuzz-replay.tap" 2>&1
tap <"$log_dir/fuzz-replay.tap"
sub_plan_result "fuzz replay" "$log_dir/fuzz-replay.tap"

echo "# == hpv: bad input gets one line and exit status 2 =="
"$top/scripts/vmm-bad-input.sh" >"$log_dir/bad-input.tap" 2>&1
tap <"$log_dir/bad-input.tap"
sub_plan_result vmm-bad-input

echo "# == the guest series: checkpatch =="
# Every patch, and the cover letter, as a maintainer's checkpatch sees them:
# from a directory outside any git tree, as a git work tree around a .patch
# file changes what checkpatch makes of its lines.
checkpatch_dir=$(mktemp -d)
for p in 0000-cover-letter.patch $(guest_series "$top"); do
	reports=$(cd "$checkpatch_dir" && perl "$build/linux/scripts/checkpatch.pl" --no-tree --strict \
		--terse -q "$top/guest-kernel/patches/$p" 2>&1)
	st=$?
	first=$(grep -m1 -E ': (ERROR|WARNING|CHECK):' <<<"$reports" | sed -E 's/^.*patch:([0-9]+): /line \1: /')
	result "$st" "checkpatch --strict: ${p%%-*} is clean${first:+ ($first)}"
done
rmdir "$checkpatch_dir"

echo "# == in-guest selftests (2 vCPUs) =="
guest_log=$log_dir/guest.log
# One boot with 2 vCPUs running every in-guest selftest. The probe is typed
# only once the guest says it is reading: earlier input would be flushed
# when Linux opens the UART, as on real hardware.
guest_selftests() {
	local probe="hpv-rx-probe-$RANDOM$RANDOM" fifo=$log_dir/console-input typist
	: >"$guest_log"
	rm -f "$fifo"
	mkfifo "$fifo"
	(
		for _ in $(seq 600); do
			grep -q "hpv-rx-ready" "$guest_log" && break
			sleep 0.5
		done
		printf '%s\n' "$probe"
		sleep 2
	) >"$fifo" &
	typist=$!
	"$top/scripts/run.sh" --cpus 2 --stats=kv --cmd \
		"HPV_EXPECT_CPUS=2 HPV_EXPECT_HYBRIDPV=on HPV_HOST_TIME=$(date +%s) HPV_RX_PROBE=$probe /selftests/run_tests.sh" \
		<"$fifo" >"$guest_log" 2>&1
	rc=$?
	kill "$typist" 2>/dev/null
	wait "$typist" 2>/dev/null
}
# Nested under TCG, a 2-vCPU run now and then dies under heavy exit,
# interrupt and system-call load, of the emulated SVM rather than the code
# under test (docs/harness.md): such a boot is repeated, at most three
# times, and says so (retry_nested, scripts/lib.sh). Any other failure
# counts at once. A reset ends hpv with status 0, so the log, not the
# status, tells.
repeats=3
retry_nested guest-selftests $repeats "$guest_log" guest_selftests
tap < <(tr -d '\r' <"$guest_log" | grep -v '^hpv-burst ' | sed -n '/^TAP version/,$p' |
	grep -E '^(ok|not ok|#|1\.\.)' | grep -vE '^# (TAP|1\.\.)')
sub_plan_result "guest selftests" "$guest_log"
result "$rc" "guest selftests: VMM exit status is the guest's verdict ($rc)"
# Every burst line, in order, none mangled: output is not lost at high rates.
want=$(for i in $(seq 0 999); do printf 'hpv-burst %04d %08x\n' "$i" $(((i * 2654435761) & 0xffffffff)); done | sha1sum)
got=$(tr -d '\r' <"$guest_log" | grep -a '^hpv-burst ' | sha1sum)
result "$([ "$want" = "$got" ] && echo 0 || echo 1)" "console: all 1000 burst lines arrived intact and in order"
boot_ms=$(kv "$guest_log" boot_to_init_ms)
result "$([ -n "$boot_ms" ] && echo 0 || echo 1)" "--stats reports boot time to init (${boot_ms:-none} ms)"
[ "$(kv_vcpus "$guest_log" exits | awk '$1 > 0' | wc -l)" -eq 2 ]
result $? "--stats reports VM exits for each of the 2 vCPUs from KVM's binary stats"
[ "$(kv "$guest_log" hypercall.abi_version)" -ge 1 ] 2>/dev/null
result $? "--stats counts the guest's version hypercall"

echo "# == hybrid ABI: one header, and the guest's switches =="
tree_copy=$build/linux/arch/x86/include/uapi/asm/hybridpv.h
cmp -s "$top/hypercall-abi/hybridpv.h" "$tree_copy"
result $? "hypercall-abi/hybridpv.h and the guest series' uapi copy are identical"
boot_once() { # boot_once LOG CPUS TEST [run.sh args...]
	local out=$1 cpus=$2 test=$3
	shift 3
	# --stats: hpv then says how the guest ended, and what its timers did
	timeout 900 "$top/scripts/run.sh" --no-announce --stats=kv --cpus "$cpus" "$@" \
		--cmd "$test" </dev/null >"$out" 2>&1
}
guest_boot() { # guest_boot NAME CPUS TEST [run.sh args...]: one selftest's TAP lines
	local name=$1 out=$log_dir/$1.log
	shift
	retry_nested "$name" $repeats "$out" boot_once "$out" "$@"	# repeated like the main boot
	echo "# $name"
	tap "$name" < <(tr -d '\r' <"$out" | grep -E '^((ok|not ok) |1\.\.[0-9])')
	# a guest that died part-way printed fewer results, not failures
	if death_cause "$out" >/dev/null; then
		result 1 "$name: the guest died before its tests ended (see $name.log)"
	else
		sub_plan_result "$name" "$out"
	fi
}
abi_boot() { # abi_boot NAME EXPECT [run.sh args...]
	local name=$1 expect=$2
	shift 2
	guest_boot "$name" 1 "HPV_EXPECT_HYBRIDPV=$expect /selftests/hybridpv" "$@"
}
abi_boot hybridpv-off off --append hybridpv=off
abi_boot nopvclock nopvclock --append hybridpv=nopvclock
abi_boot no-hybridpv absent --hpv-arg --no-hybridpv
# The same bzImage elsewhere: QEMU's TCG (no hypervisor leaf) and QEMU/KVM
# (KVM's leaf): the hybrid code must stay out of the way.
abi_boot qemu-tcg absent --vmm qemu-tcg
abi_boot qemu-kvm absent --vmm qemu-kvm

echo "# == paravirtual ops: switched off in the guest, withheld by hpv, user route, other timers =="
# (the default boot above ran them on, through the kvm route)
pvops_boot() { # pvops_boot NAME EXPECT [run.sh args...]
	local name=$1 expect=$2
	shift 2
	guest_boot "$name" 2 "HPV_EXPECT_PVOPS=$expect /selftests/pv_ops" "$@"
}
pvops_boot pvops-switched-off off --append hybridpv=nopvipi,nopvtlb,nopvtimer,nopvidle,nopveoi
pvops_boot pvops-withheld off --hpv-arg --withhold --hpv-arg pvipi,pvtlb,pvtimer,pvidle,pveoi
pvops_boot pvops-user-route on --hpv-arg --hypercall-route --hpv-arg user
pvops_boot pvops-posix-timer on --hpv-arg --pv-timer --hpv-arg posix
pvops_boot pvops-kvm-timer on --hpv-arg --pv-timer --hpv-arg kvm
echo "# == steal time, the preemption hint, spinlocks: a lone vCPU, and twice as many vCPUs as CPUs =="
# Nested, hpv's vCPU threads share L1's 2 CPUs; direct, the host's.
harness_mode
host_cpus=2
[ "$HARNESS_MODE" = nested ] || host_cpus=$(nproc)
overcommit=$((2 * host_cpus > 255 ? 255 : 2 * host_cpus))
sched_boot() { # sched_boot NAME CPUS STEAL EXPECT [run.sh args...]
	local name=$1 cpus=$2 steal=$3 expect=$4
	shift 4
	guest_boot "$name" "$cpus" "HPV_EXPECT_PVOPS=$expect HPV_EXPECT_STEAL=$steal /selftests/sched_pv" "$@"
}
sched_boot steal-lone 1 lone on
sched_boot steal-overcommitted "$overcommit" overcommitted on
# (the user route: hpv sends the spinlock kicks, as KVM's wake-up MSI)
sched_boot steal-overcommitted-user-route "$overcommit" overcommitted on --hpv-arg --hypercall-route --hpv-arg user
sched_boot steal-switched-off "$overcommit" none off --append hybridpv=nopvsteal,nopvpreempt,nopvspin,nopvyield
sched_boot steal-withheld "$overcommit" none off --hpv-arg --withhold --hpv-arg pvsteal,pvpreempt,pvspin,pvyield
echo "# == clock reads in the vDSO: TSC_STABLE claimed by hpv, switched off, withheld =="
# Nested, KVM never vouches for the TSC, so hpv is told to (--pvclock-stable
# force), and the vCPUs' TSCs then disagree by microseconds: the
# cross-CPU order is checked in the main boot (system calls nested, the
# vDSO on a host with a stable TSC) and only reported here.
vdso_boot() { # vdso_boot NAME EXPECT [run.sh args...]
	local name=$1 expect=$2
	shift 2
	guest_boot "$name" 2 "HPV_EXPECT_VDSO=$expect HPV_TSC_FORCED=1 /selftests/vdso_clock" "$@"
}
vdso_boot vdso-forced on --hpv-arg --pvclock-stable --hpv-arg force
vdso_boot vdso-switched-off off --hpv-arg --pvclock-stable --hpv-arg force --append hybridpv=nopvvdso
vdso_boot vdso-withheld off --hpv-arg --pvclock-stable --hpv-arg force --hpv-arg --withhold --hpv-arg pvvdso
[ "$(kv "$log_dir/vdso-forced.log" pvclock.tsc_stable)" = 1 ] &&
	[ "$(kv "$log_dir/vdso-forced.log" pvclock.tsc_stable_forced)" = 1 ]
result $? "vdso-forced: hpv published TSC_STABLE, forced (hpv --stats)"
# Which host timer fired the guest's deadlines. By default the vCPUs'
# LAPIC timers in KVM: hpv bound LVTT on every vCPU, and most deadlines
# went into KVM through the SET_TIMER stub without reaching hpv.
[ "$(kv "$guest_log" timer.route)" = lapic ] &&
	[ "$(kv_vcpus "$guest_log" timer.lvtt_binds | awk '$1 >= 1' | wc -l)" -eq 2 ]
result $? "default: the vCPUs' LAPIC timers fired the paravirtual timer, LVTT bound on each (hpv --stats)"
guest_calls=$(tr -d '\r' <"$guest_log" | sed -n 's/.*pvtimer calls [0-9]* -> \([0-9]*\).*/\1/p' | tail -n 1)
hpv_calls=$(kv "$guest_log" hypercall.set_timer)
[ -n "$guest_calls" ] && [ -n "$hpv_calls" ] && [ $((hpv_calls * 4)) -lt "$guest_calls" ]
result $? "default: hpv served ${hpv_calls:-?} of the guest's ${guest_calls:-?} timer calls, KVM the rest"
# hpv's POSIX timers on request, with the timer record: hpv moved or
# stopped timers from the deadlines the guest wrote there instead of
# calling; KVM's synthetic timers (with hpv's arms counted) on request.
posix_log=$log_dir/pvops-posix-timer.log kvm_timer_log=$log_dir/pvops-kvm-timer.log
[ "$(kv "$posix_log" timer.route)" = posix ] && [ "$(kv_sum "$posix_log" timer.posix_fires)" -gt 0 ]
result $? "--pv-timer posix: hpv's POSIX timers fired the paravirtual timer (hpv --stats)"
[ $(($(kv_sum "$posix_log" timer.record_moves) + $(kv_sum "$posix_log" timer.record_stops))) -gt 0 ]
result $? "--pv-timer posix: hpv re-armed or stopped timers from the guest's timer record (hpv --stats)"
[ "$(kv "$kvm_timer_log" timer.route)" = kvm ] && [ "$(kv_sum "$kvm_timer_log" timer.stimer_arms)" -gt 0 ]
result $? "--pv-timer kvm: KVM's synthetic timers fired the paravirtual timer (hpv --stats)"

echo "# == address-space switches on a host that shadows page tables: the CR3 port, and it withheld =="
# (the main boot ran the same test with nested paging: the port is not
# offered there, and nothing of it moves)
{ [ "$(kv "$guest_log" mmu.mode)" = shadow ] ||
	{ [ "$(kv "$guest_log" mmu.cr3_port)" = off ] && [ "$(kv_sum "$guest_log" hybridpv_cr3_load)" = 0 ]; }; }
result $? "default: no CR3 port used with KVM's MMU $(kv "$guest_log" mmu.mode) (hpv --stats)"
if [ "$HARNESS_MODE" = direct ] && [ "$(kvm_mmu_mode)" != shadow ]; then
	# (a direct host's KVM is used as loaded, never reloaded)
	emit ok "mm-switch-shadow # SKIP this host's KVM runs $(kvm_mmu_mode), not shadow paging"
else
	guest_boot mm-switch-shadow 2 "HPV_EXPECT_CR3=on /selftests/mm_switch" --mmu shadow
	guest_boot mm-switch-shadow-withheld 2 "HPV_EXPECT_CR3=off /selftests/mm_switch" --mmu shadow \
		--hpv-arg --withhold --hpv-arg pvcr3,pvretire
	shadow_log=$log_dir/mm-switch-shadow.log withheld_log=$log_dir/mm-switch-shadow-withheld.log
	loads=$(kv_sum "$shadow_log" hybridpv_cr3_load) retires=$(kv_sum "$shadow_log" hybridpv_mm_retire)
	hits=$(kv_sum "$shadow_log" cr3_root_hit) misses=$(kv_sum "$shadow_log" cr3_root_miss)
	[ "$(kv "$shadow_log" mmu.mode)" = shadow ] && [ "$(kv "$shadow_log" mmu.cr3_port)" = on ] &&
		[ "$loads" -gt 0 ] && [ "$retires" -gt 0 ]
	result $? "mm-switch-shadow: KVM served $loads CR3 loads and $retires retirements at the port (hpv --stats)"
	[ "$hits" -gt "$misses" ]
	result $? "mm-switch-shadow: $(kv "$shadow_log" mmu.prev_roots) cached roots a vCPU: $hits root-cache hits, $misses misses"
	[ "$(kv_sum "$withheld_log" hybridpv_cr3_load)" = 0 ] && [ "$(kv "$withheld_log" mmu.cr3_port)" = off ]
	result $? "mm-switch-shadow-withheld: the port neither offered nor served (hpv --stats)"
fi

echo "# == hpv built with ASan+UBSan runs the in-guest selftests =="
# A sanitizer report ends it with status 99 (fuzz/san_options.c); the
# sandbox is off in such a build.
guest_boot asan-selftests 2 \
	"HPV_EXPECT_CPUS=2 HPV_EXPECT_HYBRIDPV=on HPV_HOST_TIME=$(date +%s) /selftests/run_tests.sh" \
	--hpv "$build/asan/hpv"
asan_log=$log_dir/asan-selftests.log
[ "$(kv "$asan_log" end)" = status ] && [ "$(kv "$asan_log" exit_status)" = 0 ] &&
	! grep -aqE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: [A-Za-z]*Sanitizer' "$asan_log"
result $? "asan-selftests: the guest's verdict came back, and no sanitizer report (asan-selftests.log)"

echo "# == upstream's timers kselftest, paravirtual timer on (2 vCPUs) =="
# Its latency bounds (40 ms) are for real hardware. Nested under TCG a
# failure on latency alone is reported as a skip that names its worst
# figure; an early expiry, or any other failure, still fails.
waive=0
grep -q '^hybridpv: nested mode' "$guest_log" && waive=1
guest_boot timers 2 "HPV_LATENCY_BOUND_WAIVED=$waive /kselftest/timers/run.sh"
grep -q '^pvtimer on' "$log_dir/timers.log" 2>/dev/null
result $? "timers kselftest ran with the paravirtual timer on"

echo "# == lifecycle: exit status, poweroff, reboot =="
lifecycle() { # lifecycle NAME CMD EXPECT_RC EXPECT_END [run.sh args...]: how hpv ended
	local name=$1 cmd=$2 want=$3 want_end=$4 out=$log_dir/$1.log rc end
	shift 4
	timeout 600 "$top/scripts/run.sh" --no-announce --cpus 1 --stats=kv "$@" --cmd "$cmd" \
		</dev/null >"$out" 2>&1
	rc=$?
	end=$(kv "$out" end)
	[ "$end" = "$want_end" ] && [ "$rc" -eq "$want" ] && [ "$(kv "$out" exit_status)" = "$want" ]
	result $? "$name: VMM ended with status $rc (want $want), as '${end:-?}' (want '$want_end')"
}
lifecycle exit-status 'exit 7' 7 status
lifecycle poweroff 'poweroff -f' 0 poweroff
lifecycle reboot 'reboot -f' 0 reset
# a reset the guest did not ask for (Linux's reboot=t triple-faults) is no success
lifecycle triple-fault 'reboot -f' 3 triple-fault --append reboot=t

echo "# == the console cannot be taken from the user =="
# A guest flooding a stdout nobody reads: SIGTERM ends hpv within a
# second (nested, every step of hpv's exit runs emulated: three).
harness_mode
stuck_bound=1000
[ "$HARNESS_MODE" = nested ] && stuck_bound=3000
stuck_log=$log_dir/stuck-console.log
stuck_console() {
	timeout 600 "$top/scripts/run.sh" --no-announce --cpus 1 --mem 256M --cmd 'yes hpv-flood' \
		--host-cmd "STUCK_BOUND_MS=$stuck_bound scripts/stuck-console.sh" </dev/null >"$stuck_log" 2>&1
}
retry_nested stuck-console $repeats "$stuck_log" stuck_console
if grep -qE '^(not )?ok - stuck console' "$stuck_log"; then
	tap < <(grep -E '^(not )?ok - stuck console' "$stuck_log")
else
	result 1 "stuck console: no verdict (see stuck-console.log)"
fi

echo "# == a hostile guest: hpv ends every run as documented =="
# The regression list and three seeds (scripts/hostile-guest.sh; make
# fuzz-guest SEEDS=N runs more): one L1 boot nested, its own TAP stream.
"$top/scripts/hostile-guest.sh" --logs "$log_dir/hostile" 3 >"$log_dir/hostile.tap" 2>&1
hostile_rc=$?
tap <"$log_dir/hostile.tap"
sub_plan_result "hostile guest" "$log_dir/hostile.tap"
result "$hostile_rc" "hostile guest: the script's verdict (hostile.tap)"
# its L1 boots that died, and its runs the emulation cut short, were
# repeated: counted with make check's own
while read -r line; do RETRIED+=("$line"); done < <(sed -n -e 's/^# hostile guest batch: died (\(.*\)), an artefact.*/hostile guest (\1)/p' \
	-e 's/^# \(seed [0-9]*\|case [^:]*\): died (\(.*\)), an artefact.*/hostile guest \1 (\2)/p' "$log_dir/hostile.tap")

echo "# logs: ${log_dir#"$top"/}"
echo "1..$ntap"
say "$(retry_summary boot)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
