# The in-guest attack suite (issue 5): virtio-attack takes the second disk
# (vdb) from Linux and drives it by hand with broken rings, bad registers,
# junk MSI-X vectors and a doorbell storm. Each attack must be refused (error
# status, used length 0 or DEVICE_NEEDS_RESET) and a reset must make the
# device usable again; minivmm must survive to a normal power-off, and the
# first disk (vda), which Linux keeps driving, must keep its data.
. ./lib.sh
a=$WORK/atk-a.$$.img b=$WORK/atk-b.$$.img
mkdisk "$a" 16
mkdisk "$b" 16
# vda: a pattern at the start, in the middle and in the last sector.
for o in 0 4096 8191; do
	printf "vda-pattern-$o" | dd of="$a" bs=1024 seek=$((o * 2)) conv=notrunc 2>/dev/null
done
# vdb: sector 0 is what virtio-attack's good reads must see after every reset.
printf 'attack-disk-sector-0' | dd of="$b" conv=notrunc 2>/dev/null
sum_a=$(md5sum "$a" | cut -d' ' -f1)

# The BDF comes from sysfs (vdb's virtio device sits under its PCI function),
# so a change in slot numbering cannot make us attack vda.
vm_script '
bdf=$(basename "$(dirname "$(readlink -f /sys/block/vdb/device)")")
echo "vdb is $bdf"
ATTACK_RACE_TOGGLES=500 virtio-attack "$bdf" attack-disk-sector-0
echo "attack exit $?"
for o in 0 4096 8191; do
	echo "vda after $o: $(dd if=/dev/vda bs=2048 skip=$o count=1 iflag=direct 2>/dev/null | head -c 16)"
done
' --disk "path=$a,serial=victim-a" --disk "path=$b,serial=attacked-b"

# The table first, so it shows whatever the verdict.
grep -a '^attack: ' "$OUT" | tr -d '\r' | sed 's/^/report: /'

# minivmm stayed up until the guest powered off by itself.
expect_status 0
expect_output "minivmm-guest: run status"
expect_output "taken from Linux"
rows=$(grep -a -c '^attack: ' "$OUT")
[ "$rows" -ge 40 ] || fail "only $rows attack rows: the suite stopped early"
if grep -a '^attack: ' "$OUT" | grep -v 'recovered: yes' >&2; then
	fail "an attack left the device unusable after a reset"
fi
# Every attack must be refused; this once caught DRIVER_OK toggled without a
# reset (re-enabling a live queue: SIGSEGV in a loop, now refused with
# NEEDS_RESET; the loop runs 500 times above) and a queue larger than offered.
if grep -a '^attack: ' "$OUT" | grep 'NOT REFUSED' >&2; then
	fail "the device accepted an attack instead of refusing it"
fi
expect_output "attack exit 0"
expect_output "virtio-attack: [0-9]* failure(s)"
# vda, driven by Linux all along, still reads back in the guest and is unchanged on disk.
for o in 0 4096 8191; do
	expect_output "vda after $o: vda-pattern-$o"
	got=$(host_read "$a" $((o * 2048)) 16 | tr -d '\0')
	[ "$got" = "vda-pattern-$o" ] || fail "vda at block $o: '$got', want 'vda-pattern-$o'"
done
[ "$(md5sum "$a" | cut -d' ' -f1)" = "$sum_a" ] || fail "vda's file changed"
# No attack wrote to vdb either (flags_out_data_writable would have hit sector 0).
[ "$(host_read "$b" 0 20)" = attack-disk-sector-0 ] || fail "vdb's sector 0 changed"
rm -f "$a" "$b"
