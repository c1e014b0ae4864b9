/*
 * hello: the smallest guest, showing port I/O exits.
 *
 * Every IN or OUT instruction the guest runs stops the vCPU and returns from
 * KVM_RUN to minivmm with exit reason KVM_EXIT_IO (vmm/vcpu.c handle_io): the
 * port, the size, the direction and the data are in struct kvm_run. minivmm
 * hands the access to the device registered at that port (vmm/iobus.c).
 *
 * The guest
 *  1. writes a line to COM1, the 8250 UART at 0x3f8 (devices/uart.c). Before
 *     each byte it reads the Line Status Register (0x3fd) and waits for bit 5,
 *     THRE, "transmitter holding register empty", as a driver for a real
 *     16550 must. minivmm's UART is always ready, so every byte costs two
 *     exits: one IN of the LSR, one OUT of the byte.
 *  2. writes one byte, 42, to port 0xf4, the exit device (devices/platform.c):
 *     minivmm stops and exits with status 42 (docs/CONVENTIONS.md).
 *
 * Run it: minivmm --kernel hello.bzimage --stats; echo $?
 * and --stats shows io=2*len(line)+1 exits, mmio=0.
 *
 * Entry state (boot/cpu_state.c): 64-bit mode, paging on with the first
 * 4 GiB identity-mapped, interrupts off, no stack we could rely on (this code
 * uses none), rsi = zero page.
 */
#define COM1      0x3f8
#define COM1_LSR  (COM1 + 5)
#define LSR_THRE  0x20
#define EXIT_PORT 0xf4
#define STATUS    42

	.section .head.text, "ax"
	.code64
	/*
	 * The loader jumps to load address + 0x200. The first 0x200 bytes are
	 * where a real bzImage keeps its 32-bit entry; ours just stops there.
	 */
	ud2
	.org 0x200
	.globl _start64
_start64:
	lea	msg(%rip), %rsi
	mov	$COM1_LSR, %dx
next:
	movb	(%rsi), %bl
	test	%bl, %bl
	jz	done
wait_thre:
	inb	%dx, %al		/* exit 1: KVM_EXIT_IO, in, port 0x3fd */
	test	$LSR_THRE, %al
	jz	wait_thre
	mov	$COM1, %dx
	mov	%bl, %al
	outb	%al, %dx		/* exit 2: KVM_EXIT_IO, out, port 0x3f8 */
	mov	$COM1_LSR, %dx
	inc	%rsi
	jmp	next
done:
	mov	$STATUS, %al
	outb	%al, $EXIT_PORT		/* minivmm exits with status 42 */
	/* Not reached: minivmm stops this vCPU. Halt for good if it ever is. */
1:	cli
	hlt
	jmp	1b

	.section .rodata
msg:	.asciz "hello from a tiny guest: port I/O exits\n"

	.section .note.GNU-stack, "", @progbits
