/* Interrupt plumbing in KVM: the GSI routing table (irqchip pins + MSI routes), irqfd, ioeventfd. */
#ifndef MINIVMM_VMM_IRQ_H
#define MINIVMM_VMM_IRQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define IRQ_FIRST_MSI_GSI 24  /* after the IOAPIC's 24 pins */
#define IRQ_MAX_MSI       256

struct irq_msi_route {
	uint64_t addr;
	uint32_t data;
	bool valid;
};

struct irq_router {
	int vm_fd;
	pthread_mutex_t lock; /* routes are changed by vCPU threads writing MSI-X tables */
	struct irq_msi_route msi[IRQ_MAX_MSI];
	unsigned int nmsi;  /* GSIs handed out */
};

void irq_router_init(struct irq_router *r, int vm_fd);

/* Hands out a GSI for an MSI vector; -ENOSPC when none are left. Set-up only. */
int irq_alloc_msi_gsi(struct irq_router *r);

/* Points gsi at an MSI message and pushes the whole table to KVM. -errno from KVM. */
int irq_set_msi_route(struct irq_router *r, unsigned int gsi, uint64_t addr, uint32_t data);

/* KVM_IRQFD: writing to efd raises gsi in the kernel, with no exit to user space. */
int irq_irqfd_assign(int vm_fd, int efd, unsigned int gsi);

/* KVM_IOEVENTFD on an MMIO address of len bytes; deassign undoes the same triple. */
int irq_ioeventfd(int vm_fd, int efd, uint64_t addr, uint32_t len, bool assign);

#endif
