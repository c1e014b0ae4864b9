# The disk file is truncated under a running guest: reads past the new end
# fail with IOERR, the rest still works, and the guest powers off cleanly.
. ./lib.sh
img=$WORK/trunc.$$.img
mkdisk "$img" 16
printf 'survive' | dd of="$img" conv=notrunc 2>/dev/null
vm_bg '
echo go
while [ ! -e /tmp/never ]; do sleep 1; [ $((i += 1)) -ge 4 ] && break; done
if dd if=/dev/vda bs=4096 skip=1000 count=1 iflag=direct >/dev/null 2>&1; then echo "read past end ok"; else echo "read past end failed"; fi
echo "first $(dd if=/dev/vda bs=512 count=1 iflag=direct 2>/dev/null | head -c 7)"
' --disk "$img"
wait_output go 90
truncate -s 4096 "$img"
i=0
while kill -0 "$VM_PID" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 300 ] || { kill -9 "$VM_PID"; fail "the guest did not finish after the truncation"; }
	sleep 0.2
done
wait "$VM_PID"
ST=$?
expect_status 0
expect_output "read past end failed"
expect_output "first survive"
rm -f "$img"
