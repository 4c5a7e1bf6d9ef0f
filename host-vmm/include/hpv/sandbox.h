/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_SANDBOX_H
#define HPV_SANDBOX_H

#include <stdbool.h>

/* The status hpv exits with after a call the sandbox does not allow. */
#define SANDBOX_EXIT 1

/*
 * Confine this process and all its threads to the system calls hpv needs
 * once its VM is set up (seccomp-bpf); -errno where the kernel cannot.
 */
int sandbox__enter(void);
/* Not in a sanitizer build, whose runtime needs more than hpv does. */
bool sandbox__available(void);

#endif
