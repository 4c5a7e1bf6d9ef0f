// SPDX-License-Identifier: GPL-2.0
/* The host terminal: raw mode, and stdin into the UART with Ctrl-A x. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
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
	return 0;
}

struct term_input {
	struct kvm *kvm;
	struct serial *serial;
};

static void *term__input_thread(void *arg)
{
	struct term_input *in = arg;
	bool escape = false;
	uint8_t buf[256], out[256];

	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
		uint32_t m = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF: the guest simply gets no more input */

		for (ssize_t i = 0; i < n; i++) {
			uint8_t c = buf[i];

			if (!raw) {
				out[m++] = c;
			} else if (escape) {
				escape = false;
				if (c == 'x' || c == 'X') {
					kvm__request_end(in->kvm, HPV_END_USER, 0);
					return NULL;
				}
				out[m++] = c; /* Ctrl-A Ctrl-A, or anything else: pass it on */
			} else if (c == TERM_ESCAPE) {
				escape = true;
			} else {
				out[m++] = c;
			}
		}
		if (m)
			serial__receive(in->serial, out, m);
	}
	free(in);
	return NULL;
}

int term__start_input(struct kvm *kvm, struct serial *s)
{
	struct term_input *in = malloc(sizeof(*in));
	pthread_t t;
	int ret;

	if (!in)
		return -ENOMEM;
	in->kvm = kvm;
	in->serial = s;
	ret = pthread_create(&t, NULL, term__input_thread, in);
	if (ret) {
		free(in);
		return -ret;
	}
	pthread_detach(t);
	return 0;
}
