# fio on the io_uring backend (as t_disk_fio.sh on libaio): 4k random writes
# with crc32c verification, then verified random reads, iodepth 32, on an
# io_uring disk with 2 queues on 2 vCPUs, both queues carrying I/O.
# (bench_disk_mq.sh compares the backends and queue counts.)
. ./lib.sh
fio=$(tool fio)
tools=$WORK/uftools.$$.img
fio_tools_disk "$tools"
d1=$WORK/uf1.$$.img
mkdisk "$d1" 64

jobs='--ioengine=libaio --direct=1 --bs=4k --size=16M --group_reporting'
vm_script "
up() { cut -d' ' -f1 /proc/uptime; }
mkdir -p /t && mount -o ro /dev/vdb /t || exit 1
echo \"phase verify at \$(up)\"
FIO='/t/lib/ld-linux-x86-64.so.2 --library-path /t/lib /t/fio'
\$FIO --name=verify --filename=/dev/vda $jobs --rw=randwrite --iodepth=32 --verify=crc32c --do_verify=1 --verify_fatal=1 >/tmp/w.txt 2>&1 && echo 'fio randwrite verify ok' || cat /tmp/w.txt
\$FIO --name=verify --filename=/dev/vda $jobs --rw=randread --iodepth=32 --verify=crc32c --verify_only=1 --verify_fatal=1 >/tmp/r.txt 2>&1 && echo 'fio randread verify ok' || cat /tmp/r.txt
echo \"phase done at \$(up)\"
" --cpus 2 --memory 1G --timeout 150 --stats \
	--disk "path=$d1,aio=io_uring,queues=2" --disk "path=$tools,ro"
expect_status 0
expect_output "fio randwrite verify ok"
expect_output "fio randread verify ok"
[ "$(stat_value notify_exits)" = 0 ] || fail "doorbells exited to user space during fio"
grep -q "stats: disk $d1: queues=2 aio=io_uring" "$OUT" || fail "--stats: vda is not io_uring with 2 queues"
for q in 0 1; do
	w=$(tr -d '\r' <"$OUT" | sed -n "s|.*stats: disk $d1 queue $q: .* written=\([0-9]*\) .*|\1|p")
	[ "${w:-0}" -gt 0 ] || fail "queue $q: written=${w:-missing}, want > 0"
done
tr -d '\r' <"$OUT" | grep "^phase" | sed 's/^/report: /'
tr -d '\r' <"$OUT" | grep "stats: disk" | sed 's/^/report: /'
rm -rf "$tools" "$d1"
