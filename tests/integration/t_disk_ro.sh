# A disk given with ,ro is read-only in the guest and the file is untouched.
. ./lib.sh
img=$WORK/ro.$$.img
mkdisk "$img" 16
printf 'keep-me' | dd of="$img" conv=notrunc 2>/dev/null
before=$(md5sum "$img" | cut -d' ' -f1)
vm_script '
echo "ro=$(cat /sys/block/vda/ro)"
head -c 7 /dev/vda; echo
if echo overwrite | dd of=/dev/vda bs=512 conv=sync oflag=direct 2>/dev/null; then echo "write allowed"; else echo "write refused"; fi
' --disk "path=$img,ro"
expect_status 0
expect_output "ro=1"
expect_output "keep-me"
expect_output "write refused"
[ "$(md5sum "$img" | cut -d' ' -f1)" = "$before" ] || fail "the read-only disk's file changed"
rm -f "$img"
