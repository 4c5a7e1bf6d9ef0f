// SPDX-License-Identifier: GPL-2.0
/*
 * The host terminal: raw mode, and stdin into the UART with Ctrl-A x.
 * The input thread never waits on the guest: what the UART cannot take
 * yet waits here (up to TERM_PENDING bytes, then dropped and counted)
 * while stdin is still read, so the escape is seen whatever the guest does.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hpv/hw.h"
#include "hpv/kvm.h"
#include "hpv/term.h"

static struct termios saved;
static bool raw;

void term__exit(void)
{
	if (raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		raw = false;
	}
}

int term__init(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO))
		return 0;
	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return -errno;
	t = saved;
	cfmakeraw(&t);
	/* Keep output post-processing off but let the guest's CR LF through. */
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) < 0)
		return -errno;
	raw = true;
	atexit(term__exit);
	return 1;
}

/* Input read but not yet taken by the UART. */
#define TERM_PENDING (64u << 10)
/* How often the UART is offered it again. */
#define TERM_RETRY_MS 10

struct term_input {
	struct kvm *kvm;
	struct serial *serial;
	bool escape;     /* Ctrl-A x ends the VM (stdin is a terminal) */
	uint8_t pending[TERM_PENDING];
	uint32_t npending;
};

/* Escape handling; returns false once Ctrl-A x was typed. */
static bool term__take(struct term_input *in, const uint8_t *buf, ssize_t n, bool *escape)
{
	for (ssize_t i = 0; i < n; i++) {
		uint8_t c = buf[i];

		if (in->escape && *escape) {
			*escape = false;
			if (c == 'x' || c == 'X') {
				kvm__request_end(in->kvm, HPV_END_USER, 0);
				return false;
			}
			/* Ctrl-A Ctrl-A, or anything else: pass it on */
		} else if (in->escape && c == TERM_ESCAPE) {
			*escape = true;
			continue;
		}
		if (in->npending < TERM_PENDING)
			in->pending[in->npending++] = c;
		else
			__atomic_add_fetch(&in->serial->rx_dropped, 1, __ATOMIC_RELAXED);
	}
	return true;
}

static void *term__input_thread(void *arg)
{
	struct term_input *in = arg;
	bool escape = false, eof = false;
	uint8_t buf[4096];

	for (;;) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		int ready = eof ? 0 : poll(&p, 1, in->npending ? TERM_RETRY_MS : -1);

		if (ready < 0 && errno != EINTR)
			break;
		if (ready > 0) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				eof = true; /* the guest gets what is pending, then no more */
			else if (!term__take(in, buf, n, &escape))
				break;
		}
		if (in->npending) {
			uint32_t took = serial__receive(in->serial, in->pending, in->npending);

			memmove(in->pending, in->pending + took, in->npending - took);
			in->npending -= took;
		}
		if (eof && !in->npending)
			break;
		if (eof)
			poll(NULL, 0, TERM_RETRY_MS);
	}
	free(in);
	return NULL;
}

int term__start_input(struct kvm *kvm, struct serial *s, bool escape)
{
	struct term_input *in = calloc(1, sizeof(*in));
	pthread_t t;
	int ret;

	if (!in)
		return -ENOMEM;
	in->kvm = kvm;
	in->serial = s;
	in->escape = escape;
	ret = pthread_create(&t, NULL, term__input_thread, in);
	if (ret) {
		free(in);
		return -ret;
	}
	pthread_detach(t);
	return 0;
}
