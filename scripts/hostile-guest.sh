#!/usr/bin/env bash
# The hostile guest (docs/security.md): boot build/hostile/bzImage under hpv
# once per seed (each seed its own attack sequence, vCPU count, memory size
# and hpv options) and check that hpv ends every run as documented: the
# exit status the guest asked for, a bounded time, no signal or sanitizer
# report, at most one unexpected "hpv: " line, bounded memory, and every
# paravirtual MSR that is not ours refused. One TAP stream.
#
#   hostile-guest.sh [--hpv FILE] [--image FILE] [--timeout S] [--max-time S]
#                    [--append ARGS] [--rss-limit KIB] [--no-regressions] [--logs DIR]
#                    SEEDS | FIRST..LAST | S1,S2,...
#
# --append adds to the guest's command line, e.g. hostile.end=halt (the
# ending: poweroff, status, triple-fault, exec-mmio, halt, spin, idle-halt).
# --rss-limit: hpv's memory beyond guest RAM, at most (16384 KiB; a
# sanitizer build needs more).
#
# A run has hung when the guest prints nothing for --timeout seconds (20
# nested, 10 direct; it prints a progress line every 32 actions per CPU)
# or is still going after --max-time (6 times that): hpv then gets
# SIGTERM, and SIGKILL 3 s later.
#
# SEEDS alone means 1..SEEDS. The regression list (selftests/hostile/
# regressions) runs first. Nested mode: one L1 boot runs every seed
# (run.sh --host-cmd); where the L1 host dies, a new one goes on from the
# seed it died in. Failing runs' logs stay in --logs (default
# build/hostile/logs; nested, their tails are printed instead), with the
# whole console of the run (console.log).
set -uo pipefail
# (HOSTILE_TOP: the checkout, for a copy of this script run from elsewhere
# so that the checkout's own copy can change during a long run)
top=${HOSTILE_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
self=$(realpath "$0")
build=$top/build
LOG_PREFIX="# "
. "$top/scripts/lib.sh"

hpv=$build/hpv image=$build/hostile/bzImage timeout="" max_time="" regressions=1 inner=0 append="" rss_limit_kib=16384 inner_mode=direct
logs=$build/hostile/logs
while [ $# -gt 0 ]; do
	case "$1" in
	--hpv | --image | --timeout | --max-time | --logs | --append | --rss-limit) need_value "$1" $# ;;
	esac
	case "$1" in
	--hpv) hpv=$(realpath "$2"); shift ;;
	--image) image=$(realpath "$2"); shift ;;
	--timeout) timeout=$2; shift ;;
	--max-time) max_time=$2; shift ;;
	--append) append=$2; shift ;;
	--rss-limit) rss_limit_kib=$2; shift ;;
	--logs) logs=$(realpath -m "$2"); shift ;;
	--no-regressions) regressions=0 ;;
	--inner) inner=1 ;;
	--mode) need_value "$1" $#; inner_mode=$2; shift ;;
	-*) usage_error "unknown option $1" ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 1 ] || usage_error "usage: hostile-guest.sh [options] SEEDS|FIRST..LAST|S1,S2,..."
spec=$1

