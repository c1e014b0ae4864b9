# The io_uring backend (aio=io_uring): the checks of t_disk_io.sh on a disk
# served through io_uring, under the syscall sandbox: size and serial, a host
# pattern read in the guest, O_DIRECT writes at the right offsets of the host
# file, doorbells on ioeventfd and interrupts on irqfd; then a buffered write
# and its fsync (a FLUSH through the ring) reach the file.
. ./lib.sh
img=$WORK/uring.$$.img
pattern_disk "$img"
vm_script "$PATTERN_SCRIPT"'
printf "buffered" | dd of=/dev/vda bs=4096 seek=200 conv=sync,fsync 2>/dev/null && echo "fsync ok"
' --stats --disk "path=$img,serial=sn-uring,aio=io_uring"
expect_status 0
expect_patterns "$img" sn-uring
expect_output "fsync ok"
expect_no_output "sandbox"
got=$(host_read "$img" $((200 * 4096)) 8)
[ "$got" = buffered ] || fail "host file at block 200: '$got', want 'buffered' (after fsync)"
grep -q "stats: disk .*aio=io_uring" "$OUT" || fail "--stats does not show aio=io_uring"
expect_kernel_paths
[ "$(stat_value errors)" = 0 ] || fail "$(stat_value errors) requests failed"
rm -f "$img"
