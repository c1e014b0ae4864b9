# 2 vCPUs boot the kit's uncompressed vmlinux through the PVH entry (32-bit,
# hvm_start_info in EBX) to the ready marker; poweroff -> 0.
. ./lib.sh
[ -f "$KIT/vmlinux" ] || fail "the kit has no vmlinux: rebuild it with images/build-kit.sh"
KERNEL=$KIT/vmlinux
# type_of_loader in /sys/kernel/boot_params: Linux's PVH code builds its own
# boot_params with 0xb0 off Xen (0x90 on Xen); minivmm's bzImage path writes
# 0xff. So 0xb0 means the PVH entry ran; the ready marker and run= show that
# the initrd (module 0) and the command line got there too.
vm_script '
cat /sys/devices/system/cpu/online
echo "loader=$(od -An -tx1 -j 528 -N1 /sys/kernel/boot_params/data | tr -d " ")"
grep MemTotal /proc/meminfo
poweroff -f' --cpus 2
expect_output "minivmm-guest: ready"
expect_output "minivmm-guest: cpus=2"
expect_output "^0-1"
expect_output "loader=b0"
# The memory map came through start_info: 512M of RAM, less the kernel's own.
kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB.*/\1/p' "$OUT" | head -1)
[ -n "$kb" ] && [ "$kb" -gt 400000 ] || fail "MemTotal '$kb' kB: the guest did not get the memory map"
expect_status 0
