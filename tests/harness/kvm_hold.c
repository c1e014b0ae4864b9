/*
 * kvm-hold: runs inside the harness VM for its whole life and holds one KVM VM
 * with one vCPU that never runs.
 *
 * Why: the first VM to be created (or the last to go) flips static keys in the
 * harness VM's kernel: preempt_notifier_key, tested in __schedule(), and
 * apic_sw_disabled in kvm.ko, which stays raised while a vCPU's APIC is
 * software-disabled. Flipping one live-patches that code on every CPU
 * (text_poke_bp). Under QEMU TCG this froze the harness VM twice, in a CI run
 * and in a benchmark: each time CPU 0 sat on the patched NOP in __schedule
 * with interrupts off while CPU 1 waited, and the kernel's clock stopped.
 * With one VM and vCPU always held, the counts never fall to zero, so a nested
 * guest's start and exit patch nothing.
 *
 * Sets up, then forks: the parent exits 0 once the VM exists (or 1 with a
 * message), the child keeps the descriptors until the harness VM powers off.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "harness: kvm-hold: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	int kvm, vm, vcpu;
	pid_t pid;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("open /dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	/* An in-kernel APIC, as minivmm's guests have, so the vCPU gets one. */
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		return fail("KVM_CREATE_IRQCHIP");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid > 0)
		return 0;
	setsid();
	for (;;)
		pause();
}
