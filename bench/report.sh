#!/usr/bin/env bash
# Turns the figures of one bench run into tables and a plot:
#   report.sh RAW OUTDIR
# RAW holds the "@@B SECTION VMM REP METRIC VALUE" and "@@I KEY VALUE" lines of
# bench/inner.sh (bench/run.sh adds "@@I host_* ..." lines). Writes
# OUTDIR/RESULTS.md (min / median / max per figure and the ratios of medians)
# and OUTDIR/bench.png (gnuplot), with the data files it drew from.
set -euo pipefail
raw=$1 outdir=$2
mkdir -p "$outdir"
stats=$outdir/stats.txt

# SECTION VMM METRIC N MIN MEDIAN MAX, one line per figure.
grep '^@@B ' "$raw" | awk '
{ k = $2 " " $3 " " $5; v[k] = v[k] " " $6; if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
END {
	for (i = 1; i <= n; i++) {
		k = order[i]; m = split(substr(v[k], 2), a, " ")
		for (x = 2; x <= m; x++) { t = a[x] + 0; y = x - 1
			while (y >= 1 && a[y] + 0 > t) { a[y + 1] = a[y]; y-- } a[y + 1] = t }
		med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
		print k, m, a[1], med, a[m]
	}
}' >"$stats"

# get SECTION VMM METRIC FIELD(n|min|med|max) [DIVISOR]: a figure, or "" when absent.
get() {
	awk -v s="$1" -v v="$2" -v m="$3" -v f="$4" -v d="${5:-1}" '
	$1 == s && $2 == v && $3 == m {
		x = (f == "n") ? $4 : (f == "min") ? $5 : (f == "med") ? $6 : $7
		printf "%s", (f == "n") ? x : x / d; exit }' "$stats"
}
info() { sed -n "s/^@@I $1 //p" "$raw" | head -1; }
# cell SECTION VMM METRIC DIVISOR DECIMALS: "median (min-max)".
cell() {
	local med
	med=$(get "$1" "$2" "$3" med "$4")
	[ -n "$med" ] || { printf 'n/a'; return; }
	printf "**%.${5}f** (%.${5}f–%.${5}f)" "$med" "$(get "$1" "$2" "$3" min "$4")" "$(get "$1" "$2" "$3" max "$4")"
}
# ratio A B [FORMAT]: A/B (to 2 decimals), or n/a.
ratio() {
	if [ -n "$1" ] && [ -n "$2" ] && awk -v b="$2" 'BEGIN { exit !(b > 0) }'; then
		awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { printf f, a / b }'
	else
		printf 'n/a'
	fi
}

vmms="minivmm qemu-microvm qemu-q35"
md=$outdir/RESULTS.md
{
	echo "# minivmm benchmark results"
	echo
	echo "- date: $(info date)"
	echo "- command: \`$(info command)\`"
	echo "- mode: $(info mode)"
	echo "- host: $(info host_cpu); $(info host_kernel)"
	echo "- host load (uptime) at start: $(info host_load_start); at end: $(info host_load_end)"
	echo "- machine that ran the VMMs: kernel $(info kernel), $(info cpus) CPUs, load at start $(info loadavg_start), at end $(info loadavg_end)"
	echo "- $(info qemu); minivmm $(info minivmm)"
	echo "- settings: $(info settings)"
	echo "- run time: $(info duration)"
	echo
	echo "Each cell: **median** (min–max) over the runs; ratios are of medians."
	echo
	echo "## Boot (ms from launch)"
	echo
	echo "Launch to the guest's \`minivmm-guest: ready\` line on the serial console, and to"
	echo "the VMM's exit after the guest's \`poweroff -f\`. Same kernel, initramfs, command line, memory, vCPUs."
	echo
	echo "Before the guest clock: launch to ready minus the guest's /proc/uptime read just after"
	echo "the marker, i.e. VMM set-up, firmware and kernel loading and decompression, before the"
	echo "guest kernel starts counting; the rest is the guest kernel's and init's own time."
	echo
	echo "| VMM | runs | to ready | to exit | before the guest clock | guest uptime at ready | minivmm ÷ this, ready | minivmm ÷ this, exit |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	mr=$(get boot minivmm ready_ms med) me=$(get boot minivmm exit_ms med)
	for v in $vmms; do
		echo "| $v | $(get boot "$v" ready_ms n) | $(cell boot "$v" ready_ms 1 0) | $(cell boot "$v" exit_ms 1 0) |" \
			"$(cell boot "$v" before_clock_ms 1 0) | $(cell boot "$v" guest_uptime_ms 1 0) |" \
			"$(ratio "$mr" "$(get boot "$v" ready_ms med)") | $(ratio "$me" "$(get boot "$v" exit_ms med)") |"
	done
	echo
	echo "## Memory (MiB)"
	echo
	echo "Sampled from /proc/PID/smaps and status every 50 ms for 2 s while the guest idles at its ready"
	echo "marker. Guest RAM: Rss of the anonymous mapping of the guest's memory size. Overhead: VmHWM"
	echo "(peak Rss of the VMM process) minus that, and total Rss minus that at the sample."
	echo
	echo "| VMM | runs | guest RAM touched | VMM peak RSS | peak RSS − guest RAM | RSS − guest RAM at ready | minivmm ÷ this, peak overhead |"
	echo "| --- | --- | --- | --- | --- | --- | --- |"
	mo=$(get mem minivmm overhead_peak_kb med)
	for v in $vmms; do
		echo "| $v | $(get mem "$v" guest_kb n) | $(cell mem "$v" guest_kb 1024 1) | $(cell mem "$v" hwm_kb 1024 1) |" \
			"$(cell mem "$v" overhead_peak_kb 1024 1) | $(cell mem "$v" overhead_now_kb 1024 1) |" \
			"$(ratio "$mo" "$(get mem "$v" overhead_peak_kb med)") |"
	done
	echo
	echo "## Disk (fio, libaio, O_DIRECT)"
	echo
	echo "4k jobs in IOPS, 1M jobs in MiB/s. In the guests on /dev/vdX (virtio-blk: minivmm's;"
	echo "QEMU q35's virtio-blk-pci with aio=native, cache.direct=on and an iothread), on the host"
	echo "by fio on the same raw file before and after the guests (drift)."
	echo
	echo "| job | host before | minivmm | QEMU q35 | host after | minivmm ÷ QEMU | minivmm ÷ host | QEMU ÷ host | host drift (after ÷ before) |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for j in $(awk '$1 == "disk" && $2 == "host-before" { print $3 }' "$stats"); do
		hb=$(get disk host-before "$j" med) mv=$(get disk minivmm "$j" med) q=$(get disk qemu-q35 "$j" med)
		echo "| $j | $(cell disk host-before "$j" 1 0) | $(cell disk minivmm "$j" 1 0) | $(cell disk qemu-q35 "$j" 1 0) |" \
			"$(cell disk host-after "$j" 1 0) | $(ratio "$mv" "$q") | $(ratio "$mv" "$hb") | $(ratio "$q" "$hb") |" \
			"$(ratio "$(get disk host-after "$j" med)" "$hb") |"
	done
	echo
	echo "![boot, memory and disk](bench.png)"
} >"$md"

# Data for gnuplot: label med min max [med min max].
for v in $vmms; do
	printf '%s %s %s %s %s %s %s\n' "$v" \
		"$(get boot "$v" ready_ms med)" "$(get boot "$v" ready_ms min)" "$(get boot "$v" ready_ms max)" \
		"$(get boot "$v" exit_ms med)" "$(get boot "$v" exit_ms min)" "$(get boot "$v" exit_ms max)"
done | awk 'NF == 7' >"$outdir/boot.dat"
for v in $vmms; do
	printf '%s %s %s %s %s %s %s\n' "$v" \
		"$(get mem "$v" overhead_peak_kb med 1024)" "$(get mem "$v" overhead_peak_kb min 1024)" \
		"$(get mem "$v" overhead_peak_kb max 1024)" "$(get mem "$v" overhead_now_kb med 1024)" \
		"$(get mem "$v" overhead_now_kb min 1024)" "$(get mem "$v" overhead_now_kb max 1024)"
done | awk 'NF == 7' >"$outdir/mem.dat"
# Disk: every figure divided by the host-before median of its job.
for j in $(awk '$1 == "disk" && $2 == "host-before" { print $3 }' "$stats"); do
	hb=$(get disk host-before "$j" med)
	line=$j
	for v in host-before minivmm qemu-q35 host-after; do
		for f in med min max; do
			x=$(get disk "$v" "$j" "$f")
			line="$line $(ratio "${x:-0}" "$hb" %.4g)"
		done
	done
	echo "$line"
done | sed 's/n\/a/0/g' >"$outdir/disk.dat"

# One panel per data file that has figures (a section left out draws nothing).
panels=0
for f in boot mem disk; do [ -s "$outdir/$f.dat" ] && panels=$((panels + 1)); done
if ! command -v gnuplot >/dev/null; then
	echo "report: gnuplot not found, no plot (bash scripts/setup.sh --bench)" >&2
elif [ "$panels" = 0 ]; then
	echo "report: no figures to plot" >&2
else
	{
		cat <<EOF
set terminal pngcairo size $((600 * panels)),560 font ",11" noenhanced
set output "$outdir/bench.png"
set multiplot layout 1,$panels title "minivmm vs QEMU, $(info mode_short), $(info date)"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6 border -1
set key top left
set grid ytics
set yrange [0:*]
EOF
		[ -s "$outdir/boot.dat" ] && cat <<EOF
set title "boot: launch to ready marker / to exit (ms)\\nmedian, bars min-max"
plot "$outdir/boot.dat" using 2:3:4:xtic(1) title "to ready", '' using 5:6:7 title "to exit"
EOF
		[ -s "$outdir/mem.dat" ] && cat <<EOF
set title "memory: VMM RSS minus guest RAM (MiB)\\nmedian, bars min-max"
plot "$outdir/mem.dat" using 2:3:4:xtic(1) title "peak", '' using 5:6:7 title "at ready"
EOF
		[ -s "$outdir/disk.dat" ] && cat <<EOF
set title "disk: fio figure / host-before median (log scale)\\nmedian, bars min-max"
set xtics rotate by -30
set logscale y
set yrange [*:*]
set key top right
plot "$outdir/disk.dat" using 2:3:4:xtic(1) title "host before", '' using 5:6:7 title "minivmm", '' using 8:9:10 title "QEMU q35", '' using 11:12:13 title "host after"
EOF
		echo "unset multiplot"
	} | gnuplot
fi
echo "report: $md"
