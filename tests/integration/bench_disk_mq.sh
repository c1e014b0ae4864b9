# A benchmark, not a test (not in ctest: figures come from bench runs, never timed tests).
# Run it in the harness with: run-all.sh bench_disk_mq.sh (see docs/PERFORMANCE.md).
# libaio vs io_uring, 1 vs 4 queues: the same fio 4k random-read job
# (iodepth 32, one job per vCPU, each pinned to its CPU, 5 s) on four disks
# of one 4-vCPU guest, reported as IOPS. In the harness these are nested
# figures: compare them with each other only. Each run must give a figure,
# and each 4-queue disk must have read on all its queues.
. ./lib.sh
fio=$(tool fio)
tools=$WORK/mbtools.$$.img
fio_tools_disk "$tools"
d1=$WORK/mb1.$$.img d2=$WORK/mb2.$$.img d3=$WORK/mb3.$$.img d4=$WORK/mb4.$$.img
for d in $d1 $d2 $d3 $d4; do mkdisk "$d" 64; done

jobs='--ioengine=libaio --direct=1 --bs=4k --size=48M --group_reporting'
vm_script "
up() { cut -d' ' -f1 /proc/uptime; }
mkdir -p /t && mount -o ro /dev/vde /t || exit 1
FIO='/t/lib/ld-linux-x86-64.so.2 --library-path /t/lib /t/fio'
echo \"phase bench at \$(up)\"
for d in vda vdb vdc vdd; do
	iops=\$(\$FIO --name=rr --filename=/dev/\$d $jobs --rw=randread --iodepth=32 --numjobs=4 --cpus_allowed=0-3 --cpus_allowed_policy=split --runtime=5 --time_based --output-format=terse --terse-version=3 2>/dev/null | cut -d';' -f8)
	echo \"bench \$d iops=\$iops\"
done
echo \"phase done at \$(up)\"
" --cpus 4 --memory 1G --timeout 150 --stats \
	--disk "path=$d1,aio=io_uring,queues=4" --disk "path=$d2,aio=libaio,queues=1" \
	--disk "path=$d3,aio=libaio,queues=4" --disk "path=$d4,aio=io_uring,queues=1" \
	--disk "path=$tools,ro"
expect_status 0
[ "$(stat_value notify_exits)" = 0 ] || fail "doorbells exited to user space"
for d in vda vdb vdc vdd; do
	iops=$(tr -d '\r' <"$OUT" | sed -n "s/^bench $d iops=\([0-9]*\)$/\1/p")
	[ "${iops:-0}" -gt 0 ] || fail "no IOPS figure for $d"
done
# The 4-queue disks read on every queue (one pinned job per vCPU).
for img in $d1 $d3; do
	for q in 0 1 2 3; do
		r=$(tr -d '\r' <"$OUT" | sed -n "s|.*stats: disk $img queue $q: .* read=\([0-9]*\) .*|\1|p")
		[ "${r:-0}" -gt 0 ] || fail "$img queue $q: read=${r:-missing}, want > 0"
	done
done
tr -d '\r' <"$OUT" | grep "^phase" | sed 's/^/report: /'
tr -d '\r' <"$OUT" | grep "^bench" | sed 's/^/report: /' |
	sed 's/ vda / vda (io_uring, 4 queues) /; s/ vdb / vdb (libaio, 1 queue) /; s/ vdc / vdc (libaio, 4 queues) /; s/ vdd / vdd (io_uring, 1 queue) /'
tr -d '\r' <"$OUT" | grep "stats: disk" | sed 's/^/report: /'
rm -rf "$tools" "$d1" "$d2" "$d3" "$d4"
