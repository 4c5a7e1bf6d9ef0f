#!/usr/bin/env bash
# A guest that floods its console into a stdout nobody reads must not
# take the VMM from the user: hpv, SIGTERMed, ends within a second
# (STUCK_BOUND_MS; nested, where every step of hpv's exit is emulated and
# slower, the caller allows more).
# Runs where the VMM runs (scripts/run.sh --host-cmd, which sets HPV_*):
#   run.sh --cpus 1 --cmd 'yes hpv-flood' --host-cmd scripts/stuck-console.sh
# Prints one TAP line.
set -uo pipefail
: "${HPV_BIN:?run me through scripts/run.sh --host-cmd}"
# seconds of flooding after the first flood line: the pipe (shrunk to a
# page) fills at once, and hpv's writer thread then waits in write()
flood_s=${STUCK_FLOOD_S:-10}
scratch=$(mktemp -d)
err=$scratch/err fifo=$scratch/stdout

# stdout: a FIFO (L1's /dev has no /dev/fd for a process substitution)
# whose holder shrinks it to a page, reads until the guest floods, then
# never again
mkfifo "$fifo"
python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, 1031, 4096)                 # F_SETPIPE_SZ
seen = b""
while b"hpv-flood" not in seen:
    seen = (seen + os.read(fd, 4096))[-64:]
print("flooding", flush=True)
time.sleep(3600)
' "$fifo" >"$scratch/holder" &
holder=$!
trap 'kill "$holder" 2>/dev/null; rm -rf "$scratch"' EXIT
"$HPV_BIN" --kernel "$HPV_KERNEL" --initrd "$HPV_INITRD" --cpus "$HPV_CPUS" --mem "$HPV_MEM" \
	--cmdline "$HPV_CMDLINE" --stats=kv </dev/null 2>"$err" >"$fifo" &
hpv=$!
for _ in $(seq 600); do
	grep -q flooding "$scratch/holder" && break
	sleep 0.5
done
sleep "$flood_s"
if ! kill -0 "$hpv" 2>/dev/null; then
	echo "not ok - stuck console: hpv ended before the flood ($(head -c 200 "$err"))"
	exit 1
fi
t0=$(date +%s%N)
kill -TERM "$hpv"
for _ in $(seq 100); do
	kill -0 "$hpv" 2>/dev/null || break
	sleep 0.05
done
if kill -0 "$hpv" 2>/dev/null; then
	kill -KILL "$hpv"
	echo "not ok - stuck console: hpv did not end within 5 s of SIGTERM"
	exit 1
fi
wait "$hpv"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
dropped=$(sed -n 's/^hpv-stat: com1.tx_dropped=//p' "$err")
sent=$(sed -n "s/^hpv-stat: com1.tx_bytes=//p" "$err")
bound=${STUCK_BOUND_MS:-1000}
if [ "$rc" -eq 143 ] && [ "$ms" -le "$bound" ] && [ "${dropped:-0}" -gt 0 ]; then
	echo "ok - stuck console: hpv ended ${ms} ms after SIGTERM (status $rc), ${dropped} bytes of ${sent:-?} sent dropped"
else
	echo "not ok - stuck console: hpv ended ${ms} ms after SIGTERM with status $rc, ${dropped:-no} bytes dropped of ${sent:-?} sent (want <= $bound ms, 143, some)"
	exit 1
fi
