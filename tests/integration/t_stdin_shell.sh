# Commands piped into minivmm's stdin run in the guest's shell and their output comes back.
. ./lib.sh
printf 'echo marker-$((6*7))\nuname -r\npoweroff -f\n' >"$WORK/stdin.$$"
vm_stdin "$WORK/stdin.$$" --cmdline "$BASE_CMDLINE"
expect_output "marker-42"
expect_output "$(cat "$KIT/kernel-version" 2>/dev/null || echo cloud-amd64)"
expect_status 0
