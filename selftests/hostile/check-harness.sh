#!/usr/bin/env bash
# The hostile guest's harness, tested: copies of hpv from the committed
# tree, each broken in one way, which scripts/hostile-guest.sh must fail
# with the right complaint, and the unbroken copy, which it must pass with
# the same runs. One L1 boot in nested mode. TAP.
#
#   selftests/hostile/check-harness.sh [--rev REV] [VARIANT...]
#
# REV: the tree to build hpv from (default HEAD); VARIANTs: only these.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib.sh"
rev=HEAD
if [ "${1:-}" = --rev ]; then
	need_value "$1" $#
	rev=$2
	shift 2
fi
work=$top/build/hostile/broken
image=$top/build/hostile/bzImage
[ -r "$image" ] || usage_error "$image is missing (make hostile)"

# variant|file|what to replace|its replacement|guest run|harness options|complaint (ERE)
# ("intact..." variants: the unbroken copy, which must pass)
variants=(
	"intact||||case:none|--append hostile.end=halt|^ok "
	"ignores-sigterm|host-vmm/main.c|signal(SIGTERM, on_signal);|signal(SIGTERM, SIG_IGN);|case:none|--append hostile.end=halt|hpv ignored SIGTERM"
	"crashes-on-msr|host-vmm/pv/record.c|	ret = pv_record__check(spec, set->kvm,|	if (val >> 63)\n\t\t*(volatile int *)0 = 0;\n\tret = pv_record__check(spec, set->kvm,|case:msr-wild||hpv died of signal 11"
	"leaks|host-vmm/pv/hypercall.c|	memcpy(&nr, data, 4);|	memcpy(&nr, data, 4);\n\t{ void *leak = malloc(1 << 20); if (leak) memset(leak, 1, 1 << 20); }|case:doorbells||KiB beyond guest RAM"
	"hangs-in-a-call|host-vmm/pv/hypercall.c|	memcpy(&nr, data, 4);|	memcpy(&nr, data, 4);\n\twhile (nr == HPV_HC_ABI_VERSION \&\& atomic_load(\&cpu->kvm->end) == HPV_END_NONE)\n\t\t;|case:doorbells|--timeout 5|hang: the guest printed nothing"
	"opens-kvm-pv-msrs|host-vmm/main.c|ret = kvm__close_pv_msrs(kvm);|ret = 0;|case:kvm-pv-msrs||writes to kvm-pv-msrs accepted"
	"wrong-status|host-vmm/hw/exitdev.c|HPV_END_STATUS, v & 0xff);|HPV_END_STATUS, (v + 1) \& 0xff);|case:none|--append hostile.end=status|exit status [0-9]+, status wants"
	"intact-msrs||||case:msr-wild||^ok "
	"intact-pv||||case:kvm-pv-msrs||^ok "
	"intact-doorbells||||case:doorbells||^ok "
)

