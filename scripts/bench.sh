#!/usr/bin/env bash
# make bench: the hypercall cost benchmark, then four sections, each in
# VM-host sessions of its own (one L1 boot each, nested):
#   default     every workload of bench/workloads under every configuration
#               of scripts/bench/series.sh (native, full virtualization, KVM
#               paravirt, hpv with and without the hybrid ABI), 2 vCPUs
#   idle-poll   the same workloads natively, on a VM host booted with
#               idle=poll (nested only: a direct host is used as booted)
#   overcommit  bench/overcommit under full-virt, kvm-pv-tuned,
#               hpv-nohybrid and hybridpv-kvm with 2x and 4x as many vCPUs
#               as the VM host has CPUs
#   shadow      bench/shadow on a VM host whose KVM shadows the guest's page
#               tables (nested: run.sh --mmu shadow) under full-virt,
#               kvm-pv, hpv-nohybrid, hybridpv-kvm and hybridpv-nocr3 (the
#               CR3 port withheld), then hybridpv-kvm and hybridpv-nocr3 with
#               nested paging, as the reference (a direct host: its own mode)
# then build/bench/{results.json,report.md} and the plots. A benchmark,
# not a test: it prints what it measured.
#   bench.sh [--runs N] [--sections S,T] [--configs A,B,...] [--workloads W,X,...]
#   (N >= 5 for the report; --configs and --workloads narrow every section
#   to the names it has, and a subset is for A/B runs of one op)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench
LOG_PREFIX="bench: "
. "$top/scripts/lib.sh"
runs=5 configs="" workloads="" sections=""
while [ $# -gt 0 ]; do
	case "$1" in
	--runs | --configs | --workloads | --sections) need_value "$1" $# ;;
	esac
	case "$1" in
	--runs) runs=$2; shift ;;
	--configs) configs=$2; shift ;;
	--workloads) workloads=$2; shift ;;
	--sections) sections=$2; shift ;;
	*) usage_error "unknown option $1 (--runs N, --sections S,T, --configs A,B, --workloads W,X)" ;;
	esac
	shift
done
case "$runs" in
'' | *[!0-9]* | 0*) usage_error "--runs needs a positive number" ;;
esac
all=$("$top/scripts/bench/series.sh" --list)
extra=$("$top/scripts/bench/series.sh" --list-extra)
for c in ${configs//,/ }; do
	grep -qx -- "$c" <<<"$all"$'\n'"$extra" ||
		usage_error "unknown configuration $c (one of: ${all//$'\n'/ }, or by name: ${extra//$'\n'/ })"
done
known=$(table_names "$top/bench/workloads"; table_names "$top/bench/overcommit"; table_names "$top/bench/shadow")
for w in ${workloads//,/ }; do
	grep -qx -- "$w" <<<"$known" || usage_error "unknown workload $w (one of: ${known//$'\n'/ })"
done
# has WORD LIST: LIST (words) has WORD, whole (names carry dashes)
has() { tr ' ' '\n' <<<"$2" | grep -qx -- "$1"; }
all_sections="default idle-poll overcommit shadow"
for s in ${sections//,/ }; do
	has "$s" "$all_sections" || usage_error "unknown section $s (one of: $all_sections)"
done
want_section() { [ -z "$sections" ] || has "$1" "${sections//,/ }"; }

# Each section: a VM-host session (or several, tagged) of vCPUs, table,
# configurations and the VM host's extra command line.
harness_mode
host_cpus=2	# nested: L1's, run.sh's -smp
[ "$HARNESS_MODE" = direct ] && host_cpus=$(nproc)
overcommit_configs="full-virt kvm-pv-tuned hpv-nohybrid hybridpv-kvm"
shadow_configs="full-virt kvm-pv hpv-nohybrid hybridpv-kvm hybridpv-nocr3"
shadow_ref_configs="hybridpv-kvm hybridpv-nocr3"
# what a shadow-paging MMU spends, per run: faults it fixed, INVLPGs, CR3
# loads whose root was cached or not, our port's loads and retirements,
# and its shadow pages made, zapped and flooded
shadow_counters="pf_fixed invlpg tlb_flush cr3_root_hit cr3_root_miss hybridpv_cr3_load"
shadow_counters+=" hybridpv_mm_retire mmu_cache_miss mmu_shadow_zapped mmu_flooded mmu_pte_write"
sec_counters="" sec_mmu=""
# only the names a section has: --configs and --workloads narrow each
# (intersect LIST-A LIST-B: the words of A that are in B; A empty: all of B)
intersect() {
	local w out=""
	[ -n "$1" ] || { echo "$2"; return; }
	for w in $1; do has "$w" "$2" && out+=" $w"; done
	echo "${out# }"
}
# named_or DEFAULT POOL: DEFAULT without --configs, else the names given
# that are in POOL or among the extra configurations (by name), but not
# the idle-poll row, which has its own section
named_or() {
	if [ -z "$configs" ]; then
		echo "$1"
	else
		intersect "${configs//,/ }" "$2 ${extra//$'\n'/ }" | sed 's/\(^\| \)native-idle-poll\b//'
	fi
}
sec_configs() {	# sec_configs SECTION: the configurations it runs
	case "$1" in
	default) named_or "$all" "${all//$'\n'/ }" ;;
	idle-poll) intersect "${configs//,/ }" native-idle-poll ;;
	overcommit) named_or "$overcommit_configs" "$overcommit_configs" ;;
	shadow) named_or "$shadow_configs" "$shadow_configs" ;;
	shadow-ref) named_or "$shadow_ref_configs" "$shadow_ref_configs" ;;
	esac
}
sec_workloads() {	# sec_workloads TABLE: the workloads to run ("" = all)
	[ -n "$workloads" ] || return 0
	local names
	names=$(table_names "$top/bench/$1")
	intersect "${workloads//,/ }" "${names//$'\n'/ }"
}

