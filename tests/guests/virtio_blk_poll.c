/*
 * virtio_blk_poll: a virtio-blk driver reads sector 0, by polling.
 *
 * vblk.c does the work; this file runs it:
 *   vblk_init       find 1af4:1042 on bus 0, walk its capabilities, reset,
 *                   ACK + DRIVER, VERSION_1 only, FEATURES_OK, queue 0 of
 *                   4 entries, DRIVER_OK (virtio 1.2 3.1.1, 4.1.5.1)
 *   vblk_queue_read a three-descriptor chain: header, 512-byte buffer,
 *                   status byte (5.2.6), published on the avail ring
 *   vblk_notify     the doorbell (4.1.4.4)
 *   vblk_poll       spin on used->idx until the device hands it back
 * and prints the first 64 bytes of the sector, as text and hex.
 *
 * Exit status: 20 the read succeeded, 21 the device is missing or refused
 * set-up, 22 no completion, 23 the request's status byte was not OK.
 * Run: minivmm --kernel virtio_blk_poll.bzimage --disk FILE --stats
 */
#include "lib.h"
#include "vblk.h"

#include <linux/virtio_blk.h>

#define MAX_SPINS 2000000ul /* seconds at emulated speed: far more than a read takes */

static uint8_t sector[512] __attribute__((aligned(512)));

int guest_main(void *zero_page)
{
	struct vblk d;
	unsigned long spins;
	int st;

	(void)zero_page;
	puts("virtio_blk_poll: reading sector 0 of the first --disk\n");
	if (vblk_init(&d, VBLK_NO_VECTOR) < 0)
		return 21;
	vblk_queue_read(&d, 0, sector);
	vblk_notify(&d);
	st = vblk_poll(&d, MAX_SPINS, &spins);
	if (st < 0) {
		puts("virtio_blk_poll: FAIL: no completion\n");
		return 22;
	}
	puts("virtio_blk_poll: completed after ");
	put_dec(spins);
	puts(" polls of used->idx\n");
	if (st != VIRTIO_BLK_S_OK) {
		put_kv("virtio_blk_poll: FAIL: status byte ", st);
		return 23;
	}
	puts("virtio_blk_poll: sector 0: \"");
	for (int i = 0; i < 64 && sector[i]; i++)
		putc(sector[i] >= 0x20 && sector[i] < 0x7f ? sector[i] : '.');
	puts("\"\nvirtio_blk_poll: hex:");
	for (int i = 0; i < 16; i++) {
		putc(' ');
		putc("0123456789abcdef"[sector[i] >> 4]);
		putc("0123456789abcdef"[sector[i] & 15]);
	}
	puts("\nvirtio_blk_poll: ");
	put_dec(mmio_count);
	puts(" MMIO accesses to ECAM and BAR0, each one exit; the doorbell none\n");
	puts("virtio_blk_poll: OK\n");
	return 20;
}
