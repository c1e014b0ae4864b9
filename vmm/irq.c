/*
 * GSI routing. KVM_SET_GSI_ROUTING replaces the whole table, so the default
 * irqchip routes (PIC and IOAPIC pins, as KVM sets them up) are re-sent with
 * every MSI change; otherwise the UART's IRQ 4 would stop working.
 */
#include "vmm/irq.h"
#include "vmm/trace.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define IOAPIC_PINS 24
#define PIC_PINS    16

void irq_router_init(struct irq_router *r, int vm_fd)
{
	memset(r, 0, sizeof(*r));
	r->vm_fd = vm_fd;
	pthread_mutex_init(&r->lock, NULL);
}

int irq_alloc_msi_gsi(struct irq_router *r)
{
	int gsi = -ENOSPC;

	pthread_mutex_lock(&r->lock);
	if (r->nmsi < IRQ_MAX_MSI)
		gsi = IRQ_FIRST_MSI_GSI + r->nmsi++;
	pthread_mutex_unlock(&r->lock);
	return gsi;
}

static int push_table(struct irq_router *r)
{
	unsigned int max = IOAPIC_PINS + PIC_PINS + IRQ_MAX_MSI, n = 0;
	struct kvm_irq_routing *t = calloc(1, sizeof(*t) + max * sizeof(t->entries[0]));
	int ret;

	if (!t)
		return -ENOMEM;
	for (unsigned int pin = 0; pin < IOAPIC_PINS; pin++) {
		t->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = pin, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = pin } };
		if (pin < PIC_PINS)
			t->entries[n++] = (struct kvm_irq_routing_entry){
				.gsi = pin, .type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = { .irqchip = pin < 8 ? KVM_IRQCHIP_PIC_MASTER
								  : KVM_IRQCHIP_PIC_SLAVE,
					       .pin = pin % 8 } };
	}
	for (unsigned int i = 0; i < r->nmsi; i++) {
		if (!r->msi[i].valid)
			continue;
		t->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = IRQ_FIRST_MSI_GSI + i, .type = KVM_IRQ_ROUTING_MSI,
			.u.msi = { .address_lo = (uint32_t)r->msi[i].addr,
				   .address_hi = (uint32_t)(r->msi[i].addr >> 32),
				   .data = r->msi[i].data } };
	}
	t->nr = n;
	ret = ioctl(r->vm_fd, KVM_SET_GSI_ROUTING, t) < 0 ? -errno : 0;
	free(t);
	return ret;
}

int irq_set_msi_route(struct irq_router *r, unsigned int gsi, uint64_t addr, uint32_t data)
{
	unsigned int i = gsi - IRQ_FIRST_MSI_GSI;
	int ret = 0;

	if (gsi < IRQ_FIRST_MSI_GSI || i >= IRQ_MAX_MSI)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	if (!r->msi[i].valid || r->msi[i].addr != addr || r->msi[i].data != data) {
		r->msi[i] = (struct irq_msi_route){ .addr = addr, .data = data, .valid = true };
		ret = push_table(r);
		/* x86 MSI: destination APIC ID in address bits 12-19, vector in data bits 0-7. */
		trace(TRACE_MSIX, "msix", "gsi %u -> MSI addr 0x%llx data 0x%x (APIC %u vector %u)%s",
		      gsi, (unsigned long long)addr, data, (unsigned int)(addr >> 12) & 0xff,
		      data & 0xff, ret ? " refused by KVM" : "");
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_irqfd_assign(int vm_fd, int efd, unsigned int gsi)
{
	struct kvm_irqfd f = { .fd = efd, .gsi = gsi };

	return ioctl(vm_fd, KVM_IRQFD, &f) < 0 ? -errno : 0;
}

int irq_ioeventfd(int vm_fd, int efd, uint64_t addr, uint32_t len, bool assign)
{
	struct kvm_ioeventfd e = { .addr = addr, .len = len, .fd = efd,
				   .flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN };

	return ioctl(vm_fd, KVM_IOEVENTFD, &e) < 0 ? -errno : 0;
}
