#!/usr/bin/env bash
# Table of bad inputs to build/hpv: each must give exit status 2 and exactly
# one line on stderr, before any guest runs.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
hpv=$top/build/hpv
k=$top/build/bzImage
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c 8192 "$k" >"$tmp/truncated"
# the setup code whole, the payload its header promises cut in half
head -c $(($(stat -c %s "$k") / 2)) "$k" >"$tmp/half"
truncate -s 60M "$tmp/big-initrd"
echo hello >"$tmp/text"
touch "$tmp/unreadable" && chmod 000 "$tmp/unreadable"

cases=(
	"missing kernel|--kernel $tmp/nope"
	"kernel is a directory|--kernel $tmp"
	"kernel is not a bzImage|--kernel $tmp/text"
	"kernel is truncated|--kernel $tmp/truncated"
	"kernel payload is truncated|--kernel $tmp/half"
	"unknown timer|--kernel $k --pv-timer fast"
	"unknown feature to withhold|--kernel $k --withhold pvfast"
	"missing initrd|--kernel $k --initrd $tmp/nope"
	"initrd does not fit|--kernel $k --mem 64M --initrd $tmp/big-initrd"
	"too little memory|--kernel $k --mem 32M"
	"memory not a size|--kernel $k --mem lots"
	"zero CPUs|--kernel $k --cpus 0"
	"too many CPUs|--kernel $k --cpus 300"
	"CPUs not a number|--kernel $k --cpus two"
	"no kernel given|--cpus 2"
	"option missing its value|--kernel"
	"unknown option|--kernel $k --bogus"
	"unknown hypercall route|--kernel $k --hypercall-route fast"
)
[ "$(id -u)" -ne 0 ] && cases+=("unreadable kernel|--kernel $tmp/unreadable")

n=${#cases[@]}
unshare_ok=0
unshare -m true 2>/dev/null && unshare_ok=1
echo "TAP version 13"
echo "1..$((n + 2))"
i=0
for c in "${cases[@]}"; do
	i=$((i + 1))
	name=${c%%|*}
	read -ra args <<<"${c#*|}"
	err=$("$hpv" "${args[@]}" 2>&1 >/dev/null </dev/null)
	rc=$?
	lines=$(printf '%s' "$err" | grep -c .)
	if [ $rc -eq 2 ] && [ "$lines" -eq 1 ]; then
		echo "ok $i $name: $err"
	else
		echo "not ok $i $name: exit $rc, $lines lines: $err"
	fi
done
i=$((i + 1))
# /dev/kvm that is not KVM: hide it behind /dev/null in a private mount namespace.
if [ $unshare_ok -eq 1 ]; then
	err=$(unshare -m sh -c "mount --bind /dev/null /dev/kvm && exec $hpv --kernel $k" 2>&1 >/dev/null </dev/null)
	rc=$?
	if [ $rc -eq 2 ] && [ "$(printf '%s' "$err" | grep -c .)" -eq 1 ]; then
		echo "ok $i /dev/kvm unusable: $err"
	else
		echo "not ok $i /dev/kvm unusable: exit $rc: $err"
	fi
else
	echo "ok $i /dev/kvm unusable # SKIP needs unshare -m (root)"
fi
i=$((i + 1))
# A /dev/kvm without VT-x/AMD-V behind it (a software-only KVM such as
# PVM answers every ioctl, but emulates the guest's instructions): hpv's
# probe says so instead of spinning.
if [ -e /dev/kvm ] && ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
	err=$(timeout 60 "$hpv" --kernel "$k" 2>&1 >/dev/null </dev/null)
	rc=$?
	if [ $rc -eq 2 ] && [ "$(printf '%s' "$err" | grep -c .)" -eq 1 ]; then
		echo "ok $i /dev/kvm runs no ordinary guest: $err"
	else
		echo "not ok $i /dev/kvm runs no ordinary guest: exit $rc: $err"
	fi
else
	echo "ok $i /dev/kvm runs no ordinary guest # SKIP this host has VT-x/AMD-V (or no /dev/kvm)"
fi
