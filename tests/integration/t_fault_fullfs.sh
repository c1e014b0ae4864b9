# The backing file sits on a full file system: the guest's writes fail with
# IOERR, minivmm keeps running, and the guest can still read.
. ./lib.sh
mnt=$WORK/small.$$
mkdir -p "$mnt"
mount -t tmpfs -o size=4m tmpfs "$mnt" || fail "cannot mount a small tmpfs (need root)"
img=$mnt/disk.img
truncate -s 32M "$img"
printf 'readable-before' | dd of="$img" conv=notrunc 2>/dev/null
vm_script '
if dd if=/dev/zero of=/dev/vda bs=1M seek=1 count=16 oflag=direct 2>/dev/null; then echo "big write ok"; else echo "big write failed"; fi
echo "read $(dd if=/dev/vda bs=512 count=1 iflag=direct 2>/dev/null | head -c 15)"
' --disk "path=$img,cache=writeback"
umount "$mnt"
expect_status 0
expect_output "big write failed"
expect_output "read readable-before"
