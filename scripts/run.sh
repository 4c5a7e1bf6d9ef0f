#!/usr/bin/env bash
# Boot the hybridpv guest with build/hpv: directly where /dev/kvm runs
# hardware-virtualized guests, else inside an L1 KVM host under QEMU/TCG
# (AMD SVM+NPT emulated). Same console, same exit status either way.
#
#   run.sh [--cmd CMD] [--cpus N] [--mem SIZE] [--stats[=kv]] [--append ARGS]
#          [--kernel F] [--initrd F] [--hpv-arg ARG]... [--no-announce]
#          [--vmm hpv|qemu-kvm|qemu-tcg] [--hpv FILE] [--host-cmd CMD]
#          [--l1-append ARGS] [--quiet-limit S] [--mmu npt|shadow]
# --hpv runs another build of hpv (a sanitizer build, say) instead of
# build/hpv.
# --vmm qemu-tcg boots the guest under QEMU's TCG on this host; --vmm
# qemu-kvm under QEMU/KVM where hpv would run (directly or inside L1).
# --host-cmd runs CMD (bash) where the VMM would run, instead of one VMM,
# with the guest's kernel, initrd, CPUs, memory and command line in
# HPV_KERNEL ... HPV_CMDLINE and hpv's path in HPV_BIN: a benchmark series
# then boots L1 once.
# --l1-append adds ARGS to the L1 host's command line (nested mode; a
# direct host runs as booted, and the option is refused there).
# --quiet-limit S (nested mode) ends the L1 host as hung once its console
# has been quiet for S seconds: for a command known to print often.
# --mmu shadow starts the L1 host's KVM with shadow paging (kvm_amd.npt=0),
# npt (the default) with nested paging. A direct host's KVM is used as it
# is loaded, never reloaded: --mmu must then name the mode it runs.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
. "$top/scripts/lib.sh"

extra_hpv_args=() vmm=hpv host_cmd="" l1_append="" quiet_s="" mmu=""
cmd="" cpus=2 mem=512M stats="" append="" announce=1
kernel=$build/bzImage initrd=$build/guest.cpio.gz hpv=$build/hpv
while [ $# -gt 0 ]; do
	case "$1" in
	--cmd | --cpus | --mem | --append | --kernel | --initrd | --hpv-arg | --vmm | --host-cmd | --hpv | --l1-append | --quiet-limit | --mmu)
		need_value "$1" $# ;;
	esac
	case "$1" in
	--cmd) cmd=$2; shift ;;
	--cpus) cpus=$2; shift ;;
	--mem) mem=$2; shift ;;
	--stats | --stats=kv) stats=$1 ;;
	--append) append=$2; shift ;;
	--kernel) kernel=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--no-announce) announce=0 ;;
	--hpv-arg) extra_hpv_args+=("$2"); shift ;;
	--vmm) vmm=$2; shift ;;
	--host-cmd) host_cmd=$2; shift ;;
	--hpv) hpv=$(realpath "$2"); shift ;;
	--l1-append) l1_append=$2; shift ;;
	--quiet-limit) quiet_s=$2; shift ;;
	--mmu) mmu=$2; shift ;;
	*) usage_error "unknown option $1" ;;
	esac
	shift
done
[ -z "$quiet_s" ] || [[ "$quiet_s" =~ ^[1-9][0-9]*$ ]] || usage_error "--quiet-limit needs a number of seconds"
case "$mmu" in "" | npt | shadow) ;; *) usage_error "--mmu must be npt or shadow" ;; esac

# The guest: serial console, ACPI reboot, panic ends the VM (a reset).
cmdline="console=ttyS0 reboot=acpi panic=-1 tsc=reliable"
if [ -n "$cmd" ]; then
	cmdline+=" quiet hpvcmd_b64=$(printf '%s' "$cmd" | base64 -w0)"
fi
[ -n "$append" ] && cmdline+=" $append"
hpv_args=(--kernel "$kernel" --initrd "$initrd" --cpus "$cpus" --mem "$mem" --cmdline "$cmdline")
[ -n "$stats" ] && hpv_args+=("$stats")
hpv_args+=("${extra_hpv_args[@]}")
vmm_cmd=("$hpv" "${hpv_args[@]}")
case "$vmm" in
hpv) ;;
qemu-kvm) vmm_cmd=("$top/scripts/qemu-guest.sh" kvm "$kernel" "$initrd" "$cpus" "$mem" "$cmdline") ;;
qemu-tcg)
	"$top/scripts/deps.sh" nested
	exec "$top/scripts/qemu-guest.sh" tcg "$kernel" "$initrd" "$cpus" "$mem" "$cmdline" ;;
*) usage_error "--vmm must be hpv, qemu-kvm or qemu-tcg" ;;
esac
harness_mode
mode=$HARNESS_MODE
if [ "$mode" = direct ]; then
	host_mmu=$(kvm_mmu_mode)
	[ -z "$mmu" ] || [ "$mmu" = "$host_mmu" ] ||
		usage_error "--mmu $mmu: this host's KVM runs ${host_mmu:-an unknown MMU mode} (its module is used as loaded)"
	mmu=$host_mmu
