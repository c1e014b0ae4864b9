# Multi-queue virtio-blk: a disk with queues=2 on 2 vCPUs. The guest's blk-mq
# sees 2 hardware queues; writers pinned to each CPU (one queue per CPU in
# Linux's map) put their patterns at the right offsets of the host file, and
# --stats shows doorbells, interrupts, requests and written bytes on every
# queue, none of the doorbells leaving the kernel. (2, not 4: in the harness
# VM a 4-vCPU nested guest under I/O once locked up the harness's own CPU in
# the ASan pass, QEMU TCG's nested SVM, and took the rest of the batch along.)
. ./lib.sh
img=$WORK/mq.$$.img
mkdisk "$img" 64
script=$(cat <<'EOF_GUEST'
echo "mq dirs: $(ls /sys/block/vda/mq | wc -l)"
cat >/tmp/w.sh <<'EOF_W'
c=$1
i=0
while [ $i -lt 16 ]; do
	printf "cpu$c-block$i" | dd of=/dev/vda bs=4096 seek=$((c * 64 + i)) conv=sync oflag=direct 2>/dev/null
	i=$((i + 1))
done
EOF_W
for c in 0 1; do taskset -c $c sh /tmp/w.sh $c & done
wait
for c in 0 1; do
	echo "readback $c: $(taskset -c $c dd if=/dev/vda bs=4096 skip=$((c * 64 + 15)) count=1 iflag=direct 2>/dev/null | head -c 13)"
done
EOF_GUEST
)
vm_script "$script" --cpus 2 --memory 512M --stats --disk "path=$img,queues=2"
expect_status 0
expect_output "mq dirs: 2"
for c in 0 1; do
	expect_output "readback $c: cpu$c-block15"
	for i in 0 7 15; do
		want="cpu$c-block$i"
		got=$(host_read "$img" $(((c * 64 + i) * 4096)) ${#want} | tr -d '\0')
		[ "$got" = "$want" ] || fail "host file at block $((c * 64 + i)): '$got', want '$want'"
	done
done
[ "$(stat_value queues)" = 2 ] || fail "--stats: queues=$(stat_value queues), want 2"
[ "$(stat_value notify_exits)" = 0 ] || fail "$(stat_value notify_exits) doorbells exited to user space"
# Every queue carried its CPU's 16 writes at least (64 KiB), with its own doorbells and interrupts.
for q in 0 1; do
	line=$(tr -d '\r' <"$OUT" | grep "stats: disk .* queue $q:") || fail "no --stats line for queue $q"
	echo "report: $line"
	for k in doorbells interrupts requests; do
		v=$(echo "$line" | sed -n "s/.* $k=\([0-9]*\).*/\1/p")
		[ "${v:-0}" -gt 0 ] || fail "queue $q: $k=${v:-missing}, want > 0"
	done
	w=$(echo "$line" | sed -n 's/.* written=\([0-9]*\).*/\1/p')
	[ "${w:-0}" -ge 65536 ] || fail "queue $q: written=${w:-missing}, want >= 65536 (its CPU's writes)"
done
rm -f "$img"
