# mkfs.ext4 on the host, files written in the guest, sync, power-off; then
# e2fsck -fn on the host passes and the files match what the guest wrote.
. ./lib.sh
img=$WORK/ext4.$$.img
mkdisk "$img" 64
"$(tool mke2fs)" -q -t ext4 -F "$img" || fail "mke2fs failed"
vm_script '
mkdir -p /mnt && mount -t ext4 /dev/vda /mnt || exit 1
dd if=/dev/urandom of=/mnt/big bs=1k count=3000 2>/dev/null
mkdir /mnt/dir && echo "hello from the guest" > /mnt/dir/small
md5sum /mnt/big /mnt/dir/small | sed "s/^/sum /"
sync && umount /mnt && echo unmounted
' --memory 512M --disk "$img"
expect_status 0
expect_output "unmounted"
"$(tool e2fsck)" -fn "$img" >"$WORK/fsck.$$" 2>&1 || { cat "$WORK/fsck.$$" >&2; fail "e2fsck -fn found problems"; }
for f in big dir/small; do
	want=$(sed -n "s|^sum \([0-9a-f]*\)  /mnt/$f.*|\1|p" "$OUT" | tr -d '\r')
	"$(tool debugfs)" -R "dump /$f $WORK/dump.$$" "$img" >/dev/null 2>&1 || fail "debugfs cannot read /$f"
	got=$(md5sum "$WORK/dump.$$" | cut -d' ' -f1)
	[ -n "$want" ] && [ "$got" = "$want" ] || fail "/$f: host md5 $got, guest wrote $want"
done
rm -f "$img" "$WORK/dump.$$" "$WORK/fsck.$$"
