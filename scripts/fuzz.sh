#!/usr/bin/env bash
# The fuzz targets (fuzz/, docs/security.md), built by make into build/fuzz.
#
#   fuzz.sh run [--seconds N] [--runs R] [--jobs J] TARGET...
#       each target for N seconds of wall time, or until it has made R
#       executions (libFuzzer checks between its jobs: a little more),
#       J at a time in the order given, from its seed
#       corpus (fuzz/corpus/T), its regressions (fuzz/regressions/T) and
#       what earlier runs found (build/fuzz/corpus/T); a crash is kept in
#       build/fuzz/artifacts/T and the target goes on for the time left.
#       Prints per target: executions, coverage (libFuzzer's cov and ft),
#       crashes (timeouts and out-of-memory included, each with the first
#       line of its report); exits 1 if any target crashed.
#   fuzz.sh replay TARGET...
#       every seed and regression input through its target once, no new
#       inputs; one TAP line per target, exit 1 on any crash or report.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/fuzz
LOG_PREFIX="fuzz: "
. "$top/scripts/lib.sh"

# hpv itself uses SIGUSR1 and SIGUSR2 (kicks, POSIX timers): libFuzzer keeps off them
COMMON=(-handle_usr1=0 -handle_usr2=0)
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=0:detect_leaks=1:quarantine_size_mb=16:malloc_context_size=16}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=0:print_stacktrace=1}

# what an input may hold: a VM's operations, a UART's, an image, an argv
opts_for() {
	case "$1" in
	fuzz_boot) echo "-max_len=32768 -rss_limit_mb=4096" ;;
	fuzz_serial) echo "-max_len=2048" ;;
	fuzz_cli) echo "-max_len=1024" ;;
	*) echo "-max_len=2048" ;;
	esac
}

seed_dirs() {
	local d
	for d in "$top/fuzz/corpus/$1" "$top/fuzz/regressions/$1"; do
		[ -d "$d" ] && echo "$d"
	done
}

# run_one TARGET SECONDS RUNS: a result line into $out/results/TARGET. libFuzzer's
# fork mode (one worker) goes on after a crash, keeping its input: a known
# bug does not end the run, and every crash is still counted and kept.
run_one() {
	local t=$1 secs=$2 runs=$3 log line execs cov ft crashes corpus t0
	local work=$out/corpus/$t art=$out/artifacts/$t
	mkdir -p "$work" "$art" "$out/logs"
	log=$out/logs/$t.log
	t0=$SECONDS
	# shellcheck disable=SC2046 # (options and directories are words)
	"$out/$t" "${COMMON[@]}" $(opts_for "$t") -timeout=10 -max_total_time="$secs" \
		$([ "$runs" -gt 0 ] && echo "-runs=$runs") \
		-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
		-artifact_prefix="$art/" "$work" $(seed_dirs "$t") >"$log" 2>&1
	secs=$((SECONDS - t0))
	# "#N: cov: C ft: F corp: K exec/s E oom/timeout/crash: O/T/X time: ..."
	line=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -1)
	execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$line")
	cov=$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<<"$line")
	ft=$(sed -nE 's/.* ft: ([0-9]+) .*/\1/p' <<<"$line")
	crashes=$(sed -nE 's|.*oom/timeout/crash: ([0-9]+)/([0-9]+)/([0-9]+).*|\1 \2 \3|p' <<<"$line" |
		awk '{print $1 + $2 + $3}')
	corpus=$(find "$work" -type f | wc -l)
	printf '%s %s %s %s %s %s %s\n' "$t" "${execs:-0}" "$secs" "${cov:-0}" "${ft:-0}" "$corpus" \
		"${crashes:-0}" >"$out/results/$t"
}

# crash_kinds TARGET: what the kept inputs trigger (30 of them at most, each
# run again: fork mode does not keep its workers' reports), by kind
crash_kinds() {
	local f
	find "$out/artifacts/$1" -type f | sort | head -n 30 | while read -r f; do
		"$out/$1" "${COMMON[@]}" "$f" 2>&1 |
			grep -m1 -E 'check failed|runtime error:|ERROR: [A-Za-z]+Sanitizer|ERROR: libFuzzer' ||
			echo "(does not reproduce alone)"
	done | sed -E 's/^==[0-9]+==//' |
		awk '{ k = $1 " " $2 " " $3; if (!(k in n)) first[k] = $0; n[k]++ }
		     END { for (k in n) printf "    %d x %s\n", n[k], substr(first[k], 1, 160) }' |
		sort -rn | head -n 5
}

