#!/usr/bin/env bash
# scripts/lib.sh's retry policy on synthetic logs, one for each death it
# knows and some it must not take for one; kselftest TAP, status 1 on a
# failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name | the log's lines (printf format: \x7c for a "|") | death_cause |
# death_cause ... l1
cases=(
	"triple fault|ok 1 x\nhpv: vCPU 1: triple fault, the guest resets\nhpv: guest reset, exit status 0\n|guest triple fault|"
	"triple fault after a cut line|# ok 3 tlb_shoothpv: vCPU 0: triple fault, the guest resets\n|guest triple fault|"
	"double fault at SYSCALL entry|[ 9.1] PANIC: double fault, error_code: 0x0\r\n[ 9.1] CPU: 1 PID: 80 Comm: posix_timers\r\n[ 9.1] RIP: 0010:entry_SYSCALL_64+0x0/0x2f\r\n[ 9.1] Code: 0f 01 f8\r\n[ 9.1] RSP: 0018:00007ffc1d2e3a48 EFLAGS: 00010046\r\n|guest double fault at SYSCALL entry|"
	"double fault on a kernel stack|[ 9.1] PANIC: double fault, error_code: 0x0\n[ 9.1] RSP: 0018:ffffc90000003f58 EFLAGS: 00010046\n||"
	"fault recursion on the #DF stack|[ 1.5] BUG: #DF stack guard page was hit at 0x1 (stack is 0x2..0x3)\n[ 1.5] stack guard page: 0000 [#1] SMP\n[ 1.5]  </#DF>\n[ 1.5] WARNING: stack recursion on stack type 5\n[ 3.0] Kernel panic - not syncing: Fatal exception in interrupt\n|guest fault recursion on the #DF stack|"
	"fault recursion ended before the guard page|[ 10.0] WARNING: stack recursion on stack type 5\n[ 11.1] RSP: 0000:fffffe0000044000 EFLAGS: 00000087\n[ 11.1] Kernel panic - not syncing: Fatal exception in interrupt\n|guest fault recursion on the #DF stack|"
	"a stack recursion warning alone|[ 10.0] WARNING: stack recursion on stack type 5\nok 2 x\n||"
	"a QEMU guest's silent reset|[ 1.5] kvm: no hardware support for 'kvm_intel'\nqemu-guest.sh: the guest ended without reporting a status (QEMU exit 0)\n|guest reset under QEMU, no panic|"
	"a QEMU guest's power-off without a status|ok 4 x\nSegmentation fault\n[ 4.7] reboot: Power down\nqemu-guest.sh: the guest ended without reporting a status (QEMU exit 0)\n||"
	"a QEMU guest's panic|[ 3.0] Kernel panic - not syncing: Attempted to kill init!\nqemu-guest.sh: the guest ended without reporting a status (QEMU exit 0)\n||"
	"a QEMU that failed|qemu-guest.sh: the guest ended without reporting a status (QEMU exit 1)\n||"
	"a task's stack overflow|[ 1.5] BUG: #DF stack guard page was hit at 0x1 (stack is 0x2..0x3)\n[ 1.5] stack guard page: 0000 [#1] SMP\n[ 3.0] Kernel panic - not syncing: Fatal exception\n||"
	"other panic|Kernel panic - not syncing: Attempted to kill init!\n||"
	"L1 died|hybridpv: the L1 host ended without reporting a status (QEMU exit 0); its log: x\n[ 3.0] PANIC: double fault\n[ 3.0] RSP: 0018:00007ffc1d2e3a48\n|L1 died|L1 died"
	"L1 hung|$L1_HUNG_LINE\nhybridpv: the L1 host ended without reporting a status (QEMU exit 0); its log: x\n|L1 hung|L1 hung"
	"L1 stood still|$L1_SILENT_LINE\nhybridpv: the L1 host ended without reporting a status (QEMU exit 0); its log: x\n|L1 hung|L1 hung"
	"L1's command stood still|$L1_QUIET_LINE_START 300 s; ending it\nhybridpv: the L1 host ended without reporting a status (QEMU exit 0); its log: x\n|L1 hung|L1 hung"
	"a guest's death inside a bench session|bench: kvm-pv: the guest ended before the driver finished; its last lines:\n  \x7c hpv: vCPU 1: triple fault, the guest resets\n|guest triple fault|"
	"a clean run|ok 1 x\nhpv: guest reported its exit status, exit status 0\n||"
	"a console with a NUL byte|x\0y\nhpv: vCPU 0: triple fault, the guest resets\n|guest triple fault|"
)
echo "TAP version 13"
echo "1..$((${#cases[@]} * 2 + 8))"
n=0 failed=0
check() { # check DESCRIPTION COMMAND...
	local d=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n $d"; else echo "not ok $n $d"; failed=1; fi
}
for c in "${cases[@]}"; do
	IFS='|' read -r name lines want want_l1 <<<"$c"
	# shellcheck disable=SC2059 # (the lines are a format)
	printf "$lines" >"$tmp/run.log"
	got=$(death_cause "$tmp/run.log")
	check "death_cause: $name: '${want:-none}'" [ "$got" = "$want" ]
	got=$(death_cause "$tmp/run.log" l1)
	check "death_cause l1: $name: '${want_l1:-none}'" [ "$got" = "$want_l1" ]
