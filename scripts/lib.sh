# shellcheck shell=bash
# Sourced by the scripts: their logging, the harness's mode (direct or
# nested), and the one retry policy of the nested harness.
#
# Logging: say/warn print LOG_PREFIX and a line (stdout/stderr);
# usage_error prints "SCRIPT: message" on stderr and exits 2, for bad
# input to a script.
#
# Retry policy: a run is repeated only in nested mode, and only when it
# died of one of the nested emulation's known deaths (death_cause);
# direct mode never repeats anything. retry_nested is the one loop that
# repeats a run; each repeat is printed with its cause.

LOG_PREFIX=${LOG_PREFIX:-}
say() { printf '%s%s\n' "$LOG_PREFIX" "$*"; }
warn() { printf '%s%s\n' "$LOG_PREFIX" "$*" >&2; }
usage_error() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
	exit 2
}
# need_value OPTION ARGC: an option that takes a value must have one
need_value() { [ "$2" -ge 2 ] || usage_error "$1 needs a value"; }

# guest_series TOP: the guest series' patch files, in order, one a line
# (guest-kernel/series without its comments and blank lines)
guest_series() { grep -v '^\s*#' "$1/guest-kernel/series" | grep .; }

# harness_mode: sets HARNESS_MODE (direct: build/hpv runs on this host;
# nested: inside an L1 KVM host that QEMU's TCG emulates) and HARNESS_WHY.
# HPV_MODE=direct|nested overrides the choice; scripts/run.sh passes its
# mode on to a --host-cmd, which runs in the L1 host in nested mode.
# shellcheck disable=SC2034 # (HARNESS_WHY: for the callers)
harness_mode() {
	[ -z "${HARNESS_MODE:-}" ] || return 0
	case "${HPV_MODE:-}" in
	direct | nested) HARNESS_MODE=$HPV_MODE HARNESS_WHY="HPV_MODE=$HPV_MODE"; return 0 ;;
	"") ;;
	*) usage_error "HPV_MODE must be direct or nested, not '$HPV_MODE'" ;;
	esac
	if grep -qwE 'vmx|svm' /proc/cpuinfo && [ -w /dev/kvm ] && ! grep -qs . /sys/module/kvm_pvm/initstate; then
		HARNESS_MODE=direct
		HARNESS_WHY="this CPU has $(grep -owE 'vmx|svm' /proc/cpuinfo | head -1) and /dev/kvm"
	elif grep -qs . /sys/module/kvm_pvm/initstate; then
		HARNESS_MODE=nested HARNESS_WHY="no vmx/svm here and /dev/kvm is kvm_pvm, which runs no ordinary guest"
	else
		HARNESS_MODE=nested HARNESS_WHY="no vmx/svm in /proc/cpuinfo"
	fi
}

# kvm_mmu_mode: how this host's loaded KVM maps guest memory: npt (nested
# paging, NPT or EPT), shadow (it shadows the guest's page tables), or
# nothing where no KVM module says.
kvm_mmu_mode() {
	local p v
	for p in /sys/module/kvm_amd/parameters/npt /sys/module/kvm_intel/parameters/ept; do
		read -r v <"$p" 2>/dev/null || continue
		case "$v" in
		Y | 1) echo npt; return 0 ;;
		N | 0) echo shadow; return 0 ;;
		esac
	done
}

