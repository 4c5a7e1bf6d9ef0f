#!/usr/bin/env bash
# make bench: every workload of bench/workloads under every configuration
# of scripts/bench/series.sh (native, full virtualization, KVM paravirt,
# hpv with and without the hybrid ABI), all in one VM-host session, then
# the hypercall cost benchmark, then build/bench/{results.json,report.md}
# and the plots. A benchmark, not a test: it prints what it measured.
#   bench.sh [--runs N] [--configs A,B,...] [--workloads W,X,...]
#   (N >= 5 for the report; a subset of workloads is for A/B runs of one op)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench
LOG_PREFIX="bench: "
. "$top/scripts/lib.sh"
runs=5 configs="" workloads=""
while [ $# -gt 0 ]; do
	case "$1" in
	--runs | --configs | --workloads) need_value "$1" $# ;;
	esac
	case "$1" in
	--runs) runs=$2; shift ;;
	--configs) configs=$2; shift ;;
	--workloads) workloads=$2; shift ;;
	*) usage_error "unknown option $1 (--runs N, --configs A,B, --workloads W,X)" ;;
	esac
	shift
done
case "$runs" in
'' | *[!0-9]* | 0*) usage_error "--runs needs a positive number" ;;
esac
all=$("$top/scripts/bench/series.sh" --list)
extra=$("$top/scripts/bench/series.sh" --list-extra)
# shellcheck disable=SC2206 # (names: no globs, no spaces)
pending=(${configs//,/ })
# shellcheck disable=SC2206
[ ${#pending[@]} -gt 0 ] || pending=($all)
for c in "${pending[@]}"; do
	grep -qx -- "$c" <<<"$all"$'\n'"$extra" ||
		usage_error "unknown configuration $c (one of: ${all//$'\n'/ }, or by name: ${extra//$'\n'/ })"
done
known=$(sed -n 's/^\([A-Za-z0-9_]*\) *|.*/\1/p' "$top/bench/workloads")
for w in ${workloads//,/ }; do
	grep -qx -- "$w" <<<"$known" || usage_error "unknown workload $w (one of: ${known//$'\n'/ })"
done

"$top/scripts/deps.sh" bench nested
# An initramfs built before rt-tests was installed has no hackbench.
if ! gzip -dc "$top/build/guest.cpio.gz" | cpio -t --quiet 2>/dev/null | grep -qx bench/hackbench; then
	"$top/scripts/initramfs.sh"
fi
mkdir -p "$out"
raw=$out/raw.txt
t0=$SECONDS

# The hypercall cost by route (its own boots, 1 vCPU): build/bench/hypercall.md
say "hypercall cost by route (scripts/bench-hypercall.sh)"
"$top/scripts/bench-hypercall.sh" >/dev/null

# "@" lines are data for the report; the rest is progress for the terminal.
{
	echo "@hdr date $(date -u '+%F %H:%M UTC')"
	echo "@hdr machine $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(nproc) cores, $(awk '/MemTotal/ { printf "%d GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "@hdr host_kernel $(uname -r)"
	# other work on this machine skews every time: say how busy it was
	echo "@hdr load_before $(cut -d' ' -f1-3 /proc/loadavg)"
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

# One VM-host session (one L1 boot, nested) runs the whole series. When
# the L1 host dies or hangs (retry_nested, scripts/lib.sh: nested only,
# those deaths only), a new session runs the configurations it did not
# finish, from the first workload without all its runs: up to 6
# sessions, none started after 24 minutes, so that make bench ends
# within 30. (A guest that dies is series.sh's to repeat, in its session.)
session_log=$out/session.log
# session: one VM-host session for the configurations still pending
session() {
	local c w done_pairs=""
	if [ "$RETRY_ATTEMPT" -gt 1 ]; then
		say "a new VM-host session for: ${pending[*]}"
		echo "@note the VM host ended early ($RETRY_CAUSE); started once more for: ${pending[*]}" >>"$raw"
		# keep the workloads with all their runs, drop the rest (_empty, the
		# markers' own cost, is measured again by every boot)
		for c in "${pending[@]}"; do
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
	"$top/scripts/run.sh" --cpus 2 --mem 512M \
		--host-cmd "BENCH_DONE='$done_pairs' BENCH_WORKLOADS='${workloads//,/ }' scripts/bench/series.sh $runs ${pending[*]}" \
		</dev/null 2>&1 | filter
	# series.sh says which configurations it finished, or left out
	local left=()
	for c in "${pending[@]}"; do
		grep -qxE "@cfg-(done|left) $c" "$raw" || left+=("$c")
	done
	pending=("${left[@]}")
}
all_done() { [ ${#pending[@]} -eq 0 ]; }
retry_nested --done all_done --until $((t0 + 24 * 60)) --l1-only \
	"the VM host session" 5 "$session_log" session
if [ ${#pending[@]} -gt 0 ]; then
	say "incomplete after $RETRY_ATTEMPT sessions of the VM host: ${pending[*]}"
	echo "@note incomplete after $RETRY_ATTEMPT sessions of the VM host ($(((SECONDS - t0) / 60)) min): ${pending[*]}" >>"$raw"
fi

echo "@hdr elapsed_s $((SECONDS - t0))" >>"$raw"
echo "@hdr load_after $(cut -d' ' -f1-3 /proc/loadavg)" >>"$raw"
/usr/bin/python3 "$top/scripts/bench/report.py" "$raw" "$top/bench/workloads" "$out"
say "done in $(((SECONDS - t0) / 60)) min $(((SECONDS - t0) % 60)) s: build/bench/report.md, results.json, ratio.svg, exits.svg"
