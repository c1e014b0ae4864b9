/* One virtual machine: KVM fds, guest RAM, buses, devices, vCPUs, and how it stops. */
#ifndef MINIVMM_VMM_VM_H
#define MINIVMM_VMM_VM_H

#include "devices/pci.h"
#include "devices/platform.h"
#include "devices/uart.h"
#include "vmm/config.h"
#include "vmm/gmem.h"
#include "vmm/iobus.h"
#include "vmm/irq.h"
#include "virtio/blk.h"
#include "vmm/vcpu.h"

#include <stdatomic.h>
#include <stdbool.h>

struct vm {
	const struct config *cfg;
	int kvm_fd, vm_fd;
	int vcpu_mmap_size;
	struct kvm_cpuid2 *cpuid; /* what KVM supports; vCPUs get a per-vCPU copy */
	uint8_t *ram;             /* one host mapping for all of guest RAM */
	uint64_t ram_size;
	bool boot_pvh;            /* ELF vmlinux entered at its PVH entry; else the bzImage 64-bit entry */
	uint32_t pvh_entry;
	struct gmem mem;
	struct iobus pio, mmio;
	struct uart uart;
	struct platform platform;
	struct irq_router irq;
	struct pci_bus pci;
	struct vblk *disks[CONFIG_MAX_DISKS];
	unsigned int ndisks;
	struct vcpu *vcpus;
	unsigned int ncpus;
	unsigned int ncreated; /* vCPUs that exist: the ones to kick, join and destroy */

	/* Stopping: the first vm_request_stop() sets status; main waits on stop_fd. */
	atomic_bool stopping;
	int stop_status;
	int stop_fd; /* eventfd */
	char fail_msg[256]; /* set with status STOP_VM_FAIL; printed by main */
};

/* Maps guest RAM and loads kernel, initrd and tables; no KVM yet. -errno, err names the cause. */
int vm_prepare_memory(struct vm *vm, const struct config *cfg, char *err, size_t errlen);

/* Opens KVM, creates the VM, devices and vCPUs. -errno, err names the cause. */
int vm_create(struct vm *vm, char *err, size_t errlen);

/* Starts the vCPU threads. */
int vm_start(struct vm *vm, char *err, size_t errlen);

/* Asks the VM to stop with status; the first request wins. Any thread, async-signal-unsafe. */
void vm_request_stop(struct vm *vm, int status);

/* Same, recording why the VM failed (status STOP_VM_FAIL). */
void vm_fail(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Kicks every vCPU out of KVM_RUN and joins the threads. Main thread. */
void vm_stop_vcpus(struct vm *vm);

void vm_print_stats(const struct vm *vm, FILE *out);

/* Where each vCPU stopped (--debug): a hung guest's RIP, to look up in System.map. */
void vm_print_vcpu_state(const struct vm *vm, FILE *out);

void vm_destroy(struct vm *vm);

#endif
