# 4 vCPUs, each on its own thread: the guest brings all of them online.
. ./lib.sh
vm --cpus 4 --memory 1G --cmdline "$BASE_CMDLINE run=\"cat /sys/devices/system/cpu/online\""
expect_output "minivmm-guest: cpus=4"
expect_output "^0-3"
expect_status 0
