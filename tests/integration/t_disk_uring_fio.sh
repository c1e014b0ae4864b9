# fio on the io_uring backend, 4 vCPUs: 4k random writes with crc32c
# verification then verified random reads on an io_uring disk with 4 queues.
# Then the same 4k random-read job (iodepth 32, one job per vCPU, each pinned)
# on four disks, libaio or io_uring with 1 or 4 queues, twice, reported as
# IOPS (nested-harness figures: compare them with each other only). Each disk
# must have served reads on all its queues.
. ./lib.sh
fio=$(tool fio)
tdir=$WORK/uftools.$$
mkdir -p "$tdir/lib"
cp "$fio" "$tdir/fio"
LD_TRACE_LOADED_OBJECTS=1 /lib64/ld-linux-x86-64.so.2 "$fio" | grep -o '/[^ ]*' |
	while read -r lib; do cp -L "$lib" "$tdir/lib/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$tdir/lib/"
tools=$WORK/uftools.$$.img
mkdisk "$tools" 160
"$(tool mke2fs)" -q -t ext4 -d "$tdir" -F "$tools" || fail "cannot build the tools disk"
d1=$WORK/uf1.$$.img d2=$WORK/uf2.$$.img d3=$WORK/uf3.$$.img d4=$WORK/uf4.$$.img
for d in $d1 $d2 $d3 $d4; do mkdisk "$d" 64; done

jobs='--ioengine=libaio --direct=1 --bs=4k --size=48M --group_reporting'
vm_script "
mkdir -p /t && mount -o ro /dev/vde /t || exit 1
FIO='/t/lib/ld-linux-x86-64.so.2 --library-path /t/lib /t/fio'
\$FIO --name=verify --filename=/dev/vda $jobs --rw=randwrite --iodepth=32 --verify=crc32c --do_verify=1 --verify_fatal=1 >/tmp/w.txt 2>&1 && echo 'fio randwrite verify ok' || cat /tmp/w.txt
\$FIO --name=verify --filename=/dev/vda $jobs --rw=randread --iodepth=32 --verify=crc32c --verify_only=1 --verify_fatal=1 >/tmp/r.txt 2>&1 && echo 'fio randread verify ok' || cat /tmp/r.txt
for round in 1 2; do
	for d in vda vdb vdc vdd; do
		iops=\$(\$FIO --name=rr --filename=/dev/\$d $jobs --rw=randread --iodepth=32 --numjobs=4 --cpus_allowed=0-3 --cpus_allowed_policy=split --runtime=5 --time_based --output-format=terse --terse-version=3 2>/dev/null | cut -d';' -f8)
		echo \"bench round \$round \$d iops=\$iops\"
	done
done
" --cpus 4 --memory 1G --timeout 170 --stats \
	--disk "path=$d1,aio=io_uring,queues=4" --disk "path=$d2,aio=libaio,queues=1" \
	--disk "path=$d3,aio=libaio,queues=4" --disk "path=$d4,aio=io_uring,queues=1" \
	--disk "path=$tools,ro"
expect_status 0
expect_output "fio randwrite verify ok"
expect_output "fio randread verify ok"
[ "$(stat_value notify_exits)" = 0 ] || fail "doorbells exited to user space during fio"
for d in vda vdb vdc vdd; do
	for round in 1 2; do
		iops=$(tr -d '\r' <"$OUT" | sed -n "s/^bench round $round $d iops=\([0-9]*\)$/\1/p")
		[ "${iops:-0}" -gt 0 ] || fail "no IOPS figure for $d, round $round"
	done
done
# The 4-queue disks read on every queue (one pinned job per vCPU).
for img in $d1 $d3; do
	for q in 0 1 2 3; do
		r=$(tr -d '\r' <"$OUT" | sed -n "s|.*stats: disk $img queue $q: .* read=\([0-9]*\) .*|\1|p")
		[ "${r:-0}" -gt 0 ] || fail "$img queue $q: read=${r:-missing}, want > 0"
	done
done
tr -d '\r' <"$OUT" | grep "^bench round" | sed 's/^/report: /' |
	sed 's/ vda / vda (io_uring, 4 queues) /; s/ vdb / vdb (libaio, 1 queue) /; s/ vdc / vdc (libaio, 4 queues) /; s/ vdd / vdd (io_uring, 1 queue) /'
tr -d '\r' <"$OUT" | grep "stats: disk" | sed 's/^/report: /'
rm -rf "$tdir" "$tools" "$d1" "$d2" "$d3" "$d4"
