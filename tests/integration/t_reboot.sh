# reboot -f in the guest ends minivmm with the reset status, 3.
. ./lib.sh
vm --cmdline "$BASE_CMDLINE run=\"reboot -f\""
expect_output "minivmm-guest: ready"
expect_status 3
