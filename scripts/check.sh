#!/usr/bin/env bash
# make check: host-side unit tests, VMM bad-input checks, then boots of the
# guest running the in-guest selftests and the lifecycle checks. Everything
# prints kselftest TAP; the last line is "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
cd "$top"
log_dir=$build/check
rm -rf "$log_dir"
mkdir -p "$log_dir"
passed=0 failed=0

# Count the top-level ok/not ok lines of a TAP stream read from stdin.
tally() {
	local line
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"ok "*) passed=$((passed + 1)) ;;
		"not ok "*) failed=$((failed + 1)) ;;
		esac
	done
}

result() { # result 0|1 description
	if [ "$1" -eq 0 ]; then
		echo "ok - $2"
		passed=$((passed + 1))
	else
		echo "not ok - $2"
		failed=$((failed + 1))
	fi
}

echo "# == host unit tests =="
for t in "$@"; do
	echo "# $t"
	tally < <("$t" 2>&1)
done

echo "# == hpv: bad input gets one line and exit status 2 =="
"$top/scripts/vmm-bad-input.sh" >"$log_dir/bad-input.tap" 2>&1
tally <"$log_dir/bad-input.tap"

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
	"$top/scripts/run.sh" --cpus 2 --stats --cmd \
		"HPV_EXPECT_CPUS=2 HPV_EXPECT_HYBRIDPV=on HPV_HOST_TIME=$(date +%s) HPV_RX_PROBE=$probe /selftests/run_tests.sh" \
		<"$fifo" >"$guest_log" 2>&1
	rc=$?
	kill "$typist" 2>/dev/null
	wait "$typist" 2>/dev/null
}
# Nested under TCG, a 2-vCPU run now and then dies under heavy exit,
# interrupt and system-call load: the guest by a triple fault (hpv says
# so; seen in 1 of 8 console bursts with --no-hybridpv too) or by a double
# fault at its SYSCALL entry on the user stack (seen under QEMU/KVM too),
# or the L1 host (QEMU ends without L1 reporting a status). Those are
# artefacts of the emulated SVM, not of the code under test: such a run is
# repeated, at most three times, and says so. Any other failure counts at
# once. (On 2026-11-23 the posix-timer boot died twice in one make check,
# and in 6 of 9 boots by hand, 5 of them by the double fault.)
max_attempts=4
died_nested() { # died_nested LOG: the run died of the nested emulation (see above)
	# (hpv's line may follow a guest line cut short by the reset)
	grep -qE 'hpv: vCPU [0-9]+: triple fault|the L1 host ended without reporting a status' "$1" &&
		return 0
	# The other signature (docs/harness.md): an event delivered at the
	# SYSCALL entry, in kernel mode on the user stack, so the guest
	# double-faults with a user-half RSP. Any other panic counts at once.
	tr -d '\r' <"$1" | grep -A8 'PANIC: double fault' | grep -qE 'RSP: 0018:0000[0-7]'
}
# A reset ends hpv with status 0, so the log, not the status, tells.
for attempt in $(seq $max_attempts); do
	guest_selftests
	died_nested "$guest_log" || break
	[ $attempt -lt $max_attempts ] || break
	cp "$guest_log" "$log_dir/guest-died-$attempt.log"
	echo "# the run died by a triple fault (nested TCG, see guest-died-$attempt.log); running it again"
done
tr -d '\r' <"$guest_log" | grep -v '^hpv-burst ' | sed -n '/^TAP version/,$p' | grep -E '^(ok|not ok|#)' |
	grep -vE '^# (TAP|1\.\.)' | { tally; echo "$passed $failed" >"$log_dir/counts"; }
read -r passed failed <"$log_dir/counts"
result $rc "guest selftests: VMM exit status is the guest's verdict ($rc)"
# Every burst line, in order, none mangled: output is not lost at high rates.
want=$(for i in $(seq 0 999); do printf 'hpv-burst %04d %08x\n' "$i" $(((i * 2654435761) & 0xffffffff)); done | sha1sum)
got=$(tr -d '\r' <"$guest_log" | grep -a '^hpv-burst ' | sha1sum)
result $([ "$want" = "$got" ] && echo 0 || echo 1) "console: all 1000 burst lines arrived intact and in order"
boot_ms=$(sed -n 's/^hpv: stats: boot to init \([0-9.]*\) ms/\1/p' "$guest_log")
result $([ -n "$boot_ms" ] && echo 0 || echo 1) "--stats reports boot time to init (${boot_ms:-none} ms)"
grep -qE '^exits +[0-9]+ +[0-9]+' "$guest_log"
result $? "--stats reports VM exits per vCPU from KVM's binary stats"

grep -qE '^hpv: stats: hypercall abi_version +[1-9]' "$guest_log"
result $? "--stats counts the guest's version hypercall"

