# SIGTERM while the guest is busy writing: minivmm finishes in-flight I/O and
# exits with 143 (128 + SIGTERM); the file holds only whole blocks the guest wrote.
. ./lib.sh
img=$WORK/term.$$.img
mkdisk "$img" 64
vm_bg '
echo writing
i=0; while :; do dd if=/dev/zero of=/dev/vda bs=64k count=16 seek=$((i % 60)) oflag=direct 2>/dev/null; i=$((i + 1)); done
' --disk "$img"
wait_output writing 90
sleep 1
kill -TERM "$VM_PID"
i=0
while kill -0 "$VM_PID" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 50 ] || { kill -9 "$VM_PID"; fail "minivmm still running 10 s after SIGTERM"; }
	sleep 0.2
done
wait "$VM_PID"
ST=$?
expect_status 143
rm -f "$img"
