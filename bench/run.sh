#!/usr/bin/env bash
# minivmm benchmarks against QEMU, from one run: boot time, VMM memory overhead,
# disk throughput in the guest against the host.
#
#   bash bench/run.sh [--quick] [--minivmm BIN] [--kit DIR] [--out DIR] [--only "boot trace mem disk"]
#
# Needs: scripts/setup.sh --bench (gnuplot, QEMU, fio, e2fsprogs), a built
# minivmm (default build/minivmm) and the guest kit (default images/cache/kit).
# On a host with hardware KVM the VMMs run here; where /dev/kvm is kvm_pvm (or
# missing) they run inside the harness VM (tests/harness/harness.sh --with-qemu),
# where absolute figures mean little and the ratios of one run are what count.
# BENCH_MODE=direct|harness overrides the choice; other BENCH_* variables (see
# bench/inner.sh: repetitions, fio jobs, guest memory, vCPUs) override the presets.
#
# Writes OUT (default bench/results): raw.txt (every figure), RESULTS.md
# (tables: min / median / max and ratios), bench.png, console.log (the
# measuring side's output), boot-VMM.log (one boot per VMM without "quiet").
# --quick: fewer repetitions and shorter fio jobs, for development.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

quick=0 minivmm=$top/build/minivmm kit=$top/images/cache/kit out=$here/results only=
args="$*"
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1; shift ;;
	--minivmm) minivmm=$2; shift 2 ;;
	--kit) kit=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	-h | --help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "bench: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
	esac
done
say() { printf 'bench: %s\n' "$*" >&2; }

for p in qemu-system-x86_64 fio mke2fs gcc; do
	command -v $p >/dev/null || { say "$p not found: run bash scripts/setup.sh --bench"; exit 1; }
done
command -v gnuplot >/dev/null || say "gnuplot not found (bash scripts/setup.sh --bench): tables only"
[ -x "$minivmm" ] || { say "no minivmm at $minivmm (build it: see README.md)"; exit 1; }
[ -f "$kit/vmlinuz" ] && [ -f "$kit/initrd.img" ] || { say "no guest kit in $kit (images/build-kit.sh)"; exit 1; }
minivmm=$(realpath "$minivmm") kit=$(realpath "$kit")
mkdir -p "$out"
out=$(realpath "$out")

if [ "$quick" = 1 ]; then
	settings=(BENCH_BOOT_REPS=3 BENCH_MEM_REPS=2 BENCH_FIO_REPS=2 BENCH_FIO_RUNTIME=2 BENCH_FIO_SIZE=128)
else
	settings=(BENCH_BOOT_REPS=5 BENCH_MEM_REPS=3 BENCH_FIO_REPS=3 BENCH_FIO_RUNTIME=3 BENCH_FIO_SIZE=256)
fi
[ -n "$only" ] && settings+=("BENCH_ONLY=$only")
# BENCH_* settings of bench/inner.sh from the caller's environment win.
for v in $(compgen -e | grep '^BENCH_' | grep -v '^BENCH_MODE$' || true); do
	settings+=("$v=${!v}")
done

if [ -n "${BENCH_MODE:-}" ]; then
	mode=$BENCH_MODE
elif [ -e /sys/module/kvm_pvm ] || ! [ -w /dev/kvm ]; then
	mode=harness
else
	mode=direct
fi

# The measuring side: inner.sh and vmtime (static, so the harness can run it).
stage=$(mktemp -d)
work=
trap 'rm -rf "$stage" ${work:+"$work"}' EXIT
cp "$here/inner.sh" "$stage/"
gcc -O2 -static -Wall -Wextra -o "$stage/vmtime" "$here/vmtime.c"

raw=$out/raw.txt
log=$out/console.log
start=$(date +%s)
{
	echo "@@I date $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "@@I command bash bench/run.sh $args"
	echo "@@I host_cpu $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
	echo "@@I host_kernel $(uname -sr)"
	echo "@@I host_load_start $(uptime | sed 's/.*load average: //')"
	echo "@@I minivmm $(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)"
} >"$raw"
say "mode=$mode, results in $out"
st=0
case $mode in
harness)
	echo "@@I mode_short harness VM" >>"$raw"
	echo "@@I mode harness VM (QEMU TCG with nested SVM on a kvm_pvm host; the VMMs run on its nested KVM)" >>"$raw"
	HARNESS_TIMEOUT=${HARNESS_TIMEOUT:-2400} "$top/tests/harness/harness.sh" --with-qemu \
		--minivmm "$minivmm" --kit "$kit" --tests "$stage" --console "$log" -- \
		env "${settings[@]}" VMTIME=/tests/vmtime sh ./inner.sh || st=$?
	;;
direct)
	echo "@@I mode_short direct, hardware KVM" >>"$raw"
	echo "@@I mode direct (hardware KVM on the host)" >>"$raw"
	work=$(mktemp -d "${TMPDIR:-/var/tmp}/minivmm-bench.XXXXXX")
	mkdir -p "$work/tools"
	for p in mke2fs fio; do ln -s "$(command -v $p)" "$work/tools/$p"; done
	(cd "$stage" && env "${settings[@]}" MINIVMM="$minivmm" KIT="$kit" WORK="$work" \
		TOOLS="$work/tools" sh ./inner.sh) 2>&1 | tee "$log" || st=$?
	;;
*) say "unknown BENCH_MODE $mode (direct or harness)"; exit 2 ;;
esac
tr -d '\r' <"$log" | grep -E '^@@[BI] ' >>"$raw" || true
tr -d '\r' <"$log" | sed -n 's/^@@S //p' >"$out/minivmm-stats.txt"
for v in minivmm qemu-microvm qemu-q35; do
	tr -d '\r' <"$log" | sed -n "s/^@@L $v //p" >"$out/boot-$v.log"
	[ -s "$out/boot-$v.log" ] || rm -f "$out/boot-$v.log"
done
{
	echo "@@I host_load_end $(uptime | sed 's/.*load average: //')"
	echo "@@I duration $(($(date +%s) - start)) s"
} >>"$raw"
grep -q '^@@I done' "$raw" || { say "FAIL: the measurements did not finish (status $st); see $log"; exit 1; }
bash "$here/report.sh" "$raw" "$out"
say "done in $(($(date +%s) - start)) s: $out/RESULTS.md, $out/bench.png"
