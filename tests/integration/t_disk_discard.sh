# blkdiscard (DISCARD) and blkzeroout (WRITE_ZEROES, the kit's BLKZEROOUT helper) reach the file: the
# ranges read back as zeros on the host and the bytes around them survive.
. ./lib.sh
img=$WORK/discard.$$.img
mkdisk "$img" 16
# Fill the first 4 MiB with a non-zero pattern.
tr '\0' 'x' </dev/zero | dd of="$img" bs=1M count=4 conv=notrunc iflag=fullblock 2>/dev/null
vm_script '
cat /sys/block/vda/queue/discard_max_bytes /sys/block/vda/queue/write_zeroes_max_bytes
blkdiscard -o 1048576 -l 1048576 /dev/vda && echo discarded
blkzeroout /dev/vda 2097152 1048576 && echo zeroed
' --disk "$img"
expect_status 0
expect_output discarded
expect_output zeroed
zeros=$(dd if="$img" bs=1M skip=1 count=2 2>/dev/null | tr -d '\0' | wc -c)
[ "$zeros" = 0 ] || fail "$zeros non-zero bytes left in the discarded and zeroed ranges"
[ "$(host_read "$img" 1048575 1)" = x ] || fail "the byte before the range was lost"
[ "$(host_read "$img" 3145728 1)" = x ] || fail "the byte after the range was lost"
rm -f "$img"