cmd_run() {
	local secs=600 runs=0 jobs=1 t failed=0 started
	while [ $# -gt 0 ]; do
		case "$1" in
		--seconds) need_value "$1" $#; secs=$2; shift 2 ;;
		--runs) need_value "$1" $#; runs=$2; shift 2 ;;
		--jobs) need_value "$1" $#; jobs=$2; shift 2 ;;
		-*) usage_error "unknown option '$1'" ;;
		*) break ;;
		esac
	done
	[[ $secs =~ ^[0-9]+$ && $runs =~ ^[0-9]+$ && $jobs =~ ^[1-9][0-9]*$ ]] ||
		usage_error "--seconds, --runs and --jobs take numbers"
	[ $# -gt 0 ] || usage_error "no targets"
	for t in "$@"; do
		[ -x "$out/$t" ] || usage_error "$out/$t is not built (make fuzz-build)"
	done
	rm -rf "$out/results"
	mkdir -p "$out/results"
	started=$(date +%s)
	say "$(date -u '+%F %T UTC'): $# targets, ${secs} s each$([ "$runs" -gt 0 ] && echo " or $runs executions"), $jobs at a time, on $(nproc) CPUs (load $(cut -d' ' -f1-3 /proc/loadavg))"
	for t in "$@"; do
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
			wait -n
		done
		say "$t: fuzzing for ${secs} s$([ "$runs" -gt 0 ] && echo " or $runs executions") (log: build/fuzz/logs/$t.log)"
		run_one "$t" "$secs" "$runs" &
	done
	wait
	say "done in $(($(date +%s) - started)) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
	printf '%-16s %12s %7s %9s %6s %7s %7s %8s\n' target executions seconds exec/s cov ft corpus crashes
	for t in "$@"; do
		local name execs s cov ft corpus crashes
		read -r name execs s cov ft corpus crashes <"$out/results/$t" || {
			printf '%-16s no result\n' "$t"
			failed=1
			continue
		}
		printf '%-16s %12s %7s %9s %6s %7s %7s %8s\n' "$name" "$execs" "$s" $((execs / (s > 0 ? s : 1))) \
			"$cov" "$ft" "$corpus" "$crashes"
		if [ "$crashes" -gt 0 ]; then
			failed=1
			crash_kinds "$t"
		fi
	done
	return $failed
}

cmd_replay() {
	local n=0 failed=0 t k log
	[ $# -gt 0 ] || usage_error "no targets"
	mkdir -p "$out/logs"
	echo "TAP version 13"
	echo "1..$#"
	for t in "$@"; do
		n=$((n + 1))
		k=$(seed_dirs "$t" | xargs -r -I{} find {} -type f | wc -l)
		log=$out/logs/$t.replay.log
		mkdir -p "$out/replay/$t"
		# shellcheck disable=SC2046
		if [ -x "$out/$t" ] && [ "$k" -gt 0 ] &&
			"$out/$t" "${COMMON[@]}" -runs=0 -timeout=10 -artifact_prefix="$out/replay/$t/" \
				$(seed_dirs "$t") >"$log" 2>&1; then
			echo "ok $n - fuzz replay: $t ($k inputs)"
		else
			echo "not ok $n - fuzz replay: $t ($k inputs)"
			grep -E 'ERROR|SUMMARY|check failed|runtime error|Test unit written|Running' "$log" 2>/dev/null |
				head -n 8 | sed 's/^/# /'
			[ -x "$out/$t" ] || echo "# $out/$t is not built"
			failed=1
		fi
	done
	return $failed
}

[ $# -gt 0 ] || usage_error "usage: fuzz.sh run|replay [options] TARGET..."
"$top/scripts/deps.sh" fuzz || exit 2
case "$1" in
run) shift; cmd_run "$@" ;;
replay) shift; cmd_replay "$@" ;;
*) usage_error "run or replay, not '$1'" ;;
esac
