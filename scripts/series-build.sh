#!/usr/bin/env bash
# The guest series patch by patch, as a maintainer applies it: each patch
# of guest-kernel/series applied in turn to a clean linux-source-6.1 tree of
# its own (build/series/linux), and the bzImage built after each one,
# incrementally, with the whole series' config (build/linux/.config, from
# scripts/kernel.sh), so that every patch builds with the options that the
# later ones use. With --boot, each patch's bzImage then boots under hpv
# (one L1 host for all of them, in nested mode) and reports which of the
# hybrid ABI's parts it uses.
#
# Prints TAP: per patch, that it applies, that it builds without a
# compiler warning, and (--boot) that its guest ran to its end.
#
#   series-build.sh [--boot]
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
LOG_PREFIX="series-build: "

boot=0
while [ $# -gt 0 ]; do
	case "$1" in
	--boot) boot=1 ;;
	*) usage_error "unknown argument '$1' (--boot is the only option)" ;;
	esac
	shift
done

work=$top/build/series
src=$work/linux
config=$top/build/linux/.config
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${JOBS:-$(($(nproc) + 1))}
[ -f "$config" ] || usage_error "no $config: run 'make kernel' first"
mapfile -t patches < <(guest_series "$top")

# A clean tree each run: what an earlier run applied is not reverted.
rm -rf "$work"
mkdir -p "$work/images" "$work/logs"
say "unpacking $tarball"
tar -C "$work" -xf "$tarball" && mv "$work/linux-source-6.1" "$src" || exit 1

checks=$((${#patches[@]} * (2 + boot)))
echo "TAP version 13"
echo "1..$checks"
n=0
failed=0
emit() {
	n=$((n + 1))
	echo "$1 $n - $2"
	[ "$1" = ok ] || failed=$((failed + 1))
}
applied=0
for p in "${patches[@]}"; do
	nr=${p%%-*}
	log=$work/logs/$nr.log
	if ! patch -d "$src" -p1 -N -s -f <"$top/guest-kernel/patches/$p" >"$log" 2>&1; then
		emit "not ok" "$nr applies on top of the ones before it (see ${log#"$top"/})"
		emit "not ok" "$nr builds (not applied)"
		break
	fi
	emit ok "$nr applies on top of the ones before it"
	applied=$((applied + 1))
	cp "$config" "$src/.config"
	make -C "$src" -s olddefconfig >>"$log" 2>&1
	t0=$SECONDS
	if make -C "$src" -s -j"$jobs" bzImage >>"$log" 2>&1; then
		warnings=$(grep -cE '^[^ ]+:[0-9]+:([0-9]+:)? warning:' "$log")
		cp "$src/arch/x86/boot/bzImage" "$work/images/$nr.bzImage"
		[ "$warnings" -eq 0 ] && st=ok || st="not ok"
		emit "$st" "$nr builds, $warnings compiler warnings ($((SECONDS - t0)) s)"
	else
		emit "not ok" "$nr builds (see ${log#"$top"/})"
	fi
done
# (a patch that did not apply leaves the ones after it unchecked)
while [ $n -lt $((${#patches[@]} * 2)) ]; do emit "not ok" "not reached: an earlier patch failed"; done

if [ $boot = 1 ]; then
	# The guest's command reports the hybrid ABI's parts it uses; its end
	# line tells that it ran to the end.
	boot_log=$work/logs/boot.log
	cd "$top" || exit 1
	# shellcheck disable=SC2016 # (expanded by the host command and the guest)
	# (one line: run.sh hands the host command on as a single line)
	"$top/scripts/run.sh" --no-announce --cpus 2 --host-cmd 'for k in build/series/images/*.bzImage; do nr=${k##*/}; nr=${nr%.bzImage}; timeout 300 "$HPV_BIN" --kernel "$k" --initrd "$HPV_INITRD" --cpus "$HPV_CPUS" --mem "$HPV_MEM" --cmdline "$HPV_CMDLINE" | sed "s/^/$nr: /"; done' \
		--cmd 'echo "uses $(cat /sys/hypervisor/features 2>/dev/null | awk "\$2 == \"on\" { printf \"%s \", \$1 }")"; echo "end of guest"' \
		</dev/null >"$boot_log" 2>&1
	for p in "${patches[@]}"; do
		nr=${p%%-*}
		uses=$(tr -d '\r' <"$boot_log" | sed -n "s/^$nr: uses \(.*[^ ]\) *$/\1/p" | head -1)
		if tr -d '\r' <"$boot_log" | grep -qx "$nr: end of guest"; then
			emit ok "$nr boots under hpv (uses: ${uses:-none})"
		else
			emit "not ok" "$nr boots under hpv (see ${boot_log#"$top"/})"
		fi
	done
fi
say "$applied of ${#patches[@]} patches applied; bzImages in ${work#"$top"/}/images"
[ "$failed" -eq 0 ]