# The L1 host can hang rather than die: one of its CPUs stuck with
# interrupts off, its kernel reporting the same RCU stall every minute.
# scripts/run.sh's watchdog ends it at this many reports, printing
# L1_HUNG_LINE, so that the run counts as an L1 death.
L1_HANG_STALLS=3
L1_HUNG_LINE="hybridpv: the L1 host hung ($L1_HANG_STALLS RCU stall reports in its console log); ending it"
l1_hung() { # l1_hung L1-CONSOLE-LOG
	local n
	n=$(grep -ac 'rcu: INFO: rcu_sched detected stalls' "$1" 2>/dev/null)
	[ "${n:-0}" -ge "$L1_HANG_STALLS" ]
}
# It can also stand still with every CPU idle and its clock stopped, which
# no stall report shows: L1's init writes a heartbeat to the status port
# every 10 s, and the watchdog ends an L1 host silent there this long.
L1_SILENT_S=180
L1_SILENT_LINE="hybridpv: the L1 host stood still (no heartbeat for $L1_SILENT_S s); ending it"
# Or its init goes on beating while the host command stands still, every
# CPU idle (tasks blocked inside L1's KVM, seen under hpv and QEMU/KVM
# alike): a caller that knows its command prints often (run.sh
# --quiet-limit S) has the watchdog end an L1 host whose console is quiet
# for S seconds.
L1_QUIET_LINE_START="hybridpv: the L1 host's command printed nothing for"

# death_cause LOG [l1]: the nested emulation's death that LOG (a run's
# console and run.sh's messages) shows, printed as one of
#   L1 hung       run.sh's watchdog ended a hung L1 host (L1_HUNG_LINE,
#                 L1_SILENT_LINE for one whose heartbeat stopped, or a
#                 line that starts with L1_QUIET_LINE_START for a command
#                 that stood still)
#   L1 died       QEMU ended without L1 reporting hpv's status (run.sh says so)
#   guest triple fault                   hpv: "vCPU N: triple fault"
#   guest double fault at SYSCALL entry  "PANIC: double fault" with a
#                 user-half RSP: an event delivered at entry_SYSCALL_64
#                 before it switched stacks (docs/harness.md)
#   guest fault recursion on the #DF stack  "BUG: #DF stack guard page was
#                 hit" after "stack recursion on stack type 5": page faults
#                 that recur in exc_page_fault until the double-fault stack
#                 overflows (docs/harness.md: cause not found)
# with l1, only the first two. Status 1, and nothing printed, for any
# other ending: that is a failure of the code under test.
death_cause() {
	local log=$1 scope=${2:-any}
	[ -r "$log" ] || return 1
	if grep -aqF -e "$L1_HUNG_LINE" -e "$L1_SILENT_LINE" -e "$L1_QUIET_LINE_START" "$log"; then
		echo "L1 hung"
	elif grep -aq 'the L1 host ended without reporting a status' "$log"; then
		echo "L1 died"
	elif [ "$scope" = l1 ]; then
		return 1
	# (hpv's line may follow a guest line cut short by the reset)
	elif tr -d '\r' <"$log" | grep -aqE 'hpv: vCPU [0-9]+: triple fault'; then
		echo "guest triple fault"
	elif tr -d '\r' <"$log" | grep -a -A8 'PANIC: double fault' | grep -aqE 'RSP: 0018:0000[0-7]'; then
		echo "guest double fault at SYSCALL entry"
	# (QEMU says nothing of a triple fault: with -no-reboot its guest's reset
	# ends it with status 0, as a power-off does; a triple fault is the end
	# that prints nothing, neither a panic nor the kernel's "reboot:" line)
	elif grep -aq 'qemu-guest.sh: the guest ended without reporting a status (QEMU exit 0)' "$log" &&
		! grep -aqE 'Kernel panic|BUG:|Oops|reboot: ' "$log"; then
		echo "guest reset under QEMU, no panic"
	elif grep -aq 'stack recursion on stack type 5' "$log" &&
		grep -aqE 'BUG: #DF stack guard page was hit|Kernel panic - not syncing: Fatal exception' "$log"; then
		echo "guest fault recursion on the #DF stack"
	else
		return 1
	fi
}

# table_names FILE: the workload names of a table in bench/workloads'
# format, one a line
table_names() { sed -n 's/^\([A-Za-z0-9_]*\) *|.*/\1/p' "$1"; }

