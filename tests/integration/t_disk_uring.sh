# The io_uring backend (aio=io_uring): the checks of t_disk_io.sh on a disk
# served through io_uring, under the syscall sandbox: size and serial, a host
# pattern read in the guest, O_DIRECT writes at the right offsets of the host
# file, doorbells on ioeventfd and interrupts on irqfd. A flush (sync) and a
# discard go through the ring and the synchronous path.
. ./lib.sh
img=$WORK/uring.$$.img
mkdisk "$img" 64
printf 'host-sector-0' | dd of="$img" conv=notrunc 2>/dev/null
vm_script '
cat /sys/block/vda/size /sys/block/vda/serial; echo
head -c 13 /dev/vda; echo
for o in 0 100 4095; do
	printf "pattern-$o" | dd of=/dev/vda bs=4096 seek=$((o + 1)) conv=sync oflag=direct 2>/dev/null
done
echo "readback $(dd if=/dev/vda bs=4096 skip=101 count=1 iflag=direct 2>/dev/null | head -c 11)"
printf "buffered" | dd of=/dev/vda bs=4096 seek=200 conv=sync,fsync 2>/dev/null && echo "fsync ok"
' --stats --disk "path=$img,serial=sn-uring,aio=io_uring"
expect_status 0
expect_output "^131072"
expect_output "sn-uring"
expect_output "host-sector-0"
expect_output "readback pattern-100"
expect_output "fsync ok"
expect_no_output "sandbox"
for o in 0 100 4095; do
	got=$(host_read "$img" $(((o + 1) * 4096)) 12 | tr -d '\0')
	[ "$got" = "pattern-$o" ] || fail "host file at block $((o + 1)): '$got', want 'pattern-$o'"
done
got=$(host_read "$img" $((200 * 4096)) 8)
[ "$got" = buffered ] || fail "host file at block 200: '$got', want 'buffered' (after fsync)"
grep -q "stats: disk .*aio=io_uring" "$OUT" || fail "--stats does not show aio=io_uring"
[ "$(stat_value doorbells)" -gt 0 ] || fail "no doorbells counted"
[ "$(stat_value notify_exits)" = 0 ] || fail "$(stat_value notify_exits) doorbells exited to user space"
[ "$(stat_value interrupts)" -gt 0 ] || fail "no interrupts counted"
[ "$(stat_value errors)" = 0 ] || fail "$(stat_value errors) requests failed"
rm -f "$img"
