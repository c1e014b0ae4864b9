# Data the guest flushed is on disk even if minivmm is killed with SIGKILL
# right after the guest's fsync returned.
. ./lib.sh
img=$WORK/durable.$$.img
mkdisk "$img" 16
vm_bg '
printf durable-data-1234 | dd of=/dev/vda bs=4096 seek=7 conv=sync,fsync 2>/dev/null && echo "fsync returned"
sleep 1000
' --disk "path=$img,cache=writeback"
wait_output "fsync returned" 90
kill -9 "$VM_PID"
wait "$VM_PID" 2>/dev/null
[ "$(host_read "$img" 28672 17)" = durable-data-1234 ] || fail "flushed data missing after SIGKILL"
rm -f "$img"
