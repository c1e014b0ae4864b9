# 2 vCPUs boot the kit's uncompressed vmlinux through the PVH entry (32-bit,
# hvm_start_info in EBX) to the ready marker; poweroff -> 0.
. ./lib.sh
[ -f "$KIT/vmlinux" ] || fail "the kit has no vmlinux: rebuild it with images/build-kit.sh"
KERNEL=$KIT/vmlinux
# type_of_loader 0x90 ("Xen") in the boot_params Linux builds for itself: the
# PVH entry ran; the initrd (module 0) and run= (the command line) got there too.
vm_script '
cat /sys/devices/system/cpu/online
echo "loader=$(od -An -tx1 -j 528 -N1 /sys/kernel/boot_params/data | tr -d " ")"
grep MemTotal /proc/meminfo
poweroff -f' --cpus 2
expect_output "minivmm-guest: ready"
expect_output "minivmm-guest: cpus=2"
expect_output "^0-1"
expect_output "loader=90"
# The memory map came through start_info: 512M of RAM, less the kernel's own.
kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB.*/\1/p' "$OUT" | head -1)
[ -n "$kb" ] && [ "$kb" -gt 400000 ] || fail "MemTotal '$kb' kB: the guest did not get the memory map"
expect_status 0
