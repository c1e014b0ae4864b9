# A virtio-blk disk: size and serial as given, a pattern written with O_DIRECT
# reads back in the guest and sits at the right offsets of the host file; the
# doorbells never left the kernel (ioeventfd), interrupts came through irqfd.
. ./lib.sh
img=$WORK/io.$$.img
pattern_disk "$img"
vm_script "$PATTERN_SCRIPT" --stats --disk "path=$img,serial=sn-0042"
expect_status 0
expect_patterns "$img" sn-0042
expect_kernel_paths
rm -f "$img"
