# A virtio-blk disk: size and serial as given, a pattern written with O_DIRECT
# reads back in the guest and sits at the right offsets of the host file; the
# doorbells never left the kernel (ioeventfd), interrupts came through irqfd.
. ./lib.sh
img=$WORK/io.$$.img
mkdisk "$img" 64
printf 'host-sector-0' | dd of="$img" conv=notrunc 2>/dev/null
vm_script '
cat /sys/block/vda/size /sys/block/vda/serial; echo
head -c 13 /dev/vda; echo
for o in 0 100 4095; do
	printf "pattern-$o" | dd of=/dev/vda bs=4096 seek=$((o + 1)) conv=sync oflag=direct 2>/dev/null
done
echo "readback $(dd if=/dev/vda bs=4096 skip=101 count=1 iflag=direct 2>/dev/null | head -c 11)"
' --stats --disk "path=$img,serial=sn-0042"
expect_status 0
expect_output "^131072"
expect_output "sn-0042"
expect_output "host-sector-0"
expect_output "readback pattern-100"
for o in 0 100 4095; do
	got=$(host_read "$img" $(((o + 1) * 4096)) 12 | tr -d '\0')
	[ "$got" = "pattern-$o" ] || fail "host file at block $((o + 1)): '$got', want 'pattern-$o'"
done
[ "$(stat_value doorbells)" -gt 0 ] || fail "no doorbells counted"
[ "$(stat_value notify_exits)" = 0 ] || fail "$(stat_value notify_exits) doorbells exited to user space"
[ "$(stat_value interrupts)" -gt 0 ] || fail "no interrupts counted"
rm -f "$img"
