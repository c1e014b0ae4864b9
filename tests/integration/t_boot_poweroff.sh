# 1 vCPU boots the Debian cloud kernel to the kit's ready marker; poweroff -> 0.
. ./lib.sh
vm --cpus 1 --cmdline "$BASE_CMDLINE run=\"poweroff -f\""
expect_output "minivmm-guest: ready"
expect_output "minivmm-guest: cpus=1"
expect_status 0
