#!/usr/bin/env bash
# Build the guest initramfs (busybox, init, in-guest selftests) and the L1
# host initramfs of the nested harness.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
ksft=$build/linux/tools/testing/selftests
"$top/scripts/deps.sh" guest

cc=(cc -O2 -static -Wall -Wextra -Werror -pthread -isystem "$ksft" -I"$top/hypercall-abi")
mkdir -p "$build/guest/bin"
"${cc[@]}" -o "$build/guest/bin/hpvctl" "$top/scripts/initramfs/hpvctl.c"
for t in "$top"/selftests/guest/*.c; do
	[ -e "$t" ] || continue
	n=$(basename "$t" .c)
	# (a shared header newer than the binary rebuilds it too)
	if [ ! "$build/guest/bin/$n" -nt "$t" ] ||
		[ -n "$(find "$top/selftests/guest" -name '*.h' -newer "$build/guest/bin/$n")" ]; then
		"${cc[@]}" -o "$build/guest/bin/$n" "$t" -lrt
	fi
done

# mkroot DIR INIT: a busybox root with our tools
mkroot() {
	local root=$1 init=$2
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,etc,root,selftests,usr/bin,usr/sbin}
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$init" "$root/init"
	chmod +x "$root/init"
	cp "$build/guest/bin/hpvctl" "$root/bin/"
}

pack() {
	(cd "$1" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$2.tmp"
	mv "$2.tmp" "$2"
}

mkroot "$build/guest/root" "$top/scripts/initramfs/init"
for b in "$build"/guest/bin/*; do
	[ "$(basename "$b")" = hpvctl ] || cp "$b" "$build/guest/root/selftests/"
done
cp "$top"/selftests/guest/*.sh "$build/guest/root/selftests/" 2>/dev/null || true
# Upstream's timers kselftest (its non-destructive set), static, in
# /kselftest/timers: make check runs it with the paravirtual timer on.
timers=(posix_timers nanosleep nsleep-lat set-timer-lat mqueue-lat inconsistency-check raw_skew
	threadtest rtcpie)
mkdir -p "$build/guest/timers" "$build/guest/root/kselftest/timers"
make -s -C "$ksft/timers" OUTPUT="$build/guest/timers" CFLAGS="-O2 -static -Wall" \
	"${timers[@]/#/$build/guest/timers/}"
for t in "${timers[@]}"; do
	cp "$build/guest/timers/$t" "$build/guest/root/kselftest/timers/"
done
cp "$top/scripts/initramfs/run_timers.sh" "$build/guest/root/kselftest/timers/run.sh"

# Benchmarks are not tests: they go to /bench, which run_tests.sh ignores.
mkdir -p "$build/guest/root/bench"
for b in "$top"/bench/guest/*.c; do
	[ -e "$b" ] || continue
	"${cc[@]}" -o "$build/guest/root/bench/$(basename "$b" .c)" "$b"
done
# make bench's driver and table, and Debian's hackbench (rt-tests) with
# the shared libraries ldd names, at their own paths; deps.sh bench
# installs rt-tests, and make bench rebuilds this if hackbench is missing.
cp "$top/bench/guest/driver.sh" "$top/bench/workloads" "$top/bench/overcommit" "$top/bench/shadow" \
	"$build/guest/root/bench/"
if [ -x /usr/bin/hackbench ]; then
	cp /usr/bin/hackbench "$build/guest/root/bench/"
	for lib in $(ldd /usr/bin/hackbench | grep -o '/[^ ]*'); do
		mkdir -p "$build/guest/root$(dirname "$lib")"
		cp -L "$lib" "$build/guest/root$lib"
	done
fi
chmod +x "$build"/guest/root/selftests/* 2>/dev/null || true
pack "$build/guest/root" "$build/guest.cpio.gz"

mkroot "$build/guest/l1root" "$top/scripts/initramfs/l1-init"
pack "$build/guest/l1root" "$build/l1.cpio.gz"
echo "initramfs: build/guest.cpio.gz ($(du -k "$build/guest.cpio.gz" | cut -f1) KiB), build/l1.cpio.gz"
