#!/bin/sh
# Run every in-guest selftest, one process each, in kselftest runner TAP.
cd /selftests || exit 1
# ash gives the left side of a pipeline /dev/null for stdin: keep the console.
exec 3<&0
tests=$(ls | grep -v '\.sh$')
echo "TAP version 13"
echo "1..$(echo $tests | wc -w)"
i=0 failed=0
for t in $tests; do
	i=$((i + 1))
	echo "# selftests: guest: $t"
	{ ./$t 2>&1 <&3; echo $? >/tmp/rc.$t; } | sed 's/^/# /'
	rc=$(cat /tmp/rc.$t)
	case $rc in
	0) echo "ok $i selftests: guest: $t" ;;
	4) echo "ok $i selftests: guest: $t # SKIP" ;;
	*) echo "not ok $i selftests: guest: $t # exit=$rc"; failed=1 ;;
	esac
done
exit $failed
