#!/usr/bin/env bash
# The README's figures: clean kernel build time, VMM start to guest init,
# VMM resident memory beyond guest RAM. Medians of 5 boots, min/max beside.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
LOG_PREFIX="figures: "
. "$top/scripts/lib.sh"
build=$top/build
out=$build/figures
runs=${RUNS:-5}
case "$runs" in
'' | *[!0-9]* | 0*) usage_error "RUNS must be a positive number" ;;
esac
mkdir -p "$out"

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f %.1f %.1f\n", m, a[1], a[NR]}'; }

# FIGURES_SKIP_BUILD=1 reuses the last measured build time.
if [ "${FIGURES_SKIP_BUILD:-0}" != 1 ] || [ ! -s "$out/build_s.txt" ]; then
	say "clean kernel build in $out/linux (this takes minutes)"
	rm -rf "$out/linux"
	start=$(date +%s.%N)
	HPV_KERNEL_TREE=$out/linux HPV_KERNEL_OUT=$out/bzImage "$top/scripts/kernel.sh" >"$out/kernel-build.log" 2>&1
	echo "$(date +%s.%N) - $start" | bc >"$out/build_s.txt"
	rm -rf "$out/linux"
fi
build_s=$(cat "$out/build_s.txt")

harness_mode	# run.sh's choice, the same function
mode=$HARNESS_MODE
for f in boot rss wall; do : >"$out/$f.txt"; done
for i in $(seq "$runs"); do
	say "boot $i/$runs ($mode mode)"
	t0=$(date +%s.%N)
	"$top/scripts/run.sh" --no-announce --cpus 2 --mem 512M --stats --cmd true </dev/null >"$out/boot-$i.log" 2>&1
	echo "$(date +%s.%N) - $t0" | bc >>"$out/wall.txt"
	sed -n 's/^hpv: stats: boot to init \([0-9.]*\) ms/\1/p' "$out/boot-$i.log" >>"$out/boot.txt"
	sed -n 's/^hpv: stats: VMM resident memory beyond guest RAM \([0-9]*\) KiB/\1/p' "$out/boot-$i.log" >>"$out/rss.txt"
done
read -r boot_med boot_min boot_max < <(median <"$out/boot.txt")
read -r rss_med rss_min rss_max < <(median <"$out/rss.txt")
read -r wall_med wall_min wall_max < <(median <"$out/wall.txt")

{
	echo "Measured $(date -u +%F) on $(nproc) cores, $mode mode, kernel $(make -s -C "$build/linux" kernelrelease 2>/dev/null)."
	echo
	echo "| figure | median | min | max | target |"
	echo "|---|---|---|---|---|"
	printf '| clean kernel build (tinyconfig + configs/, -j%s) | %.0f s | | | about 6 min |\n' $(($(nproc) + 1)) "$build_s"
	echo "| hpv start to guest init (2 vCPUs, 512 MiB) | $boot_med ms | $boot_min ms | $boot_max ms | <= 150 ms with VT-x/AMD-V |"
	echo "| hpv resident memory beyond guest RAM | $rss_med KiB | $rss_min KiB | $rss_max KiB | < 10 MiB |"
	echo "| whole \`make run CMD=true\` round trip ($mode) | $wall_med s | $wall_min s | $wall_max s | |"
} | tee "$out/figures.md"
