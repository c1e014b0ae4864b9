# 4 vCPUs, each on its own thread: the guest brings all of them online.
# In the harness VM four nested vCPUs share two emulated ones, so the boot
# takes 20-60 s under load instead of ~10 s: a longer --timeout than the rest.
# t_smp8.sh does the same with 8.
. ./lib.sh
vm --timeout 240 --cpus 4 --memory 1G --cmdline "$BASE_CMDLINE run=\"cat /sys/devices/system/cpu/online\""
expect_output "minivmm-guest: cpus=4"
expect_output "^0-3"
expect_status 0
