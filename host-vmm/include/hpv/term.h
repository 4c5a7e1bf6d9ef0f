/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_TERM_H
#define HPV_TERM_H

#include <stdbool.h>

struct kvm;
struct serial;

#define TERM_ESCAPE 0x01 /* Ctrl-A */

/* Raw mode when stdin is a terminal (returns 1), restored by term__exit
 * (and at exit); 0 when it is not one. */
int term__init(void);
void term__exit(void);
/* Feed stdin to the UART from a thread of its own; with escape, Ctrl-A x
 * ends the VM. */
int term__start_input(struct kvm *kvm, struct serial *s, bool escape);

#endif
