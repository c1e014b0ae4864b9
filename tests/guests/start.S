/*
 * Entry of the C guests. minivmm jumps to load address + 0x200 in 64-bit
 * mode (boot.rst "64-bit BOOT PROTOCOL"; boot/cpu_state.c sets it up):
 * paging on, first 4 GiB identity-mapped with 2 MiB pages, flat CS/DS,
 * interrupts off, rsi = the zero page (struct boot_params) at 0x7000.
 * The protocol gives no stack, so we set our own, call guest_main(zero
 * page) and hand its return value to the exit device (port 0xf4):
 * minivmm exits with that status.
 */
	.section .head.text, "ax"
	.code64
	ud2			/* 32-bit entry of a real bzImage: not supported */
	.org 0x200
	.globl _start64
_start64:
	lea	stack_top(%rip), %rsp
	mov	%rsi, %rdi		/* first argument: struct boot_params * */
	call	guest_main
	outb	%al, $0xf4		/* exit device: minivmm exits with status %al */
1:	cli
	hlt
	jmp	1b

	.section .bss
	.balign 16
stack:	.skip 16384
stack_top:

	.section .note.GNU-stack, "", @progbits