"$top/scripts/deps.sh" bench nested
# An initramfs built before rt-tests was installed has no hackbench.
if ! gzip -dc "$top/build/guest.cpio.gz" | cpio -t --quiet 2>/dev/null | grep -qx bench/hackbench; then
	"$top/scripts/initramfs.sh"
fi
mkdir -p "$out"
raw=$out/raw.txt
t0=$SECONDS

# The hypercall cost by route (its own boots, 1 vCPU), with the default
# section: build/bench/hypercall.md
rm -f "$out/hypercall.md"
if want_section default; then
	say "hypercall cost by route (scripts/bench-hypercall.sh)"
	"$top/scripts/bench-hypercall.sh" >/dev/null
fi

# "@" lines are data for the report; the rest is progress for the terminal.
{
	echo "@hdr date $(date -u '+%F %H:%M UTC')"
	echo "@hdr machine $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(nproc) cores, $(awk '/MemTotal/ { printf "%d GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "@hdr host_kernel $(uname -r)"
	# other work on this machine skews every time: say how busy it was
	echo "@hdr load_before $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "@hdr vm_host_cpus $host_cpus"
} >"$raw"
# (every line also goes to the session's log, which says how it ended)
filter() {
	local line
	while IFS= read -r line; do
		line=${line%$'\r'}
		printf '%s\n' "$line" >>"$session_log"
		case "$line" in
		@*) echo "$line" >>"$raw" ;;
		"hybridpv: "*" mode ("*)
			echo "@hdr mode ${line#hybridpv: }" >>"$raw"
			echo "bench: ${line#hybridpv: }" ;;
		*) echo "$line" ;;
		esac
	done
}

