# A forced kernel panic with panic=-1 is told apart from a clean power-off.
. ./lib.sh
vm --cmdline "$BASE_CMDLINE panic=-1 run=\"echo c > /proc/sysrq-trigger\""
expect_output "Kernel panic"
[ "$ST" != 0 ] || fail "a panic ended with status 0, like a power-off"
expect_status 3