else
	mmu=${mmu:-npt}
	[ "$mmu" = shadow ] && l1_append+="${l1_append:+ }kvm_amd.npt=0"
fi
[ "$announce" = 1 ] && echo "hybridpv: $mode mode ($HARNESS_WHY), KVM's MMU: ${mmu:-unknown}" >&2
# (the mode goes on to the host command: in nested mode it runs in L1,
# where the mode would be taken for direct)
[ -n "$host_cmd" ] && vmm_cmd=(env HPV_MODE="$mode" HPV_MMU="$mmu" HPV_KERNEL="$kernel" HPV_INITRD="$initrd"
	HPV_CPUS="$cpus" HPV_MEM="$mem" HPV_CMDLINE="$cmdline" HPV_BIN="$hpv" bash -c "$host_cmd")

if [ "$mode" = direct ]; then
	[ -z "$l1_append" ] || usage_error "--l1-append: direct mode has no L1 host (this host runs as booted)"
	[ -z "$quiet_s" ] || usage_error "--quiet-limit: direct mode has no L1 host to end"
	exec "${vmm_cmd[@]}"
fi

"$top/scripts/deps.sh" nested
mkdir -p "$build/nested"
script=$(mktemp "$build/nested/run-XXXXXX.sh")
trap 'rm -f "$script" "$script.status" "$script.l1.log" "$script.heard"' EXIT
{
	echo "cd $(printf %q "$top")"
	printf 'exec'
	printf ' %q' "${vmm_cmd[@]}"
	echo
} >"$script"

# With --quiet-limit the console also goes to $script.heard, whose size
# tells the watchdog when L1 last printed.
console=1
[ -z "$quiet_s" ] || exec {console}> >(tee -a "$script.heard")

# L1 memory: the guest's plus room for L1 itself.
mem_mib=$(numfmt --from=iec "${mem%B}" 2>/dev/null || echo 0)
l1_mib=$(( mem_mib / 1048576 + 512 ))
[ "$l1_mib" -lt 1024 ] && l1_mib=1024

qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
	-accel tcg,thread=multi -cpu EPYC,+svm,+npt -smp 2 -m "$l1_mib" \
	-kernel "$kernel" -initrd "$build/l1.cpio.gz" \
	-append "console=ttyS0 panic=-1 hpvl1_script=$script${l1_append:+ $l1_append}" \
	-serial file:"$script.l1.log" \
	-device virtio-serial-pci -chardev stdio,id=con,signal=off -device virtconsole,chardev=con \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-chardev file,id=status,path="$script.status" -serial chardev:status \
	2> >(grep -v "TCG doesn't support requested feature" >&2) 0<&0 >&"$console" &
qemu=$!	# (0<&0: a background job would otherwise get /dev/null as its console input)
# The L1 host can also hang rather than die: the watchdog ends it once its
# kernel has reported RCU stalls for minutes (l1_hung), once its
# heartbeat on the status port has stopped for L1_SILENT_S, or, with
# --quiet-limit, once its console has been quiet that long, and says so,
# so that the caller sees an L1 death (scripts/lib.sh).
(
	size=0 last=$SECONDS heard=0 heard_at=$SECONDS
	while kill -0 "$qemu" 2>/dev/null; do
		sleep 10
		now=$(stat -c %s "$script.status" 2>/dev/null || echo 0)
		[ "$now" != "$size" ] && size=$now last=$SECONDS
		now=$(stat -c %s "$script.heard" 2>/dev/null || echo 0)
		[ "$now" != "$heard" ] && heard=$now heard_at=$SECONDS
		if l1_hung "$script.l1.log"; then
			echo "$L1_HUNG_LINE" >&2
		elif [ $((SECONDS - last)) -ge "$L1_SILENT_S" ]; then
			echo "$L1_SILENT_LINE" >&2
		elif [ -n "$quiet_s" ] && [ $((SECONDS - heard_at)) -ge "$quiet_s" ]; then
			echo "$L1_QUIET_LINE_START $quiet_s s; ending it" >&2
		else
			continue
		fi
		kill "$qemu" 2>/dev/null
		break
	done
) &
watchdog=$!
wait "$qemu"
rc=$?
[ "$console" = 1 ] || exec {console}>&-
kill "$watchdog" 2>/dev/null
wait "$watchdog" 2>/dev/null
status=$(sed -n 's/^hpv-l1-status \([0-9]*\).*/\1/p' "$script.status" 2>/dev/null)
rm -f "$script.status"
if [ -n "$status" ]; then
	mv "$script.l1.log" "$build/nested/l1-console.log" 2>/dev/null
	exit "$status"
fi
cp "$script.l1.log" "$build/nested/l1-console-failed.log" 2>/dev/null
echo "hybridpv: the L1 host ended without reporting a status (QEMU exit $rc); its log: build/nested/l1-console-failed.log" >&2
tail -n 30 "$build/nested/l1-console-failed.log" >&2 2>/dev/null
exit 1