# One VM-host session (one L1 boot, nested) runs a section's series.
# When the L1 host dies or hangs (retry_nested, scripts/lib.sh: nested
# only, those deaths only), a new session runs the configurations it did
# not finish, from the first workload without all its runs: up to 6
# sessions, none started 24 minutes after the section's first. (A guest
# that dies is series.sh's to repeat, in its session.)
session_log=$out/session.log
# session: one VM-host session for the section's configurations still
# pending (sec_* set by run_section)
session() {
	local c w done_pairs="" l1_args=()
	if [ "$RETRY_ATTEMPT" -gt 1 ]; then
		say "a new VM-host session for: ${pending[*]}"
		echo "@note the VM host ended early ($RETRY_CAUSE); started once more for: ${pending[*]/%/$sec_tag}" >>"$raw"
		# keep the workloads with all their runs, drop the rest (_empty, the
		# markers' own cost, is measured again by every boot)
		for c in "${pending[@]/%/$sec_tag}"; do
			# shellcheck disable=SC2013 # (workload names: one word each)
			for w in $(sed -n "s/^@rec $c \([^ ]*\) .*/\1/p" "$raw" | sort -u | grep -vx _empty); do
				if [ "$(grep -c "^@rec $c $w " "$raw")" -eq "$runs" ]; then
					done_pairs+=" $c:$w"
				else
					sed -i "/^@rec $c $w /d" "$raw"
				fi
			done
		done
	fi
	: >"$session_log"
	[ -z "$sec_l1_append" ] || l1_args=(--l1-append "$sec_l1_append")
	[ -z "$sec_mmu" ] || l1_args+=(--mmu "$sec_mmu")
	# (series.sh prints at least every few minutes: a quiet session is hung)
	"$top/scripts/run.sh" --cpus "$sec_cpus" --mem 512M "${l1_args[@]}" --quiet-limit 300 \
		--host-cmd "BENCH_TABLE=$sec_table BENCH_TAG='${sec_tag#@}' BENCH_DONE='$done_pairs' BENCH_WORKLOADS='$sec_wl' BENCH_COUNTERS='$sec_counters' scripts/bench/series.sh $runs ${pending[*]}" \
		</dev/null 2>&1 | filter
	# series.sh says which configurations it finished, or left out
	local left=()
	for c in "${pending[@]}"; do
		grep -qxE "@cfg-(done|left) $c$sec_tag" "$raw" || left+=("$c")
	done
	pending=("${left[@]}")
}
all_done() { [ ${#pending[@]} -eq 0 ]; }
# run_section NAME CPUS TABLE TAG L1-APPEND CONFIG... (sec_counters: the
# section's counters besides the usual, and sec_mmu its VM host's MMU
# mode for run.sh --mmu: both empty but for shadow)
run_section() {
	local name=$1 t_sec=$SECONDS
	sec_cpus=$2 sec_table=$3 sec_tag=${4:+@$4} sec_l1_append=$5
	shift 5
	pending=("$@")
	sec_wl=$(sec_workloads "$sec_table")
	if [ ${#pending[@]} -eq 0 ] || { [ -n "$workloads" ] && [ -z "$sec_wl" ]; }; then
		return 0
	fi
	say "section $name${sec_tag:+ ($sec_tag)}: ${pending[*]} with $sec_cpus vCPUs (bench/$sec_table)"
	echo "@section $name $sec_cpus${sec_tag:+ ${sec_tag#@}}" >>"$raw"
	retry_nested --done all_done --until $((t_sec + 24 * 60)) --l1-only \
		"the VM host session" 5 "$session_log" session
	if [ ${#pending[@]} -gt 0 ]; then
		say "incomplete after $RETRY_ATTEMPT sessions of the VM host: ${pending[*]}"
		echo "@note incomplete after $RETRY_ATTEMPT sessions of the VM host ($(((SECONDS - t_sec) / 60)) min): ${pending[*]/%/$sec_tag}" >>"$raw"
	fi
}

# shellcheck disable=SC2046 # (configuration names: one word each)
want_section default && run_section default 2 workloads "" "" $(sec_configs default)
if want_section idle-poll; then
	# a direct host runs as its owner booted it (series.sh says if not idle=poll)
	l1_append=""
	[ "$HARNESS_MODE" = nested ] && l1_append=idle=poll
	# shellcheck disable=SC2046
	run_section idle-poll 2 workloads "" "$l1_append" $(sec_configs idle-poll)
fi
if want_section overcommit; then
	for n in $((2 * host_cpus)) $((4 * host_cpus)); do
		# shellcheck disable=SC2046
		run_section overcommit "$n" overcommit "${n}vcpu" "" $(sec_configs overcommit)
	done
fi

if want_section shadow; then
	sec_counters=$shadow_counters
	if [ "$HARNESS_MODE" = nested ]; then
		sec_mmu=shadow
		# shellcheck disable=SC2046
		run_section shadow 2 shadow shadow "" $(sec_configs shadow)
		sec_mmu=npt
		# shellcheck disable=SC2046
		run_section shadow 2 shadow npt "" $(sec_configs shadow-ref)
	else
		# (a direct host's KVM as loaded: the tag says which mode it runs)
		# shellcheck disable=SC2046
		run_section shadow 2 shadow "$(kvm_mmu_mode)" "" $(sec_configs shadow)
	fi
	sec_counters="" sec_mmu=""
fi

echo "@hdr elapsed_s $((SECONDS - t0))" >>"$raw"
echo "@hdr load_after $(cut -d' ' -f1-3 /proc/loadavg)" >>"$raw"
/usr/bin/python3 "$top/scripts/bench/report.py" "$raw" "$out" "$top/bench/workloads" "$top/bench/overcommit" \
	"$top/bench/shadow"
say "done in $(((SECONDS - t0) / 60)) min $(((SECONDS - t0) % 60)) s: build/bench/report.md, results.json, ratio.svg, exits.svg"
