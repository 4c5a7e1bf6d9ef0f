#!/usr/bin/env bash
# Build the guest bzImage: Debian's linux-source-6.1, the patch series in
# guest-kernel/series, tinyconfig + configs/*.config.
#
# Incremental: a changed series is swapped in by reverse-applying the
# patches applied last time (so only touched files rebuild); the config is
# regenerated only when a fragment changes.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
# HPV_KERNEL_TREE/HPV_KERNEL_OUT let scripts/figures.sh time a clean build
# in a tree of its own.
src=${HPV_KERNEL_TREE:-$build/linux}
out=${HPV_KERNEL_OUT:-$build/bzImage}
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${JOBS:-$(($(nproc) + 1))}

"$top/scripts/deps.sh" kernel

mkdir -p "$build"
if [ ! -f "$src/Makefile" ]; then
	echo "kernel: unpacking $tarball"
	rm -rf "$src" "$src.unpack"
	mkdir -p "$src.unpack"
	tar -C "$src.unpack" -xf "$tarball"
	mv "$src.unpack/linux-source-6.1" "$src"
	rmdir "$src.unpack"
fi

applied=$src/.hpv-applied
series=$top/guest-kernel/series
want=$(cd "$top/guest-kernel" && grep -v '^\s*#' series | grep . | while read -r p; do
	sha1sum "patches/$p"; done)
have=$(cat "$applied/series.sha1" 2>/dev/null || true)

if [ "$want" != "$have" ]; then
	if [ -d "$applied" ]; then
		echo "kernel: series changed, reverting the previous one"
		for p in $(tac "$applied/series"); do
			if ! patch -d "$src" -p1 -R -s -f <"$applied/$p" >/dev/null; then
				echo "kernel: cannot revert $p; unpacking a clean tree"
				rm -rf "$src"
				exec "$0" "$@"
			fi
		done
		rm -rf "$applied"
	fi
	mkdir -p "$applied.new"
	: >"$applied.new/series"
	while read -r p; do
		case "$p" in "" | \#*) continue ;; esac
		if ! patch -d "$src" -p1 -N -s -f <"$top/guest-kernel/patches/$p" >/dev/null; then
			echo "kernel: patch does not apply: guest-kernel/patches/$p" >&2
			rm -rf "$src" "$applied.new"
			exit 1
		fi
		cp "$top/guest-kernel/patches/$p" "$applied.new/"
		echo "$p" >>"$applied.new/series"
		echo "kernel: applied $p"
	done <"$series"
	echo "$want" >"$applied.new/series.sha1"
	mv "$applied.new" "$applied"
fi

frags=("$top"/configs/*.config)
fsum=$(cat "${frags[@]}" | sha1sum)
if [ "$fsum" != "$(cat "$src/.hpv-config.sha1" 2>/dev/null)" ] || [ ! -f "$src/.config" ]; then
	echo "kernel: tinyconfig + ${frags[*]##*/}"
	make -C "$src" -s tinyconfig >/dev/null
	(cd "$src" && scripts/kconfig/merge_config.sh -m .config "${frags[@]}" >/dev/null)
	make -C "$src" -s olddefconfig >/dev/null
	# merge_config only warns; a requested option that did not stick is an error.
	bad=0
	for f in "${frags[@]}"; do
		while IFS= read -r line; do
			case "$line" in
			CONFIG_*=n) opt=${line%%=*}; grep -q "^$opt=" "$src/.config" && { echo "kernel: $opt still set" >&2; bad=1; } ;;
			CONFIG_*) grep -qxF "$line" "$src/.config" || { echo "kernel: $line did not stick (${f##*/})" >&2; bad=1; } ;;
			esac
		done <"$f"
	done
	[ $bad -eq 0 ] || exit 1
	echo "$fsum" >"$src/.hpv-config.sha1"
fi

echo "kernel: building $(make -C "$src" -s kernelversion) with -j$jobs"
start=$(date +%s)
make -C "$src" -s -j"$jobs" bzImage
cp "$src/arch/x86/boot/bzImage" "$out"
echo "kernel: ${out#"$top"/} ($(make -C "$src" -s kernelrelease), $(($(date +%s) - start)) s)"
