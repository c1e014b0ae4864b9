# The disk is a device-mapper device whose middle is an `error` target: reads
# and writes there fail in the host kernel (EIO). The guest sees an I/O error on
# vda for those sectors only, minivmm keeps running, good sectors read and write
# as before (the writes reach the backing file), and --stats counts the errors.
# Needs root, dm-mod (error target built in), loop and dmsetup: the harness VM
# has them; on a direct host a missing piece fails with its name, never a skip.
. ./lib.sh
[ "$(id -u)" = 0 ] || fail "needs root (device mapper, loop devices)"
[ -e /sys/module/dm_mod ] || modprobe dm_mod 2>/dev/null ||
	fail "device mapper unavailable: no dm_mod module (load dm-mod.ko)"
[ -e /sys/module/loop ] || [ -e /dev/loop-control ] || modprobe loop 2>/dev/null ||
	fail "loop devices unavailable: no loop module"
DMSETUP=$(tool dmsetup) # fails naming the tool (apt-get install dmsetup)
LOSETUP=$(tool losetup)
# No udev in the harness VM: libdevmapper makes /dev/mapper nodes itself.
export DM_DISABLE_UDEV=1

img=$WORK/readerr.$$.img
name=minivmm-readerr-$$
mkdisk "$img" 16 # 32768 sectors; 8192-10239 (4 MiB to 5 MiB) will fail
printf 'good-start' | dd of="$img" conv=notrunc 2>/dev/null
printf 'good-mid' | dd of="$img" bs=512 seek=6000 conv=notrunc 2>/dev/null
printf 'behind-err' | dd of="$img" bs=512 seek=9000 conv=notrunc 2>/dev/null
printf 'good-end' | dd of="$img" bs=512 seek=20000 conv=notrunc 2>/dev/null
loop=$("$LOSETUP" --show -f "$img") || fail "losetup could not attach $img"
cleanup() {
	"$DMSETUP" --noudevsync remove "$name" 2>/dev/null || true
	"$LOSETUP" -d "$loop" 2>/dev/null || true
}
trap cleanup EXIT
printf '0 8192 linear %s 0\n8192 2048 error\n10240 22528 linear %s 10240\n' "$loop" "$loop" |
	"$DMSETUP" --noudevsync create "$name" || fail "dmsetup create failed"
dev=/dev/mapper/$name
[ -b "$dev" ] || fail "$dev did not appear"
# The host itself sees the error (so the test injects what it claims).
if dd if="$dev" of=/dev/null bs=512 skip=9000 count=1 iflag=direct 2>/dev/null; then
	fail "the host read sector 9000 of $dev without an error: the error target does not work"
fi
# The loop device is held by the mapping: a writable --disk on it is refused (O_EXCL).
set +e
out=$("$MINIVMM" --kernel "$KIT/vmlinuz" --timeout 5 --disk "$loop" 2>&1 </dev/null)
st=$?
set -e
[ "$st" = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && printf '%s' "$out" | grep -q "block device in use" ||
	fail "--disk on the loop device under the mapping: status $st, '$out' (want 1, 'block device in use')"

vm_script '
r() { dd if=/dev/vda bs=512 skip=$1 count=1 iflag=direct 2>/dev/null | head -c 10; }
echo "A $(r 0)"
echo "B $(r 6000)"
if dd if=/dev/vda of=/dev/null bs=512 skip=9000 count=1 iflag=direct 2>/dev/null; then echo "bad read ok"; else echo "bad read failed $?"; fi
if dd if=/dev/vda of=/dev/null bs=4096 skip=1023 count=2 iflag=direct 2>/dev/null; then echo "straddle ok"; else echo "straddle failed"; fi
# A whole page with fsync: the guest sends a WRITE (no read-modify-write first).
if head -c 4096 /dev/zero | tr "\\0" x | dd of=/dev/vda bs=4096 seek=1187 count=1 conv=fsync oflag=direct 2>/dev/null; then echo "bad write ok"; else echo "bad write failed"; fi
echo "C $(r 20000)"
printf "written-good" | dd of=/dev/vda bs=512 seek=12000 conv=sync oflag=direct 2>/dev/null && echo "good write done"
echo "W $(r 12000)"
echo "ioerr-lines $(dmesg | grep -c "I/O error, dev vda")"
dmesg | grep "I/O error, dev vda" | head -8
' --stats --disk "path=$dev,serial=readerr"
cleanup
trap - EXIT
expect_status 0
expect_output "A good-start"
expect_output "B good-mid"
expect_output "bad read failed [1-9]"
expect_output "straddle failed"
expect_output "bad write failed"
expect_output "C good-end"
expect_output "good write done"
expect_output "W written-go"
expect_no_output "behind-err"
expect_output "I/O error, dev vda, sector 9000 op 0x0:(READ)"
expect_output "I/O error, dev vda, sector 9496 op 0x1:(WRITE)"
# The guest logs one line per failed request (its page cache may retry a read).
n=$(sed -n 's/^ioerr-lines \([0-9]*\).*/\1/p' "$OUT" | tr -d '\r' | head -1)
[ -n "$n" ] && [ "$n" -ge 3 ] || fail "the guest's dmesg shows ${n:-no} 'I/O error, dev vda' lines, want 3 or more"
got=$(host_read "$img" $((12000 * 512)) 12)
[ "$got" = "written-good" ] || fail "backing file at sector 12000: '$got', want 'written-good'"
got=$(host_read "$img" $((9000 * 512)) 10)
[ "$got" = "behind-err" ] || fail "backing file at sector 9000 changed: '$got'"
# Every request the guest saw fail was counted, and nothing else.
errs=$(stat_value errors)
[ "$errs" = "$n" ] || fail "--stats counted ${errs:-no} errors, the guest logged $n failed requests"
echo "report: dm error target: $errs failed requests (reads and a write) counted = the guest's I/O error lines; good sectors unaffected"
rm -f "$img"
