#!/usr/bin/env bash
# Install the Debian packages a step needs, only those missing.
# Usage: deps.sh kernel|vmm|guest|nested|bench|fuzz...
# Steps named in HPV_DEPS_DONE are skipped: make installs what its goals
# need once, before anything builds, and says so there, so the scripts it
# runs need not check again.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
LOG_PREFIX="deps: "
. "$top/scripts/lib.sh"

declare -A pkgs=(
	[kernel]="linux-source-6.1 build-essential flex bison bc libelf-dev libssl-dev xz-utils cpio"
	[vmm]="build-essential"
	[guest]="busybox-static cpio gzip build-essential"
	[nested]="qemu-system-x86"
	# hackbench (copied into the guest), the report's figures and numbers
	[bench]="rt-tests gnuplot-nox python3 bc"
	# the sanitizer builds and fuzz targets: clang with its runtimes (libFuzzer among them)
	[fuzz]="clang-14 libclang-rt-14-dev"
)

missing=()
for step in "$@"; do
	[ -n "${pkgs[$step]:-}" ] || usage_error "unknown step '$step' (kernel, vmm, guest, nested, bench, fuzz)"
	case " ${HPV_DEPS_DONE:-} " in *" $step "*) continue ;; esac
	for p in ${pkgs[$step]}; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
done
[ ${#missing[@]} -eq 0 ] && exit 0

say "installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
	apt=(apt-get)
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
	apt=(sudo apt-get)
else
	warn "need root or password-less sudo to install: ${missing[*]}"
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
"${apt[@]}" update -q >/dev/null
"${apt[@]}" install -y -q --no-install-recommends "${missing[@]}" >/dev/null
