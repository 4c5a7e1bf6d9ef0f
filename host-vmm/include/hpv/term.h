/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HPV_TERM_H
#define HPV_TERM_H

struct kvm;
struct serial;

#define TERM_ESCAPE 0x01 /* Ctrl-A */

/* Raw mode when stdin is a terminal; restored by term__exit (and at exit). */
int term__init(void);
void term__exit(void);
/* Feed stdin to the UART from a thread of its own. */
int term__start_input(struct kvm *kvm, struct serial *s);

#endif
