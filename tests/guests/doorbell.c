/*
 * doorbell: a virtio notify write that never reaches minivmm (ioeventfd).
 *
 * The doorbell is a store to the queue's notify address in BAR0 (virtio 1.2
 * 4.1.4.4). BAR0 is not guest RAM, so the store traps into KVM like any
 * other BAR access. But minivmm registered that exact address and width,
 * 2 bytes, with KVM_IOEVENTFD (virtio/pci_transport.c bar_moved). KVM
 * matches the store against its list of ioeventfds in the kernel, signals
 * the queue's eventfd, skips the instruction and re-enters the guest at
 * once. The device's I/O thread, asleep in epoll on that eventfd, wakes up
 * (virtio/blk.c io_thread). The vCPU thread never returns from KVM_RUN for
 * it: there is no KVM_EXIT_MMIO, and minivmm's --stats mmio= does not move.
 *
 * The guest brings up virtio-blk (vblk.c), rings the doorbell `kicks` times
 * with nothing new on the ring (spurious notifications are harmless: the
 * device looks, finds no new avail entry, and goes back to sleep), then reads
 * sector 0 for real and prints its first bytes.
 *
 *   kicks=N   how many extra doorbell writes (default 16)
 *   width=4   make those extra writes 32-bit stores instead. The ioeventfd
 *             matches 2-byte stores only, so these miss it: KVM exits to
 *             minivmm with KVM_EXIT_MMIO, and minivmm's BAR handler
 *             (bar_write) signals the same eventfd by hand and counts
 *             notify_exits. Out of spec (a 32-bit notify carries data only
 *             with VIRTIO_F_NOTIFICATION_DATA, which minivmm does not offer);
 *             here only to make the slow path visible next to the fast one.
 *
 * At the end the guest prints how many of its accesses went through lib.h's
 * mmio_* helpers (mmio_count): the ECAM and BAR0 accesses that must exit,
 * no doorbell among them. run.sh checks that --stats mmio= is exactly that
 * number and notify_exits=0 with width 2 (no doorbell exited), and that it
 * is that number + kicks and notify_exits=kicks with width 4.
 * Exit status 30 on success, 31 on failure.
 */
#include "lib.h"
#include "vblk.h"

#include <linux/virtio_blk.h>

static uint8_t sector[512] __attribute__((aligned(512)));

int guest_main(void *zero_page)
{
	unsigned long kicks = cmdline_uint(zero_page, "kicks", 16);
	unsigned long width = cmdline_uint(zero_page, "width", 2);
	unsigned long spins;
	struct vblk d;

	puts("doorbell: ");
	put_dec(kicks);
	puts(width == 4 ? " doorbell writes of 4 bytes (exit to minivmm)\n"
			: " doorbell writes of 2 bytes (ioeventfd)\n");
	if (vblk_init(&d, VBLK_NO_VECTOR) < 0)
		return 31;

	/* Plain volatile stores, not mmio_write*: no doorbell is in mmio_count. */
	for (unsigned long i = 0; i < kicks; i++) {
		if (width == 4)
			*(volatile uint32_t *)d.notify = 0; /* KVM_EXIT_MMIO: minivmm's bar_write */
		else
			*(volatile uint16_t *)d.notify = 0; /* 2 bytes: the ioeventfd, inside KVM */
	}

	/*
	 * Then a real request, rung the proper way, to show the path works end
	 * to end. The request's completion is only visible in guest RAM
	 * (used->idx), which the device's thread writes directly.
	 */
	vblk_queue_read(&d, 0, sector);
	vblk_notify(&d);
	if (vblk_poll(&d, 2000000, &spins) != VIRTIO_BLK_S_OK) {
		puts("doorbell: FAIL: the read did not complete\n");
		return 31;
	}
	puts("doorbell: sector 0: \"");
	for (int i = 0; i < 48 && sector[i]; i++)
		putc(sector[i] >= 0x20 && sector[i] < 0x7f ? sector[i] : '.');
	puts("\"\ndoorbell: ");
	put_dec(mmio_count);
	puts(" MMIO accesses to ECAM and BAR0 outside the doorbell\n");
	puts("doorbell: OK\n");
	return 30;
}