# -- hpv's configuration for a seed: a small LCG of its own, so that a seed
# always means the same run --
lcg=0
lcg_next() { # lcg_next N: a number below N in $r
	lcg=$(((lcg * 1103515245 + 12345) % 2147483648))
	r=$(((lcg >> 8) % $1))
}
withhold_names=(pvclock pvipi pvtlb pvtimer pvidle pveoi pvtimerrec pvsteal pvpreempt pvspin pvyield pvvdso)
# the feature bit each --withhold name clears, and the bits the ABI offers
# only with it (docs/abi.md: the timer needs the pvclock, the record the timer)
withhold_bits=(0x02 0x04 0x08 0x10 0x20 0x40 0x80 0x100 0x200 0x400 0x800 0x1000)
withhold_implied=(0x1090 0 0 0x80 0 0 0 0 0 0 0 0)
# seed_config SEED: cfg_args (hpv options), cfg_desc, cfg_stdin, cfg_cpus,
# cfg_withheld and cfg_implied (feature bits --withhold takes, and those
# the ABI then cannot offer), cfg_wlist, cfg_nohpv
seed_config() {
	local w=() i
	lcg=$1
	lcg_next 7
	lcg_next 6; cfg_cpus=$((r < 2 ? 2 : r - 2)) # 1-4, two most often
	[ "$cfg_cpus" = 0 ] && cfg_cpus=4
	lcg_next 10
	case $r in
	0 | 1 | 2 | 3) cfg_mem=64M ;;
	4 | 5 | 6) cfg_mem=128M ;;
	7) cfg_mem=256M ;;
	8) cfg_mem=3584M ;; # RAM above 3 GiB moves to 4 GiB: two slots
	*) cfg_mem=4160M ;;
	esac
	lcg_next 5; cfg_timer=$([ "$r" -lt 3 ] && echo lapic || echo posix)
	lcg_next 5; cfg_route=$([ "$r" -lt 3 ] && echo kvm || echo user)
	cfg_withheld=0 cfg_implied=0 cfg_nohpv=0 cfg_wlist=""
	lcg_next 4
	if [ "$r" -eq 0 ]; then
		for i in "${!withhold_names[@]}"; do
			lcg_next 3
			if [ "$r" -eq 0 ]; then
				w+=("${withhold_names[$i]}")
				cfg_withheld=$((cfg_withheld | withhold_bits[i]))
				cfg_implied=$((cfg_implied | withhold_implied[i]))
			fi
		done
	fi
	lcg_next 20
	[ "$r" -eq 0 ] && cfg_nohpv=1
	lcg_next 2
	# input the guest never reads: more than the UART buffers (a file:
	# an endless source would only keep hpv's input thread busy)
	cfg_stdin=$([ "$r" -eq 0 ] && echo /dev/null || echo "$work/input")
	cfg_args=(--cpus "$cfg_cpus" --mem "$cfg_mem" --stats=kv)
	if [ "$cfg_nohpv" = 1 ]; then
		cfg_args+=(--no-hybridpv)
		cfg_desc="$cfg_cpus vCPUs, $cfg_mem, --no-hybridpv"
	else
		cfg_args+=(--pv-timer "$cfg_timer" --hypercall-route "$cfg_route")
		cfg_desc="$cfg_cpus vCPUs, $cfg_mem, $cfg_timer timer, $cfg_route route"
		if [ ${#w[@]} -gt 0 ]; then
			cfg_wlist=$(IFS=,; echo "${w[*]}")
			cfg_args+=(--withhold "$cfg_wlist")
			cfg_desc+=", without $(IFS=,; echo "${w[*]}")"
		fi
	fi
	[ "$cfg_stdin" != /dev/null ] && cfg_desc+=", input pending"
}

# -- the seeds --
expand_seeds() {
	local s
	case "$spec" in
	*..*) seq "${spec%%..*}" "${spec##*..}" ;;
	*,*) tr , '\n' <<<"$spec" ;;
	*) seq 1 "$spec" ;;
	esac | while read -r s; do
		[[ $s =~ ^[0-9]+$ ]] || usage_error "not a seed: '$s'"
		echo "seed $s"
	done
}
# the regression list: "seed N" or "case NAME", each with what it found
regression_items() {
	[ "$regressions" = 1 ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$top/selftests/hostile/regressions" 2>/dev/null |
		grep -E '^(seed [0-9]+|case [a-z0-9-]+( [-a-z0-9,=]+)*)$' | sed 's/^/regression /'
}

# Known hpv bugs, reported and not fixed yet: a run whose every problem
# matches one is "not ok ... # TODO" (visible, not a failure). A pattern
# (ERE) for the problem, a tab, the bug, and optionally a tab and a
# pattern the run's configuration must match. Remove an entry when the
# fix lands.
known=()

stamp() { # stamp VAR: the time in ms (no fork: forks are slow on a loaded machine)
	local t=${EPOCHREALTIME/./}
	printf -v "$1" %d $((t / 1000))
}

# ======================= inner: runs hpv, one seed at a time ==================
# Prints "hostile-start ITEM", diagnostics ("# ..."), then
# "hostile-result ok|fail|todo ITEM|SUMMARY" per item and "hostile-done".

# lines hpv prints at start on some hosts: not the run's business
expected_info="^hpv: (sandbox off: |KVM keeps no steal-time record|KVM refuses PV EOI|KVM has no TSC-deadline timer|KVM.s synthetic timers are unavailable)"

# what the guest printed, as "KEY<tab>VALUE" lines (one pass: inside the
# emulated L1 host every process costs)
summarize_out() {
	awk '
	/^hostile: GUEST FAILURE/ && !gf { gf = 1; print "guest_fail\t" $0 }
	/^hostile: end=/ && !e { e = 1; print "end\t" substr($2, 5); if ($3 ~ /^value=/) print "value\t" substr($3, 7) }
	/^hostile: (kvm-pv-msrs|hyperv-msrs|hpv-unknown-msrs) / { print "cls\t" $2 "\t" substr($3, 8) "\t" substr($4, 4) }
	/^hostile: kvm-pv-msr-writes/ && !k { k = 1; print "kvmpv\t" $0 }
	/^hostile: abi mismatches=/ && !a { a = 1; print "abi\t" substr($3, 12) "\t" substr($4, 19) }
	# (after the summary: APs that keep attacking, cut off by the end)
	/^hostile: mismatch / && !a { print "mm\t" substr($0, 19) }
	/^hostile: cpus=/ && !c { c = 1; print "cpus\t" $0 }
	/^hostile: abi hybridpv=/ && !f { f = 1; print "feat\t" $0 }
	/^hostile: / && !/^hostile: progress/ { last = $0 }
	END { print "last\t" last }' "$1"
}

summarize_err() {
	awk '
	{ sub(/\r/, "") }
	/^hpv: / { print "hpv\t" $0 }
	/runtime error:|AddressSanitizer|LeakSanitizer|ThreadSanitizer|UndefinedBehaviorSanitizer/ && !s { s = 1; print "san\t" $0 }
	/^hpv-stat: end=/ { print "stat_end\t" substr($0, 15) }
	/^hpv-stat: vmm_rss_kib=/ { print "rss\t" substr($0, 23) }' "$1"
}

nap() { read -r -t "$1" -u "$nap_fd" _ || :; } # sleep without a fork

# thread_states PID: where each of hpv's threads is, as
# "STATE:WCHAN:SYSCALL(ARG0,ARG1)" from /proc (a hang's evidence, taken
# before the SIGTERM that may end it; KVM_RUN is 16(FD,0xae80))
thread_states() {
	local t st wchan sc a1 a2 out=""
	for t in /proc/"$1"/task/*; do
		read -r st <"$t/stat" 2>/dev/null || continue
		st=${st##*) }
		wchan=""
		{ read -r wchan <"$t/wchan"; } 2>/dev/null || [ -n "$wchan" ] || wchan="?" # (no newline)
		sc="?" a1="" a2=""
		read -r sc a1 a2 _ <"$t/syscall" 2>/dev/null
		out+="${out:+ }${st%% *}:${wchan:-0}:$sc${a2:+($a1,$a2)}"
	done
	echo "${out:-gone}"
}

# poke_cpus: run a task on each CPU of this (L1) host. Scheduling it
# sends an idle CPU an IPI, and a CPU woken so runs the timers it slept
# through: a CPU that the emulation let sleep past its timer interrupt
# (with a vCPU's LAPIC or PIT timer queued there) lets that vCPU go on.
# Nothing of hpv's is touched.
poke_cpus() {
	local cpu
	for cpu in $(seq 0 $(($(nproc) - 1))); do
		taskset -c "$cpu" true 2>/dev/null
	done
}

# emulation_artefact: with run_once's problems, lines, st and end_mode,
# the artefact of the nested emulation that explains every problem of the
# run, if one does (death_cause's names where it has one)
emulation_artefact() {
	local p
	if [ ${#problems[@]} = 1 ] && [[ ${problems[0]} =~ ^([0-9]+)\ ms\ from\ SIGTERM\ to\ exit ]]; then
		echo "L1 host slow: ${BASH_REMATCH[1]} ms from SIGTERM to exit"
	elif [ ${#problems[@]} = 1 ] && [[ ${problems[0]} =~ ^hang:\ .*the\ L1\ host\ stalled ]]; then
		echo "L1 host stood still"
	elif [ ${#problems[@]} = 1 ] && [[ ${problems[0]} =~ ^stall:\ .*until\ the\ harness\ woke\ L1.s\ CPUs ]]; then
		echo "an L1 CPU slept through its timer"
	elif [ "$st" = 3 ] && [ "$end_mode" != triple-fault ] && [ ${#lines[@]} = 1 ] &&
		[[ ${lines[0]} =~ ^hpv:\ vCPU\ [0-9]+:\ triple\ fault,\ the\ guest\ resets$ ]]; then
		# a reset the guest did not ask for, before or after its end line
		for p in "${problems[@]}"; do
			[[ $p =~ ^(the\ guest\ never\ reached\ its\ end\ \(status\ 3\;|exit\ status\ 3,\ |hpv-stat\ end=triple-fault,\ ) ]] ||
				return 0
		done
		echo "guest triple fault"
	fi
}

run_once() { # run_once KIND ARG: one run; its result in run_verdict, run_desc, run_artefact
	local kind=$1 arg=$2 cmdline out err st t0 t1 term_ms=0 elapsed end_mode="" value=""
	local i pid killed=0 timed_out=0 seen_end=0 lines=() problems=() stat_end="" stat_rss="" hang_threads="" quiet_threads=""
	local poked=0 poke_threads="" woke_ms=""
	local want="" want_end="" nlines=0 new_lines last_out poll k v1 v2 v3 n
	local guest_fail="" san="" abi_n="" restarts="" cpus_line="" feat_line="" last_line="" kvmpv=""
	local -a cls=() mms=()
	if [ "$kind" = case ]; then
		# a fixed sequence (attack_case()), with the hpv options its line gives
		local name=${arg%% *} opts=() o
		[ "$name" != "$arg" ] && read -ra opts <<<"${arg#* }"
		seed_config 1
		cfg_args=(--cpus 2 --mem 128M --stats=kv "${opts[@]}")
		cfg_desc="2 vCPUs, 128M, lapic timer, kvm route${opts:+, ${opts[*]}}"
		cfg_withheld=0 cfg_implied=0 cfg_nohpv=0 cfg_stdin=/dev/null cfg_cpus=2 cfg_wlist=""
		for o in "${!opts[@]}"; do
			[ "${opts[$o]}" = --withhold ] || continue
			cfg_wlist=${opts[$((o + 1))]}
			for i in "${!withhold_names[@]}"; do
				[[ ,$cfg_wlist, == *,${withhold_names[$i]},* ]] || continue
				cfg_withheld=$((cfg_withheld | withhold_bits[i]))
				cfg_implied=$((cfg_implied | withhold_implied[i]))
			done
		done
		cmdline="hostile.seed=1 hostile.case=$name${append:+ $append}"
	else
		seed_config "$arg"
		cmdline="hostile.seed=$arg${append:+ $append}"
	fi
	out=$work/out err=$work/err
	echo "hostile-start $kind $arg"
	stamp t0
	"$hpv" --kernel "$image" --cmdline "$cmdline" "${cfg_args[@]}" <"$cfg_stdin" >"$out" 2>"$err" &
	pid=$!
	last_out=$t0
	# every 0.2 s: has it ended, printed its end line, or stopped printing?
	# (the loop is also the L1 host's heartbeat: nested, a gap of seconds
	# between two of its 0.2 s turns is the host standing still, not hpv)
	local prev_t1=$t0 gap_ms=0
	while nap 0.2; kill -0 "$pid" 2>/dev/null; do
		stamp t1
		[ $((t1 - prev_t1)) -gt "$gap_ms" ] && gap_ms=$((t1 - prev_t1))
		prev_t1=$t1
		poll=$(awk '/^hostile: / { n++ } /^hostile: end=/ && !e { e = substr($2, 5) } END { print n + 0, e }' "$out")
		new_lines=${poll%% *}
		if [ "$new_lines" != "$nlines" ]; then
			nlines=$new_lines last_out=$t1 quiet_threads=""
			[ "$poked" != 0 ] && [ -z "$woke_ms" ] && woke_ms=$((t1 - poked))
		fi
		# halfway to a hang: where hpv's threads are while it lasts; nested,
		# then wake the L1 host's CPUs once (poke_cpus): output that comes
		# back right after it was held up by a sleeping L1 CPU, not by hpv
		if [ -z "$quiet_threads" ] && [ $((t1 - last_out)) -ge $((timeout * 500)) ]; then
			quiet_threads=$(thread_states "$pid")
			if [ "$HARNESS_MODE" = nested ] && [ "$poked" = 0 ]; then
				poke_threads=$quiet_threads
				poke_cpus
				stamp poked
			fi
		fi
		if [ "$seen_end" = 0 ] && [ -n "${poll#* }" ]; then
			seen_end=$t1
			end_mode=${poll#* }
		fi
		# a guest that halts for ever: hpv must go at SIGTERM, within 1 s
		if [ "$seen_end" != 0 ] && [[ $end_mode =~ ^(halt|spin|idle-halt)$ ]] &&
			[ $((t1 - seen_end)) -ge "$halt_wait_ms" ]; then
			break
		elif [ $((t1 - last_out)) -ge $((timeout * 1000)) ]; then
			timed_out="the guest printed nothing for $timeout s"
			break
		elif [ $((t1 - t0)) -ge $((max_time * 1000)) ]; then
			timed_out="still running after $max_time s"
			break
		fi
	done
	if [ "$timed_out" != 0 ]; then
		hang_threads="after $((timeout / 2)) s of silence: ${quiet_threads:-none}; at the timeout: $(thread_states "$pid")"
		grep -q '^hpv-stat: end=' "$err" && hang_threads+=", its --stats out"
	fi
	if kill -0 "$pid" 2>/dev/null; then
		# SIGTERM; SIGKILL 3 s later if that did nothing. The time to the
		# exit is measured by a blocking wait, not by polling.
		stamp term_ms
		kill -TERM "$pid"
		(sleep 3 && kill -KILL "$pid" 2>/dev/null && : >"$work/killed") &
		local killer=$!
		wait "$pid"
		st=$?
		stamp t1
		kill "$killer" 2>/dev/null
		wait "$killer" 2>/dev/null
		[ -e "$work/killed" ] && killed=1
		rm -f "$work/killed"
	else
		wait "$pid"
		st=$?
		stamp t1
	fi
	elapsed=$((t1 - t0))

	while IFS=$'\t' read -r k v1 v2 v3; do
		case "$k" in
		guest_fail) guest_fail=$v1 ;;
		end) end_mode=$v1 ;;
		value) value=$v1 ;;
		cls) cls+=("$v1 $v2 $v3") ;;
		kvmpv) kvmpv=$v1 ;;
		abi) abi_n=$v1 restarts=$v2 ;;
		mm) mms+=("$v1") ;;
		cpus) cpus_line=$v1 ;;
		feat) feat_line=$v1 ;;
		last) last_line=$v1 ;;
		esac
	done <<<"$(summarize_out "$out")"
	while IFS=$'\t' read -r k v1; do
		case "$k" in
		hpv)
			# besides the host-dependent start-up notices
			[[ $v1 =~ $expected_info ]] && continue
			lines+=("$v1")
			echo "${v1//[0-9]/N}" >>"$work/hpv-lines" ;;
		san) san=$v1 ;;
		stat_end) stat_end=$v1 ;;
		rss) stat_rss=$v1 ;;
		esac
	done <<<"$(summarize_err "$err")"

	# -- the checks --
	[ -n "$guest_fail" ] && problems+=("the image itself failed (${guest_fail#hostile: })")
	if [ "$killed" = 1 ]; then
		problems+=("hpv ignored SIGTERM: killed 3 s after it")
	elif [ "$timed_out" != 0 ]; then
		if [ "$gap_ms" -ge 5000 ]; then
			problems+=("hang: $timed_out, and the harness itself stood still for $((gap_ms / 1000)) s: the L1 host stalled (SIGTERM: status $st; last: $last_line)")
		else
			problems+=("hang: $timed_out (hpv's threads $hang_threads; $([ "$term_ms" = 0 ] && echo "it ended by itself then" || echo SIGTERM): status $st; last: $last_line)")
		fi
	fi
	# output held up until L1's CPUs were woken: not a pass, though hpv went on
	[ -n "$woke_ms" ] && [ "$woke_ms" -le 2000 ] &&
		problems+=("stall: the guest printed nothing for $((timeout / 2)) s, until the harness woke L1's CPUs; its output came $woke_ms ms after (hpv's threads then: $poke_threads)")
	[ -n "$woke_ms" ] && [ "$woke_ms" -gt 2000 ] &&
		problems+=("stall: the guest printed nothing for $((timeout / 2)) s, and went on $woke_ms ms after the harness woke L1's CPUs (hpv's threads then: $poke_threads)")
	# a signal we did not send (a guest's own status may be above 128 too)
	if [ "$term_ms" = 0 ] && [ "$st" -gt 128 ] && ! { [ "$end_mode" = status ] && [ "$st" = "$value" ]; }; then
		problems+=("hpv died of signal $((st - 128))")
	fi
	if [ -z "$end_mode" ] && [ "$timed_out" = 0 ]; then
		problems+=("the guest never reached its end (status $st; last: $last_line)")
	fi
	case "$end_mode" in
	poweroff) want=0 want_end=poweroff ;;
	status) want=$value want_end=status ;;
	triple-fault) want=3 want_end=triple-fault ;;
	exec-mmio) want=1 want_end=error ;; # KVM cannot emulate it: hpv's "VM failed"
	halt | spin | idle-halt) want=143 want_end=user ;;
	esac
	if [ -n "$want" ] && [ "$timed_out" = 0 ] && [ "$killed" = 0 ]; then
		[ "$st" != "$want" ] && ! { [ "$term_ms" = 0 ] && [ "$st" -gt 128 ] && [ "$end_mode" != status ]; } &&
			problems+=("exit status $st, $end_mode wants $want")
		if [ "$want" = 143 ] && [ "$term_ms" != 0 ] && [ $((t1 - term_ms)) -gt 1000 ]; then
			problems+=("$((t1 - term_ms)) ms from SIGTERM to exit (at most 1000)")
		fi
		[ "$stat_end" = "$want_end" ] || problems+=("hpv-stat end=${stat_end:-none}, $end_mode wants $want_end")
	fi
	[ -n "$san" ] && problems+=("sanitizer: $san")
	if [ ${#lines[@]} -gt 1 ]; then
		problems+=("${#lines[@]} lines from hpv: $(printf '%s | ' "${lines[@]:0:3}")")
	elif [ "$end_mode" = triple-fault ] && [ "$st" = 3 ] &&
		! [[ ${lines[0]:-} =~ ^hpv:\ vCPU\ [0-9]+:\ triple\ fault,\ the\ guest\ resets$ ]]; then
		problems+=("a triple fault without hpv's one line (got: ${lines[0]:-nothing})")
	elif [ "$end_mode" = exec-mmio ] && [ "$st" = 1 ] &&
		! [[ ${lines[0]:-} =~ ^hpv:\ vCPU\ [0-9]+:\ KVM\ internal\ error ]]; then
		problems+=("a failed vCPU without hpv's one line (got: ${lines[0]:-nothing})")
	fi
	# memory
	if [ -z "$stat_rss" ]; then
		[ "$killed" = 0 ] && problems+=("no vmm_rss_kib in --stats")
	elif [ "$stat_rss" -ge "$rss_limit_kib" ]; then
		problems+=("hpv used ${stat_rss} KiB beyond guest RAM (limit $rss_limit_kib)")
	fi
	# what the guest saw
	if [ -n "$end_mode" ]; then
		local c name w g which ent
		for c in kvm-pv-msrs hyperv-msrs hpv-unknown-msrs; do
			w="" g=""
			for ent in "${cls[@]}"; do
				read -r name n i <<<"$ent"
				[ "$name" = "$c" ] && w=$n g=$i
			done
			if [ -z "$w" ]; then
				problems+=("no $c summary")
			elif [ "$w" != "$g" ]; then
				which=""
				if [ "$c" = kvm-pv-msrs ]; then
					# KVM's own, by MSR: which ones were left open
					for ent in ${kvmpv#hostile: kvm-pv-msr-writes}; do
						n=${ent#*=} i=${n#*/} n=${n%/*}
						[ "$n" != "$i" ] && which+="${which:+, }${ent%%=*} $((n - i)) of $n"
					done
					which=" ($which)"
				fi
				problems+=("$((w - g)) of $w writes to $c accepted$which, all must #GP")
			fi
		done
		# the guest restarts its PIT watchdog where it found it stopped:
		# an interrupt was lost on the way
		[ "${restarts:-0}" != 0 ] && problems+=("the guest's watchdog stopped $restarts times: an interrupt was lost")
		if [ -z "$abi_n" ]; then
			problems+=("no mismatch count")
		elif [ "$abi_n" != 0 ]; then
			# (the guest prints 24 at most: the rest cannot be told apart)
			problems+=("${mms[@]}")
			[ "$abi_n" -gt ${#mms[@]} ] && problems+=("$((abi_n - ${#mms[@]})) mismatches not printed")
		fi
		# every vCPU in the MADT, and every AP the guest started, running
		[[ $cpus_line =~ cpus=([0-9]+)\ online=([0-9]+)\ asked=([0-9]+) ]] &&
			{ [ "${BASH_REMATCH[1]}" = "$cfg_cpus" ] && [ "${BASH_REMATCH[2]}" = "${BASH_REMATCH[3]}" ]; } ||
			problems+=("not every vCPU came up: '${cpus_line:-no cpus line}' for --cpus $cfg_cpus")
		if [[ $feat_line =~ hybridpv=([01])\ features=0x([0-9a-f]+) ]]; then
			local f=$((0x${BASH_REMATCH[2]}))
			[ "${BASH_REMATCH[1]}" = $((1 - cfg_nohpv)) ] ||
				problems+=("hybridpv=${BASH_REMATCH[1]} with$([ "$cfg_nohpv" = 1 ] || echo out) --no-hybridpv")
			[ $((f & cfg_withheld)) = 0 ] ||
				problems+=("--withhold $cfg_wlist: features 0x${BASH_REMATCH[2]} still offer 0x$(printf %x $((f & cfg_withheld)))")
			[ $((f & cfg_implied & ~cfg_withheld)) = 0 ] ||
				problems+=("--withhold $cfg_wlist: features 0x${BASH_REMATCH[2]} offer 0x$(printf %x $((f & cfg_implied & ~cfg_withheld))), which the ABI offers only with what was withheld")
		fi
	fi

	# -- the verdict --
	local verdict=ok desc todo="" p unknown=0
	if [ ${#problems[@]} -eq 0 ]; then
		desc="${end_mode}${value:+ $value}, status $st ($cfg_desc; $((elapsed / 1000)).$((elapsed % 1000 / 100)) s)"
	else
		for p in "${problems[@]}"; do
			local hit=""
			for k in "${known[@]}"; do
				local kre=${k%%$'\t'*} kbug=${k#*$'\t'} kcfg=""
				[[ $kbug == *$'\t'* ]] && kcfg=${kbug#*$'\t'} kbug=${kbug%%$'\t'*}
				[[ $p =~ $kre ]] && [[ $cfg_desc =~ $kcfg ]] && hit=$kbug
			done
			if [ -n "$hit" ]; then
				[[ $todo == *"$hit"* ]] || todo+="${todo:+; }$hit"
			else
				unknown=1
			fi
		done
		# every problem is classified; the first four are shown
		desc=$(printf '%s; ' "${problems[@]:0:4}")
		[ ${#problems[@]} -gt 4 ] && desc+="and $((${#problems[@]} - 4)) more; "
		desc="${desc%; } ($cfg_desc)"
		verdict=$([ "$unknown" = 1 ] && echo fail || echo todo)
	fi
	if [ "$verdict" != ok ]; then
		echo "# $kind $arg: ${hpv#"$top"/} --kernel ${image#"$top"/} --cmdline '$cmdline' ${cfg_args[*]} <$cfg_stdin"
		echo "# status $st after ${elapsed} ms; the guest's last lines:"
		grep -a '^hostile: ' "$out" | grep -av '^hostile: progress' | tail -n 12 | sed 's/^/#   /'
		echo "# hpv's stderr:"
		grep -av '^hpv-stat: vcpu' "$err" | tail -n 12 | sed 's/^/#   /'
		if [ -n "$keep_dir" ]; then
			mkdir -p "$keep_dir" && cp "$out" "$keep_dir/$kind-$arg.out" && cp "$err" "$keep_dir/$kind-$arg.err" &&
				echo "# logs: $keep_dir/$kind-$arg.out, .err"
		fi
	fi
	rm -f "$out" "$err"
	run_verdict=$verdict run_desc=$desc run_todo=$todo run_cpus=$cfg_cpus run_nohpv=$cfg_nohpv
	run_artefact=""
	[ "$verdict" != ok ] && run_artefact=$(emulation_artefact)
	return 0
}
artefact_of_run() { [ -n "$run_artefact" ] && echo "$run_artefact"; }

# run_item KIND ARG: run_once, repeated by the one retry policy (scripts/
# lib.sh: nested only, at most three times, each repeat printed) where the
# run's every problem is an artefact of the nested emulation: an
# overloaded L1 host can delay an exit past 1 s on its own (its CPUs run
# at a fraction of a host core's speed), an L1 host that stands still for
# seconds stops the run with it (the poll loop saw the gap), and the
# emulated SVM now and then resets a guest that asked for no reset (hpv
# still ends as documented, status 3 and its one line, but the attack was
# cut short). A repeat must pass on its own. "hostile-stat" gives the
# outer loop the run's vCPUs and repeats, for its tally.
run_item() {
	local kind=$1 arg=$2 causes=""
	RETRIED=()
	retry_nested --cause artefact_of_run "$kind $arg" 3 "" run_once "$kind" "$arg"
	if [ ${#RETRIED[@]} -gt 0 ]; then
		causes=$(printf '%s, ' "${RETRIED[@]#"$kind $arg ("}")
		causes=${causes//), /, }
		causes=${causes%, }
		causes=${causes%)}
		run_desc+=" (repeated ${#RETRIED[@]} times, after: $causes)"
	fi
	[ "$run_verdict" = todo ] && run_desc+=" # TODO known hpv bug: $run_todo"
	echo "hostile-stat $kind $arg|$run_cpus|$run_nohpv|${#RETRIED[@]}|$causes"
	echo "hostile-result $run_verdict $kind $arg|$run_desc"
}

inner_main() {
	local kind arg
	work=$(mktemp -d "${TMPDIR:-/tmp}/hostile.XXXXXX") || exit 1
	trap 'rm -rf "$work"' EXIT
	: >"$work/hpv-lines"
	head -c 65536 /dev/urandom >"$work/input"
	mkfifo "$work/nap" && exec {nap_fd}<>"$work/nap"
	while read -r kind arg; do
		[ "$kind" = regression ] && { kind=${arg%% *}; arg=${arg#* }; }
		run_item "$kind" "$arg"
	done <<<"$(tr ',' '\n' <<<"$inner_items" | sed 's/:/ /g')"
	# what hpv said on stderr, over all runs (digits as N)
	sort "$work/hpv-lines" | uniq -c | sort -rn | sed 's/^ *\([0-9]*\) /# hpv line seen in \1 runs: /'
	echo "hostile-done"
}

if [ "$inner" = 1 ]; then
	inner_items=$spec HARNESS_MODE=$inner_mode HARNESS_WHY="--mode $inner_mode"
	timeout=${timeout:-20}
	max_time=${max_time:-$((timeout * 6))}
	halt_wait_ms=${HOSTILE_HALT_WAIT_MS:-2000}
	keep_dir=${HOSTILE_KEEP_DIR:-}
	inner_main
	exit 0
fi

# ======================= outer: TAP, and the L1 host in nested mode ===========
for f in "$hpv" "$image"; do
	[ -r "$f" ] || usage_error "$f is missing (make vmm hostile)"
done
harness_mode
mode=$HARNESS_MODE
items=()
while read -r line; do items+=("$line"); done < <(regression_items; expand_seeds)
[ ${#items[@]} -gt 0 ] || usage_error "no seeds"
[ "$mode" = nested ] && timeout=${timeout:-20} || timeout=${timeout:-10}
max_time=${max_time:-$((timeout * 6))}
rm -rf "$logs"
mkdir -p "$logs"

ntap=0 passed=0 failed=0 todo=0 l1_boots=0 l1_deaths=0 start_s=$SECONDS
declare -A done_item=() deaths_of=() runs_by_cpus=() tf_by_cpus=() repeats_by_cause=()
nohpv_runs=0 nohpv_tf=0 repeated_runs=0
# tally ITEM|CPUS|NOHPV|REPEATS|CAUSES (a hostile-stat line): which runs the
# emulation's triple faults hit, by vCPU count and with the ABI off
tally() {
	local cpus nohpv n causes c tf=0
	IFS='|' read -r _ cpus nohpv n causes <<<"$1"
	runs_by_cpus[$cpus]=$((${runs_by_cpus[$cpus]:-0} + 1))
	[ "$nohpv" = 1 ] && nohpv_runs=$((nohpv_runs + 1))
	[ "$n" -gt 0 ] && repeated_runs=$((repeated_runs + 1))
	while read -r c; do
		[ -n "$c" ] || continue
		repeats_by_cause[$c]=$((${repeats_by_cause[$c]:-0} + 1))
		[ "$c" = "guest triple fault" ] && tf=$((tf + 1))
	done <<<"${causes//, /$'\n'}"
	tf_by_cpus[$cpus]=$((${tf_by_cpus[$cpus]:-0} + tf))
	[ "$nohpv" = 1 ] && nohpv_tf=$((nohpv_tf + tf))
}
repeat_report() {
	local c k list="" by=""
	for c in "${!repeats_by_cause[@]}"; do list+="${list:+, }$c ${repeats_by_cause[$c]}"; done
	for k in $(printf '%s\n' "${!runs_by_cpus[@]}" | sort -n); do
		by+="${by:+, }$k vCPUs ${tf_by_cpus[$k]:-0} in ${runs_by_cpus[$k]}"
	done
	echo "# hostile guest: $repeated_runs runs repeated after an artefact of the nested emulation${list:+ ($list)}"
	echo "# hostile guest: unasked triple faults by vCPU count (faults in runs): ${by:-none}; with --no-hybridpv $nohpv_tf in $nohpv_runs"
}
emit() { # emit ITEM VERDICT DESCRIPTION
	local what=$1 v=$2 d=$3
	ntap=$((ntap + 1))
	case "$what" in
	"regression "*) what="regression ${what#regression }" ;;
	esac
	case "$v" in
	ok) passed=$((passed + 1)); echo "ok $ntap - hostile guest $what: $d" ;;
	todo) todo=$((todo + 1)); echo "not ok $ntap - hostile guest $what: $d" ;;
	*) failed=$((failed + 1)); echo "not ok $ntap - hostile guest $what: $d" ;;
	esac
}

# item_of NAME ITEM...: the item the inner run calls NAME ("seed 5" for
# "regression seed 5" too)
item_of() {
	local name=$1 x it=$1
	shift
	for x in "$@"; do
		[ "${x#regression }" = "$name" ] && it=$x
	done
	echo "$it"
}

# run_batch ITEM...: one L1 boot (or, direct, one inner run) for these;
# records each result; returns 0 if the batch reached its end
run_batch() {
	local list line verdict rest it d current="" out_log=$logs/console.log st
	list=$(printf '%s,' "$@" | sed 's/ /:/g; s/,$//')
	local inner_cmd=(env HOSTILE_TOP="$top" "$self" --inner --mode "$mode" --hpv "$hpv" --image "$image" --timeout "$timeout"
		--max-time "$max_time" --append "$append" --rss-limit "$rss_limit_kib" "$list")
	if [ "$mode" = nested ]; then
		l1_boots=$((l1_boots + 1))
		# the L1 host gets 1 GiB: the guests' RAM is mostly never touched
		cmd=("$top/scripts/run.sh" --no-announce --mem 512M --cpus 2 --host-cmd "$(printf '%q ' "${inner_cmd[@]}")")
	else
		cmd=(env HOSTILE_KEEP_DIR="$logs" "${inner_cmd[@]}")
	fi
	local finished=1
	: >"$out_log"
	while IFS= read -r line; do
		line=${line%$'\r'}
		echo "$line" >>"$out_log"
		case "$line" in
		"hostile-start "*) current=${line#hostile-start } ;;
		"hostile-result "*)
			rest=${line#hostile-result }
			verdict=${rest%% *}
			rest=${rest#* }
			it=$(item_of "${rest%%|*}" "$@")
			d=${rest#*|}
			done_item[$it]=1
			emit "$it" "$verdict" "$d"
			current="" ;;
		"hostile-stat "*) tally "${line#hostile-stat }" ;;
		"hostile-done") finished=0 ;;
		"#"*) echo "$line" ;;
		*) [ -n "$line" ] && echo "# $line" ;;
		esac
	done < <("${cmd[@]}" 2>&1)
	[ "$finished" = 0 ] && return 0
	[ -n "$current" ] && current=$(item_of "$current" "$@")
	if [ "$mode" = nested ] && death_cause "$out_log" l1 >/dev/null; then
		# the L1 host died (or hung): a new one goes on from where it was
		l1_deaths=$((l1_deaths + 1))
		echo "# the L1 host died ($(death_cause "$out_log" l1)) during ${current:-its boot}; a new one goes on"
		[ -z "$current" ] && return 1
		deaths_of[$current]=$((${deaths_of[$current]:-0} + 1))
		if [ "${deaths_of[$current]}" -ge 3 ]; then
			done_item[$current]=1
			emit "$current" fail "the L1 host died in each of 3 runs of it"
		fi
	elif [ -n "$current" ]; then
		done_item[$current]=1
		emit "$current" fail "the harness lost it: no result (see ${out_log#"$top"/})"
	else
		echo "# the harness ended without a result: $(tail -n 3 "$out_log" | tr '\n' ' ')"
	fi
	return "$finished"
}

echo "TAP version 13"
echo "# hostile guest: ${#items[@]} runs, $mode mode ($HARNESS_WHY), hpv $hpv"
# Nested, an L1 host that dies takes its batch with it: retry_nested
# (scripts/lib.sh) starts a new one for the items left, as often as there
# are items, each of which fails after three deaths of its own (run_batch).
all_done() {
	local it
	for it in "${items[@]}"; do
		[ -n "${done_item[$it]:-}" ] || return 1
	done
}
run_left() {
	local it left=()
	for it in "${items[@]}"; do
		[ -n "${done_item[$it]:-}" ] || left+=("$it")
	done
	run_batch "${left[@]}"
}
retry_nested --l1-only --done all_done "hostile guest batch" $((3 * ${#items[@]})) "$logs/console.log" run_left
for it in "${items[@]}"; do
	[ -n "${done_item[$it]:-}" ] || emit "$it" fail "not run: the L1 host kept dying"
done
wall=$((SECONDS - start_s))
echo "1..$ntap"
nseeds=$(printf '%s\n' "${items[@]}" | grep -c '^seed ')
echo "# hostile guest: $nseeds seeds and $((ntap - nseeds)) regressions in $wall s ($(awk -v w="$wall" -v n="$ntap" 'BEGIN{printf "%.1f", w/n}') s each): $passed passed, $failed failed, $todo known hpv bugs (TODO)"
[ "$mode" = nested ] && repeat_report
[ "$mode" = nested ] && echo "# hostile guest: $l1_boots L1 boots, $l1_deaths L1 deaths (an artefact of the nested emulation: the run it died in was repeated)"
[ "$failed" -eq 0 ]