if [ $# -gt 0 ]; then
	keep=()
	for v in "${variants[@]}"; do
		for w in "$@"; do
			[ "${v%%|*}" = "$w" ] && keep+=("$v")
		done
	done
	variants=("${keep[@]}")
fi
# (an intact variant needs the intact build)
for v in "${variants[@]}"; do
	[[ $v == intact* ]] && [[ " ${variants[*]%%|*} " != *" intact "* ]] && variants=("intact||||case:none|--append hostile.end=halt|^ok " "${variants[@]}") && break
done

# -- build: one tree from $rev, a copy of it per broken variant --
rm -rf "$work"
mkdir -p "$work/src"
git -C "$top" archive "$rev" | tar -x -C "$work/src" || exit 1
build_variant() { # build_variant NAME FILE OLD NEW: $work/NAME/build/hpv, or a reason on stdout
	local name=$1 file=$2 old=$3 new=$4 dir=$work/$1
	cp -r "$work/src" "$dir"
	if [ -n "$file" ]; then
		python3 - "$dir/$file" "$old" "$new" <<'EOF' || { echo "the source changed: '$old' is not in $file"; return 1; }
import sys
path, old, new = sys.argv[1], sys.argv[2], sys.argv[3].replace('\\n', '\n').replace('\\t', '\t').replace('\\&', '&')
src = open(path).read()
if src.count(old) != 1:
    sys.exit(1)
open(path, 'w').write(src.replace(old, new))
EOF
	fi
	# (each variant builds its own: make knows nothing of the others)
	if ! (cd "$dir" && HPV_DEPS_DONE="vmm kernel guest nested" make -s -j2 vmm >"$dir/make.log" 2>&1); then
		echo "it does not build: $(tail -n 2 "$dir/make.log" | tr '\n' ' ')"
		return 1
	fi
}

declare -A why_not=()
names=()
for v in "${variants[@]}"; do
	IFS='|' read -r name file old new _ <<<"$v"
	names+=("$name")
	if [ "$name" = intact ] || [ -n "$file" ]; then
		r=$(build_variant "$name" "$file" "$old" "$new") || why_not[$name]=$r
	fi
done

# -- run: every variant's guest in one go (one L1 boot in nested mode) --
harness_mode
script=$work/run.sh
{
	echo "cd $(printf %q "$top")"
	for v in "${variants[@]}"; do
		IFS='|' read -r name file old new run opts _ <<<"$v"
		bin=$work/$name/build/hpv
		[[ $name == intact* ]] && bin=$work/intact/build/hpv name_built=intact || name_built=$name
		[ -n "${why_not[$name_built]:-}" ] && continue
		echo "echo 'variant $name'"
		# shellcheck disable=SC2086 # (opts: options, split)
		echo "HOSTILE_TOP=$(printf %q "$top") HOSTILE_HALT_WAIT_MS=1000 $(printf %q "$top/scripts/hostile-guest.sh") --inner --mode $HARNESS_MODE" \
			"--hpv $(printf %q "$bin") --image $(printf %q "$image") $opts $run"
	done
} >"$script"
log=$work/runs.log
if [ "$HARNESS_MODE" = nested ]; then
	"$top/scripts/run.sh" --no-announce --mem 512M --cpus 2 --host-cmd "bash $(printf %q "$script")" >"$log" 2>&1
else
	bash "$script" >"$log" 2>&1
fi

# -- verdicts --
echo "TAP version 13"
echo "1..${#variants[@]}"
n=0 failed=0
for v in "${variants[@]}"; do
	IFS='|' read -r name file old new run opts complaint <<<"$v"
	n=$((n + 1))
	[[ $name == intact* ]] && name_built=intact || name_built=$name
	if [ -n "${why_not[$name_built]:-}" ]; then
		echo "ok $n - $name # SKIP ${why_not[$name_built]}"
		continue
	fi
	result=$(tr -d '\r' <"$log" | sed -n "/^variant $name\$/,/^hostile-done/p" | grep -a '^hostile-result ' | head -1)
	verdict=${result#hostile-result }
	verdict=${verdict%% *}
	text="$verdict ${result#*|}"
	[ "$verdict" = ok ] && text="ok ${result#*|}"
	if [ -z "$result" ]; then
		echo "not ok $n - $name: no result (log: ${log#"$top"/})"
		failed=$((failed + 1))
	elif [[ $complaint == "^ok " ]]; then
		if [ "$verdict" = ok ]; then
			echo "ok $n - $name: the harness passes it (${result#*|})"
		else
			echo "not ok $n - $name: the harness fails intact hpv: ${result#*|}"
			failed=$((failed + 1))
		fi
	elif [ "$verdict" = fail ] && [[ $text =~ $complaint ]]; then
		echo "ok $n - $name: the harness fails it: ${result#*|}"
	else
		echo "not ok $n - $name: the harness should fail it with /$complaint/, said: $verdict ${result#*|}"
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
