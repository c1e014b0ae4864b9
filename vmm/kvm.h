/* The KVM system and VM file descriptors: checks and VM-wide set-up. */
#ifndef MINIVMM_VMM_KVM_H
#define MINIVMM_VMM_KVM_H

#include <stdbool.h>
#include <stddef.h>

struct vm;

/* Opens /dev/kvm and checks the API version and the capabilities minivmm uses. */
int kvm_open(struct vm *vm, char *err, size_t errlen);

/* Creates the VM: TSS and identity map, irqchip, PIT, RAM slots, supported CPUID. */
int kvm_create_vm(struct vm *vm, char *err, size_t errlen);

/* True when the host's KVM is kvm_pvm: no VMX/SVM, non-PVM guests fully emulated. */
bool kvm_host_is_pvm(void);

#endif
