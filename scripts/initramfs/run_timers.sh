#!/bin/sh
# Upstream's timers kselftest, its non-destructive set, in kselftest
# runner TAP: one process per test, its output commented. With
# HPV_LATENCY_BOUND_WAIVED=1 (nested under TCG, where the host's own
# scheduling exceeds upstream's 40 ms bound), a test whose only failures
# are latency lines is a skip naming its worst latency; a timer that
# fired early, or any other failure, still fails.
cd /kselftest/timers || exit 1
tests="posix_timers nanosleep nsleep-lat set-timer-lat mqueue-lat inconsistency-check raw_skew threadtest rtcpie"
echo "TAP version 13"
echo "1..$(echo $tests | wc -w)"
i=0 failed=0
for t in $tests; do
	i=$((i + 1))
	echo "# selftests: timers: $t"
	./$t >/tmp/timers.$t 2>&1
	rc=$?
	sed 's/^/# /' /tmp/timers.$t
	case $rc in
	0) echo "ok $i selftests: timers: $t" ;;
	4) echo "ok $i selftests: timers: $t # SKIP" ;;
	*)
		fails=$(grep -c 'FAILED' /tmp/timers.$t)
		latency=$(grep 'FAILED' /tmp/timers.$t | grep -c 'latency')
		early=$(grep 'fired early' /tmp/timers.$t | grep -vc 'early: *0 ')
		if [ "${HPV_LATENCY_BOUND_WAIVED:-0}" = 1 ] && [ "$fails" -gt 0 ] &&
			[ "$fails" = "$latency" ] && [ "$early" = 0 ]; then
			worst=$(grep 'latency: *[0-9]' /tmp/timers.$t | sed 's/.*latency: *\([0-9]*\) ns.*/\1/' | sort -n | tail -1)
			echo "ok $i selftests: timers: $t # SKIP latency bound only, nested: worst $worst ns"
		else
			echo "not ok $i selftests: timers: $t # exit=$rc"
			failed=1
		fi ;;
	esac
done
# the clockevent the tests ran on
cat /sys/hypervisor/features 2>/dev/null | grep '^pvtimer'
echo "clockevent: $(cat /sys/devices/system/clockevents/clockevent0/current_device)"
exit $failed
