# A guest that never ends is stopped by --timeout with status 124.
. ./lib.sh
vm --timeout 5 --cmdline "$BASE_CMDLINE run=\"while :; do sleep 1; done\""
expect_status 124
expect_output "timeout of 5 s expired"
