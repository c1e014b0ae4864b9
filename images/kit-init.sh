#!/bin/sh
# /init of the minivmm guest kit (docs/CONVENTIONS.md, "Guest kit protocol").
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk; do
	[ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko 2>/dev/null
done
# Give the disks a moment to appear (the driver probes asynchronously).
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ -d /sys/bus/pci/drivers/virtio-pci ] || break
	n_dev=$(ls /sys/bus/virtio/devices 2>/dev/null | wc -l)
	n_blk=$(ls -d /sys/block/vd* 2>/dev/null | wc -l)
	[ "$n_blk" -ge "$n_dev" ] && break
	sleep 0.1
done
echo "minivmm-guest: ready"
echo "minivmm-guest: cpus=$(grep -c ^processor /proc/cpuinfo)"
# The kernel hands unknown name=value parameters to init as environment variables.
if [ -n "$run" ]; then
	sh -c "$run"
	echo "minivmm-guest: run status $?"
	poweroff -f
fi
setsid cttyhack sh
poweroff -f
