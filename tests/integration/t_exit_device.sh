# The exit device: the guest writes a byte to port 0xf4 and minivmm exits with it.
. ./lib.sh
vm --cmdline "$BASE_CMDLINE run=\"guest-exit 42\""
expect_status 42
vm --cmdline "$BASE_CMDLINE run=\"guest-exit 200\""
expect_status 200
