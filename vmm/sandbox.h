/* The syscall sandbox: one seccomp-bpf allow-list for the process, narrowed per thread role. */
#ifndef MINIVMM_VMM_SANDBOX_H
#define MINIVMM_VMM_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Installs the allow-list for the whole process (SECCOMP_FILTER_FLAG_TSYNC)
 * and the SIGSYS handler that reports a refused call. Main thread, once,
 * after every file, KVM object and eventfd is open and before vm_start()
 * creates the first thread: threads inherit the filter, so the guest never
 * runs outside it. From then on no file can be opened and no process
 * started; a refused call prints one line naming the syscall number,
 * restores the terminal and ends minivmm with status 1.
 *
 * enabled false (--no-sandbox) does nothing. In a sanitizer build (ASan
 * needs ptrace, clone of a non-thread, /proc reads and execve for its
 * reports and leak check) it also does nothing: the sanitizer build is for
 * finding memory errors, the normal build is the one that ships.
 * Returns 0 or -errno with one line in err.
 */
int sandbox_install(bool enabled, char *err, size_t errlen);

/*
 * Installs the filter and handler unconditionally, even in a sanitizer
 * build; for tests, which run it in a forked child. Same return as above.
 */
int sandbox_apply(char *err, size_t errlen);

/* What a thread does, for sandbox_enter(). */
enum sandbox_role {
	SANDBOX_VCPU,    /* KVM_RUN and device emulation: never disk I/O */
	SANDBOX_DISK_IO, /* a disk's I/O thread: never ioctl, never a new thread */
};

/*
 * Narrows the calling thread's allow-list to its role by stacking a second
 * filter on this thread alone: a vCPU thread, which runs on the guest's every
 * exit, cannot do a disk's I/O, and a disk's I/O thread cannot touch KVM.
 * Call first thing in the thread; does nothing unless sandbox_install() or
 * sandbox_apply() installed the process filter. A failure (not seen: the
 * process filter went in the same way) ends minivmm with one line, status 1.
 */
void sandbox_enter(enum sandbox_role role);

/* True when this build leaves the sandbox off (sanitizers). */
bool sandbox_skipped_in_this_build(void);

#endif
