// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpv/util.h"

static void vpr(const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	/* \r so the line starts at column 0 even while the terminal is raw. */
	fprintf(stderr, "\rhpv: %s\n", line);
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpr(fmt, ap);
	va_end(ap);
}

void pr_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpr(fmt, ap);
	va_end(ap);
}

int read_file(const char *what, const char *path, void **buf, uint64_t *size)
{
	struct stat st;
	ssize_t n;
	uint64_t done = 0;
	int fd, ret;
	char *p;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_err("%s %s: %s", what, path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		pr_err("%s %s: not a regular file", what, path);
		ret = -EINVAL;
		goto out_close;
	}
	p = malloc(st.st_size ? st.st_size : 1);
	if (!p) {
		ret = -ENOMEM;
		pr_err("%s %s: out of memory", what, path);
		goto out_close;
	}
	while (done < (uint64_t)st.st_size) {
		n = read(fd, p + done, st.st_size - done);
		if (n <= 0) {
			ret = n ? -errno : -EIO;
			pr_err("%s %s: read failed", what, path);
			free(p);
			goto out_close;
		}
		done += n;
	}
	*buf = p;
	*size = done;
	ret = 0;
out_close:
	close(fd);
	return ret;
}
