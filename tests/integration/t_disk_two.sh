# Two disks at once, in order: vda and vdb with their own sizes and serials;
# a write to vdb lands in the second file only.
. ./lib.sh
a=$WORK/a.$$.img b=$WORK/b.$$.img
mkdisk "$a" 32
mkdisk "$b" 16
sum_a=$(md5sum "$a" | cut -d' ' -f1)
vm_script '
echo "vda $(cat /sys/block/vda/size) $(cat /sys/block/vda/serial)"
echo "vdb $(cat /sys/block/vdb/size) $(cat /sys/block/vdb/serial)"
printf second-disk | dd of=/dev/vdb bs=512 seek=3 conv=sync oflag=direct 2>/dev/null
' --disk "path=$a,serial=disk-a" --disk "path=$b,serial=disk-b"
expect_status 0
expect_output "vda 65536 disk-a"
expect_output "vdb 32768 disk-b"
[ "$(host_read "$b" 1536 11)" = second-disk ] || fail "vdb's write is not in the second file"
[ "$(md5sum "$a" | cut -d' ' -f1)" = "$sum_a" ] || fail "the first file changed"
rm -f "$a" "$b"
