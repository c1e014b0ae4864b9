# fio inside the guest (from a second, read-only tools disk the host builds):
# 4k random writes with crc32c verification, then random reads, libaio,
# O_DIRECT, iodepth 32. Also prints 4k random-read IOPS at iodepth 1 and 32
# in the guest next to the same jobs run by fio on the same file from this side.
. ./lib.sh
fio=$(tool fio)
tools=$WORK/tools.$$.img
fio_tools_disk "$tools"
data=$WORK/fio.$$.img
mkdisk "$data" 128

jobs='--ioengine=libaio --direct=1 --bs=4k --size=64M --group_reporting'
vm_script "
mkdir -p /t && mount -o ro /dev/vdb /t || exit 1
FIO='/t/lib/ld-linux-x86-64.so.2 --library-path /t/lib /t/fio'
\$FIO --name=verify --filename=/dev/vda $jobs --rw=randwrite --iodepth=32 --verify=crc32c --do_verify=1 --verify_fatal=1 >/tmp/w.txt 2>&1 && echo 'fio randwrite verify ok' || cat /tmp/w.txt
\$FIO --name=verify --filename=/dev/vda $jobs --rw=randread --iodepth=32 --verify=crc32c --verify_only=1 --verify_fatal=1 >/tmp/r.txt 2>&1 && echo 'fio randread verify ok' || cat /tmp/r.txt
for d in 1 32; do
	iops=\$(\$FIO --name=rr --filename=/dev/vda $jobs --rw=randread --iodepth=\$d --runtime=5 --time_based --output-format=terse --terse-version=3 2>/dev/null | cut -d';' -f8)
	echo \"guest randread iodepth=\$d iops=\$iops\"
done
" --timeout 300 --memory 1G --stats --disk "$data" --disk "path=$tools,ro"
expect_status 0
expect_output "fio randwrite verify ok"
expect_output "fio randread verify ok"
[ "$(stat_value notify_exits)" = 0 ] || fail "doorbells exited to user space during fio"
for d in 1 32; do
	iops=$("$fio" --name=rr --filename="$data" $jobs --rw=randread --iodepth=$d --runtime=5 \
		--time_based --output-format=terse --terse-version=3 2>/dev/null | cut -d';' -f8)
	echo "report: host randread 4k iodepth=$d iops=$iops (fio on the same file from this side)"
done
grep "guest randread" "$OUT" | tr -d '\r' | sed 's/^/report: /'
grep "stats: disk" "$OUT" | tr -d '\r' | sed 's/^/report: /'
rm -rf "$tools" "$data"
