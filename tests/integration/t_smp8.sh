# 8 vCPUs, each on its own thread: the guest brings all of them online.
# In the harness VM eight nested vCPUs share two emulated ones, so the boot
# took 16 s here but 4 vCPUs took up to 60 s on a loaded machine: a longer --timeout than the other tests.
. ./lib.sh
vm --timeout 240 --cpus 8 --memory 1G --cmdline "$BASE_CMDLINE run=\"cat /sys/devices/system/cpu/online\""
expect_output "minivmm-guest: cpus=8"
expect_output "^0-7"
expect_status 0
