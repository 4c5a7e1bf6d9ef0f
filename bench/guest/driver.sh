#!/bin/sh
# Guest side of `make bench` (also run natively): every workload of the
# table next to this script, RUNS times, each run bracketed by sample
# markers. The watcher in the VM host reads KVM's exit counters on each
# marker and answers with a line; waiting for it keeps the counters to
# the run alone. A first pseudo-workload, _empty, measures what the
# markers themselves cost. Each result also says how much time the vCPUs
# lost to the host over the run (steal, summed over the CPUs; 0 where the
# guest accounts none).
#   driver.sh [--table NAME] RUNS [WORKLOAD...]
#   (the table: bench/NAME, "workloads" by default; no workloads: all)
set -f
B=$(cd "$(dirname "$0")" && pwd)
PATH=$B:$PATH
table=workloads
if [ "${1:-}" = --table ] && [ -n "${2:-}" ]; then
	table=$2
	shift 2
fi
case "${1:-}" in
[1-9]*) runs=$1; shift ;;
*) echo "driver.sh: usage: driver.sh [--table NAME] RUNS [WORKLOAD...]" >&2; exit 2 ;;
esac
[ -r "$B/$table" ] || { echo "driver.sh: no table $B/$table" >&2; exit 2; }
want=" $* "
stty -echo 2>/dev/null	# the answers are input, not output
exec 4<&0	# the answers' way in; the loop below reads the table

# What the guest found below it, for the report: KVM's signature (hidden
# in full virtualization), our hybrid ABI, the clock it runs on, the
# cpuidle driver (haltpoll where a KVM guest polls before it halts).
hv=$(dmesg | sed -n 's/.*Hypervisor detected: //p' | head -n 1)
hpv=off
dmesg | grep -q 'hybridpv: hypercall page registered' && hpv=on
echo "@hpv-info hypervisor=${hv:-none} hybridpv=$hpv clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource) cpuidle=$(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null || echo none)"

sample() {
	echo "@hpv-sample $*"
	read -r _ <&4 || exit 1
}

# steal_ms: the steal time of all CPUs so far (/proc/stat, USER_HZ 100)
steal_ms() {
	read -r _ _ _ _ _ _ _ _ st _ </proc/stat
	echo $((st * 10))
}

# hackbench_run GROUPS LOOPS [ARGS]: seconds, and messages sent (each of
# 20 senders a group sends LOOPS messages to each of 20 receivers)
hackbench_run() {
	g=$1 l=$2
	shift 2
	hackbench -g "$g" -l "$l" "$@" | sed -n "s/^Time: *\([0-9.]*\).*/\1 $((g * 400 * l))/p"
}

{ echo "_empty | - | - | echo 0 1"; cat "$B/$table"; } | while IFS='|' read -r name unit op cmd; do
	set -- $name
	name=${1:-}
	case "$name" in '' | '#'*) continue ;; esac
	case "$want:$name" in "  :"* | *" $name "*:* | *:_empty) ;; *) continue ;; esac
	r=1
	while [ "$r" -le "$runs" ]; do
		sample begin "$name" "$r"
		steal0=$(steal_ms)
		out=$(eval "$cmd" </dev/null 2>&1)
		st=$?
		steal1=$(steal_ms)
		sample end "$name" "$r"
		last=$(printf '%s\n' "$out" | tail -n 1)
		case "$st:$last" in
		0:[0-9]*' '[0-9]*) echo "@hpv-result $name $r $last guest_steal_ms=$((steal1 - steal0))" ;;
		*) echo "@hpv-error $name $r status $st: $(printf '%s\n' "$out" | tail -n 3 | tr '\n' ' ')" ;;
		esac
		r=$((r + 1))
	done
done
echo "@hpv-done"