echo "# == hybrid ABI: one header, and the guest's switches =="
tree_copy=$build/linux/arch/x86/include/uapi/asm/hybridpv.h
cmp -s "$top/hypercall-abi/hybridpv.h" "$tree_copy"
result $? "hypercall-abi/hybridpv.h and the guest series' uapi copy are identical"
guest_boot() { # guest_boot NAME CPUS TEST [run.sh args...]: one selftest's TAP lines
	local name=$1 cpus=$2 test=$3 out=$log_dir/$1.log attempt
	shift 3
	for attempt in $(seq $max_attempts); do	# repeated like the main boot above
		# --stats: hpv then says how the guest ended
		timeout 900 "$top/scripts/run.sh" --no-announce --stats --cpus "$cpus" "$@" \
			--cmd "$test" </dev/null >"$out" 2>&1
		died_nested "$out" && [ $attempt -lt $max_attempts ] || break
		cp "$out" "$log_dir/$name-died-$attempt.log"
		echo "# $name died by a triple fault (nested TCG, see $name-died-$attempt.log); running it again"
	done
	echo "# $name"
	tr -d '\r' <"$out" | grep -E '^(ok|not ok) ' | sed "s/^\(\(not \)\?ok\) [0-9]*/\1 - $name:/" |
		{ tally; echo "$passed $failed" >"$log_dir/counts"; }
	read -r passed failed <"$log_dir/counts"
	# a guest that died part-way printed fewer results, not failures
	if died_nested "$out"; then
		result 1 "$name: the guest died before its tests ended (see $name.log)"
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
# Which host timer fired the guest's deadlines. By default the vCPUs'
# LAPIC timers in KVM: hpv bound LVTT on every vCPU, and most deadlines
# went into KVM through the SET_TIMER stub without reaching hpv.
grep -q '^hpv: stats: pv timer expiries in KVM (LAPIC' "$guest_log" &&
	awk '/^pv timer LVTT binds/ { for (i = 5; i <= NF; i++) if ($i < 1) bad = 1; seen = 1 }
		END { exit !(seen && !bad) }' "$guest_log"
result $? "default: the vCPUs' LAPIC timers fired the paravirtual timer, LVTT bound on each (hpv --stats)"
guest_calls=$(tr -d '\r' <"$guest_log" | sed -n 's/.*pvtimer calls [0-9]* -> \([0-9]*\).*/\1/p' | tail -n 1)
hpv_calls=$(tr -d '\r' <"$guest_log" | sed -n 's/^hpv: stats: hypercall set_timer *\([0-9]*\)$/\1/p')
[ -n "$guest_calls" ] && [ -n "$hpv_calls" ] && [ $((hpv_calls * 4)) -lt "$guest_calls" ]
result $? "default: hpv served ${hpv_calls:-?} of the guest's ${guest_calls:-?} timer calls, KVM the rest"
# hpv's POSIX timers on request, with the timer record: hpv moved or
# stopped timers from the deadlines the guest wrote there instead of
# calling; KVM's synthetic timers (with hpv's arms counted) on request.
awk '/^pv timer fires \(POSIX\)/ { for (i = 5; i <= NF; i++) n += $i } END { exit !(n > 0) }' \
	"$log_dir/pvops-posix-timer.log"
result $? "--pv-timer posix: hpv's POSIX timers fired the paravirtual timer (hpv --stats)"
awk '/^pv timer record (moves|stops)/ { for (i = 5; i <= NF; i++) n += $i } END { exit !(n > 0) }' \
	"$log_dir/pvops-posix-timer.log"
result $? "--pv-timer posix: hpv re-armed or stopped timers from the guest's timer record (hpv --stats)"
awk '/^pv timer arms \(KVM\)/ { for (i = 5; i <= NF; i++) n += $i } END { exit !(n > 0) }' \
	"$log_dir/pvops-kvm-timer.log" && grep -q '^hpv: stats: pv timer expiries in KVM (synthetic' "$log_dir/pvops-kvm-timer.log"
result $? "--pv-timer kvm: KVM's synthetic timers fired the paravirtual timer (hpv --stats)"

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
lifecycle() { # lifecycle NAME CMD EXPECT_RC EXPECT_STATS_LINE
	local name=$1 cmd=$2 want=$3 line=$4 out=$log_dir/$1.log rc
	timeout 600 "$top/scripts/run.sh" --no-announce --cpus 1 --stats --cmd "$cmd" </dev/null >"$out" 2>&1
	rc=$?
	grep -q "^hpv: $line" "$out" && [ $rc -eq "$want" ]
	result $? "$name: VMM ended with status $rc (want $want) and said '$line'"
}
lifecycle exit-status 'exit 7' 7 "guest reported its exit status, exit status 7"
lifecycle poweroff 'poweroff -f' 0 "guest powered off"
lifecycle reboot 'reboot -f' 0 "guest reset"

echo "# logs: $log_dir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
