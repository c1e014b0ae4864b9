/* vCPU threads: KVM_RUN and the exit dispatch. */
#ifndef MINIVMM_VMM_VCPU_H
#define MINIVMM_VMM_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;

enum vcpu_stat {
	VCPU_STAT_IO,
	VCPU_STAT_MMIO,
	VCPU_STAT_HLT,
	VCPU_STAT_INTR,
	VCPU_STAT_SHUTDOWN,
	VCPU_STAT_SYSTEM_EVENT,
	VCPU_STAT_OTHER,
	VCPU_STAT_COUNT
};

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run; /* shared with KVM; owned by this vCPU's thread */
	pthread_t thread;
	bool started;
	uint64_t stats[VCPU_STAT_COUNT]; /* written by the vCPU thread, read after join */
};

extern const char *const vcpu_stat_names[VCPU_STAT_COUNT];

/* Creates the vCPU and sets CPUID, MSRs, LAPIC, FPU and the boot registers. Before start. */
int vcpu_create(struct vcpu *v, struct vm *vm, unsigned int id, char *err, size_t errlen);

int vcpu_start(struct vcpu *v);

/* Makes KVM_RUN return at once and wakes the thread if it is inside KVM_RUN. Main thread. */
void vcpu_kick(struct vcpu *v);

void vcpu_destroy(struct vcpu *v);

/* Installs the no-op signal handler used for kicks. Once, before threads start. */
int vcpu_init_signals(void);

#endif
