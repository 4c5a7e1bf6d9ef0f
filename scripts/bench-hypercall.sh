#!/usr/bin/env bash
# Cost of one hypercall by each route beside a CPUID exit and a native
# system call, in guest TSC cycles: median, min and max of 5 rounds of
# 1000 calls, one guest boot per route, all in one run. A benchmark, not a
# test: it prints what it measured.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
LOG_PREFIX="bench: "
. "$top/scripts/lib.sh"
out=$top/build/bench
mkdir -p "$out"

# route name | hpv arguments
routes=(
	"kvm|--hypercall-route kvm"
	"user|--hypercall-route user"
)

harness_mode	# run.sh's choice, the same function
mode=$HARNESS_MODE
rows=()
for r in "${routes[@]}"; do
	name=${r%%|*}
	args=()
	for a in ${r#*|}; do args+=(--hpv-arg "$a"); done
	warn "hypercall route '$name' ($mode mode)"
	log=$out/hypercall-$name.log
	"$top/scripts/run.sh" --no-announce --cpus 1 --stats "${args[@]}" \
		--cmd 'cat /sys/kernel/debug/hybridpv/cost; /bench/syscall_cost' </dev/null >"$log" 2>&1
	tr -d '\r' <"$log" >"$log.clean"
	read -r _ calls med min max < <(grep -a '^hypercall_nop ' "$log.clean")
	# Exits the calls caused, from the counters that see only them: KVM's
	# in-kernel hypercall count, or hpv's own count of doorbell exits.
	if [ "$name" = kvm ]; then
		exits=$(awk '$1 == "hypercalls" { s = 0; for (i = 2; i <= NF; i++) s += $i; print s }' "$log.clean")
	else
		exits=$(awk '$3 == "hypercall" && $4 == "nop" { print $5 }' "$log.clean")
	fi
	rows+=("| hypercall nop, $name route | $med | $min | $max | $(echo "scale=2; ${exits:-0} / $calls" | bc) |")
	if [ "$name" = kvm ]; then
		read -r _ calls med min max < <(grep -a '^cpuid ' "$log.clean")
		rows+=("| CPUID (always exits) | $med | $min | $max | 1 |")
		read -r _ calls med min max < <(grep -a '^syscall ' "$log.clean")
		rows+=("| native syscall (getppid) in the guest | $med | $min | $max | 0 |")
	fi
done

{
	echo "Hypercall cost, $(date -u +%F), $mode mode, 1 vCPU, guest TSC cycles per call"
	echo "(median, min, max of 5 rounds of 1000 calls; exits per call from KVM's"
	echo "in-kernel hypercall counter or hpv's doorbell counter)."
	echo
	echo "| operation | median | min | max | exits/call |"
	echo "|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
} | tee "$out/hypercall.md"
