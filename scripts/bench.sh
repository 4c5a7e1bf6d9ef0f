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
runs=5 configs="" workloads=""
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=${2:-}; shift ;;
	--configs) configs=${2:-}; shift ;;
	--workloads) workloads=${2:-}; shift ;;
	*) echo "bench.sh: unknown option $1 (--runs N, --configs A,B, --workloads W,X)" >&2; exit 2 ;;
	esac
	shift
done
case "$runs" in
'' | *[!0-9]* | 0*) echo "bench.sh: --runs needs a positive number" >&2; exit 2 ;;
esac
all=$("$top/scripts/bench/series.sh" --list)
extra=$("$top/scripts/bench/series.sh" --list-extra)
pending=(${configs//,/ })
[ ${#pending[@]} -gt 0 ] || pending=($all)
for c in "${pending[@]}"; do
	grep -qx -- "$c" <<<"$all"$'\n'"$extra" ||
		{ echo "bench.sh: unknown configuration $c (one of:" $all", or by name:" $extra")" >&2; exit 2; }
done
known=$(sed -n 's/^\([A-Za-z0-9_]*\) *|.*/\1/p' "$top/bench/workloads")
for w in ${workloads//,/ }; do
	grep -qx -- "$w" <<<"$known" || { echo "bench.sh: unknown workload $w (one of:" $known")" >&2; exit 2; }
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
echo "bench: hypercall cost by route (scripts/bench-hypercall.sh)"
"$top/scripts/bench-hypercall.sh" >/dev/null

# "@" lines are data for the report; the rest is progress for the terminal.
{
	echo "@hdr date $(date -u '+%F %H:%M UTC')"
	echo "@hdr machine $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(nproc) cores, $(awk '/MemTotal/ { printf "%d GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "@hdr host_kernel $(uname -r)"
	# other work on this machine skews every time: say how busy it was
	echo "@hdr load_before $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$raw"
filter() {
	local line
	while IFS= read -r line; do
		line=${line%$'\r'}
		case "$line" in
		@*) echo "$line" >>"$raw" ;;
		"hybridpv: "*" mode ("*)
			echo "@hdr mode ${line#hybridpv: }" >>"$raw"
			echo "bench: ${line#hybridpv: }" ;;
		*) echo "$line" ;;
		esac
	done
}

# One VM-host session (one L1 boot, nested) runs the whole series. If the
# L1 host itself dies (a nested triple fault: seen about once per full
# series under load), again for the configurations it did not finish,
# from the first workload without all its runs: up to 6 sessions, none
# started after 24 minutes, so that make bench ends within 30.
tries=6 deadline_s=$((24 * 60))
done_pairs=""
for attempt in $(seq $tries); do
	"$top/scripts/run.sh" --cpus 2 --mem 512M \
		--host-cmd "BENCH_DONE='$done_pairs' BENCH_WORKLOADS='${workloads//,/ }' scripts/bench/series.sh $runs ${pending[*]}" \
		</dev/null 2>&1 | filter || true
	left=()
	for c in "${pending[@]}"; do
		grep -qx "@cfg-done $c" "$raw" || left+=("$c")
	done
	pending=("${left[@]}")
	[ ${#pending[@]} -gt 0 ] || break
	if [ "$attempt" = "$tries" ] || [ $((SECONDS - t0)) -ge "$deadline_s" ]; then
		echo "bench: incomplete after $attempt sessions of the VM host: ${pending[*]}"
		echo "@note incomplete after $attempt sessions of the VM host ($(((SECONDS - t0) / 60)) min): ${pending[*]}" >>"$raw"
		break
	fi
	echo "bench: the VM host ended early; once more for: ${pending[*]}"
	echo "@note the VM host ended early; started once more for: ${pending[*]}" >>"$raw"
	# keep the workloads with all their runs, drop the rest (_empty, the
	# markers' own cost, is measured again by every boot)
	done_pairs=""
	for c in "${pending[@]}"; do
		for w in $(sed -n "s/^@rec $c \([^ ]*\) .*/\1/p" "$raw" | sort -u | grep -vx _empty); do
			if [ "$(grep -c "^@rec $c $w " "$raw")" -eq "$runs" ]; then
				done_pairs+=" $c:$w"
			else
				sed -i "/^@rec $c $w /d" "$raw"
			fi
		done
	done
done

echo "@hdr elapsed_s $((SECONDS - t0))" >>"$raw"
echo "@hdr load_after $(cut -d' ' -f1-3 /proc/loadavg)" >>"$raw"
/usr/bin/python3 "$top/scripts/bench/report.py" "$raw" "$top/bench/workloads" "$out"
echo "bench: done in $(((SECONDS - t0) / 60)) min $(((SECONDS - t0) % 60)) s: build/bench/report.md, results.json, ratio.svg, exits.svg"