# retry_nested [--done FN] [--until S] [--l1-only] [--cause FN] NAME REPEATS LOG CMD [ARG...]
# Runs CMD, which writes LOG. When CMD has died of the nested emulation
# (death_cause LOG; --l1-only: of an L1 death alone; --cause: FN prints
# the artefact that ended the run and succeeds, for a caller that judges
# a run by more than its log; a cause FN names "not recognised ..." is
# repeated as an early end, not an artefact), in nested mode, with
# fewer than REPEATS repeats made and, with --until, bash's SECONDS still
# below S, it keeps a copy of LOG beside it (LOG's name with "-died-N"),
# says so and runs CMD again. FN (--done) succeeding after a run means nothing is
# left to repeat; without it LOG alone decides, since a guest that died
# may still end its VMM with status 0 (a triple fault is a reset).
# CMD sees RETRY_ATTEMPT (1, 2, ...) and RETRY_CAUSE (why the previous
# run was repeated; empty on the first). Every repeat is added to RETRIED
# as "NAME (CAUSE)". Returns CMD's last status.
RETRIED=()
# shellcheck disable=SC2034 # (RETRY_CAUSE: for CMD)
retry_nested() {
	local done_fn="" until="" scope=any cause_fn=""
	while :; do
		case "$1" in
		--done) done_fn=$2; shift 2 ;;
		--cause) cause_fn=$2; shift 2 ;;
		--until) until=$2; shift 2 ;;
		--l1-only) scope=l1; shift ;;
		*) break ;;
		esac
	done
	local name=$1 repeats=$2 log=$3 st cause kept
	shift 3
	harness_mode
	RETRY_ATTEMPT=1 RETRY_CAUSE=""
	while :; do
		st=0
		"$@" || st=$?
		if [ -n "$done_fn" ] && "$done_fn"; then
			return "$st"
		fi
		if [ -n "$cause_fn" ]; then
			cause=$("$cause_fn") || return "$st"
		else
			cause=$(death_cause "$log" "$scope") || return "$st"
		fi
		if [ "$HARNESS_MODE" != nested ]; then
			say "$name: died ($cause); not repeated in direct mode"
			return "$st"
		elif [ "$RETRY_ATTEMPT" -gt "$repeats" ]; then
			say "$name: died ($cause); no repeat left (at most $repeats)"
			return "$st"
		elif [ -n "$until" ] && [ "$SECONDS" -ge "$until" ]; then
			say "$name: died ($cause); not repeated, past the time limit"
			return "$st"
		fi
		case "$log" in
		*.log) kept=${log%.log}-died-$RETRY_ATTEMPT.log ;;
		*) kept=$log-died-$RETRY_ATTEMPT ;;
		esac
		cp "$log" "$kept" 2>/dev/null || kept=""
		# (a log outside the checkout, in the L1 host's scratch space, is
		# gone with it: not named)
		case "$kept" in
		"${top:-/nowhere}"/*) kept=" (its log: ${kept#"$top"/})" ;;
		*) kept="" ;;
		esac
		case "$cause" in
		"not recognised"*) say "$name: ended early ($cause); repeat $RETRY_ATTEMPT of at most $repeats$kept" ;;
		*) say "$name: died ($cause), an artefact of the nested emulation; repeat $RETRY_ATTEMPT of at most $repeats$kept" ;;
		esac
		RETRIED+=("$name ($cause)")
		RETRY_CAUSE=$cause
		RETRY_ATTEMPT=$((RETRY_ATTEMPT + 1))
	done
}

# retry_summary NOUN: "no boot repeated", "1 boot repeated: a (cause)",
# "2 boots repeated: a (cause), b (cause)" from RETRIED
retry_summary() {
	local n=${#RETRIED[@]} list
	if [ "$n" -eq 0 ]; then
		echo "no $1 repeated"
		return
	fi
	list=$(printf '%s, ' "${RETRIED[@]}")
	[ "$n" -eq 1 ] && echo "1 $1 repeated: ${list%, }" || echo "$n ${1}s repeated: ${list%, }"
}