done

printf 'rcu: INFO: rcu_sched detected stalls on CPUs/tasks:\n%.0s' 1 2 >"$tmp/l1.log"
# shellcheck disable=SC2317 # (called by check)
not() { ! "$@"; }
check "l1_hung: not at 2 stall reports" not l1_hung "$tmp/l1.log"
echo "rcu: INFO: rcu_sched detected stalls on CPUs/tasks:" >>"$tmp/l1.log"
check "l1_hung: at 3 stall reports" l1_hung "$tmp/l1.log"

# fake_run: the next of the deaths (case names) into the log, then clean runs
# shellcheck disable=SC2317 # (called by retry_nested)
fake_run() {
	local c want=${deaths[runs]:-a clean run}
	runs=$((runs + 1))
	for c in "${cases[@]}"; do
		[ "${c%%|*}" = "$want" ] || continue
		IFS='|' read -r _ lines _ <<<"$c"
		# shellcheck disable=SC2059
		printf "$lines" >"$tmp/run.log"
	done
}
retries() { # retries MODE REPEATS DEATH...: how many runs, and the summary
	HARNESS_MODE=$1 RETRIED=() runs=0
	local repeats=$2
	shift 2
	deaths=("$@")
	retry_nested boot "$repeats" "$tmp/run.log" fake_run >/dev/null
	echo "$runs; $(retry_summary boot)"
}
got=$(retries nested 3 "triple fault" "L1 hung")
check "retry_nested: repeats each known death, says why" \
	[ "$got" = "3; 2 boots repeated: boot (guest triple fault), boot (L1 hung)" ]
got=$(retries nested 3 "L1 died" "L1 died" "L1 died" "L1 died")
check "retry_nested: at most REPEATS repeats" [ "$got" = "4; 3 boots repeated: boot (L1 died), boot (L1 died), boot (L1 died)" ]
got=$(retries nested 3 "other panic")
check "retry_nested: any other failure is not repeated" [ "$got" = "1; no boot repeated" ]
got=$(retries direct 3 "triple fault")
check "retry_nested: direct mode never repeats" [ "$got" = "1; no boot repeated" ]
# --cause: the caller's judgement of the run, not a log
# shellcheck disable=SC2317 # (called by retry_nested)
judged_run() { runs=$((runs + 1)); }
# shellcheck disable=SC2317
judge() { [ "$runs" -le "$bad_runs" ] && echo "guest triple fault"; }
HARNESS_MODE=nested RETRIED=() runs=0 bad_runs=2
retry_nested --cause judge seed "3" "" judged_run >/dev/null
check "retry_nested --cause: repeats while FN names an artefact" \
	[ "$runs; $(retry_summary run)" = "3; 2 runs repeated: seed (guest triple fault), seed (guest triple fault)" ]
# shellcheck disable=SC2034 # (read by retry_nested)
HARNESS_MODE=nested RETRIED=() runs=0 bad_runs=9
retry_nested --cause judge seed "3" "" judged_run >/dev/null
check "retry_nested --cause: at most REPEATS repeats" [ "$runs" = 4 ]
exit $failed
