// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox hpv enters once its VM is set up: what the run loop needs
 * works, anything else ends the process with one line. Each case runs in
 * a child of its own, after sandbox__enter().
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"

#include "hpv/sandbox.h"

static void *thread_fn(void *arg)
{
	return arg;
}

enum action {
	WRITE_STDOUT, KVM_IOCTL, TERMINAL_IOCTL, READ_PROC, START_THREAD, POSIX_TIMER, MALLOC_BIG,
	OPEN_FOR_WRITING, OPEN_TO_CREATE, SOCKET, EXEC, FORK, OTHER_IOCTL, KILL_PARENT,
	TGKILL_PARENT,
};

/* 0 where the call did what it does; the sandbox ends the child otherwise. */
static int run(enum action a)
{
	static char *const argv[] = { "/bin/true", NULL };
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	pthread_t t;
	timer_t timer;
	int fd, v;

	switch (a) {
	case WRITE_STDOUT:
		return write(STDOUT_FILENO, "", 0) < 0;
	case KVM_IOCTL:
		/* refused by the kernel (no such fd), not by the sandbox */
		return ioctl(-1, KVM_RUN, 0) == -1 ? 0 : 1;
	case TERMINAL_IOCTL:
		return isatty(STDIN_FILENO) < 0;
	case READ_PROC:
		fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
		return fd < 0 || close(fd);
	case START_THREAD:
		return pthread_create(&t, NULL, thread_fn, NULL) || pthread_join(t, NULL);
	case POSIX_TIMER:
		return timer_create(CLOCK_MONOTONIC, &sev, &timer) || timer_delete(timer);
	case MALLOC_BIG: {
		char *p = malloc(64 << 20);

		if (!p)
			return 1;
		memset(p, 1, 64 << 20);
		free(p);
		return 0;
	}
	case OPEN_FOR_WRITING:
		return open("/dev/null", O_WRONLY) >= 0 ? 0 : 1;
	case OPEN_TO_CREATE:
		return open("/tmp/hpv-sandbox-test", O_RDONLY | O_CREAT, 0600) >= 0 ? 0 : 1;
	case SOCKET:
		return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 1;
	case EXEC:
		execv(argv[0], argv);
		return 1;
	case FORK:
		return fork() >= 0 ? 0 : 1;
	case OTHER_IOCTL:
		return ioctl(STDIN_FILENO, FIONREAD, &v) ? 0 : 0;
	case KILL_PARENT:
		return kill(getppid(), 0);
	case TGKILL_PARENT:
		return syscall(SYS_tgkill, getppid(), getppid(), 0);
	}
	return 1;
}

FIXTURE(sandbox)
{
};

FIXTURE_VARIANT(sandbox)
{
	enum action action;
	int allowed;
};

FIXTURE_VARIANT_ADD(sandbox, write_to_stdout) { WRITE_STDOUT, 1 };
FIXTURE_VARIANT_ADD(sandbox, kvm_ioctl) { KVM_IOCTL, 1 };
FIXTURE_VARIANT_ADD(sandbox, terminal_ioctl) { TERMINAL_IOCTL, 1 };
FIXTURE_VARIANT_ADD(sandbox, read_proc_self_smaps) { READ_PROC, 1 };
FIXTURE_VARIANT_ADD(sandbox, start_a_thread) { START_THREAD, 1 };
FIXTURE_VARIANT_ADD(sandbox, posix_timer) { POSIX_TIMER, 1 };
FIXTURE_VARIANT_ADD(sandbox, allocate_64_mib) { MALLOC_BIG, 1 };
FIXTURE_VARIANT_ADD(sandbox, open_for_writing) { OPEN_FOR_WRITING, 0 };
FIXTURE_VARIANT_ADD(sandbox, open_to_create) { OPEN_TO_CREATE, 0 };
FIXTURE_VARIANT_ADD(sandbox, socket) { SOCKET, 0 };
FIXTURE_VARIANT_ADD(sandbox, exec) { EXEC, 0 };
FIXTURE_VARIANT_ADD(sandbox, fork) { FORK, 0 };
FIXTURE_VARIANT_ADD(sandbox, other_ioctl) { OTHER_IOCTL, 0 };
FIXTURE_VARIANT_ADD(sandbox, signal_another_process) { KILL_PARENT, 0 };
FIXTURE_VARIANT_ADD(sandbox, signal_another_process_thread) { TGKILL_PARENT, 0 };

FIXTURE_SETUP(sandbox)
{
}

FIXTURE_TEARDOWN(sandbox)
{
}

TEST_F(sandbox, call)
{
	char err[256] = "";
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	if (!sandbox__available())
		SKIP(return, "a sanitizer build runs unconfined");
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		dup2(pipefd[1], STDERR_FILENO);
		if (sandbox__enter())
			_exit(100);
		_exit(run(variant->action) ? 101 : 0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], err, sizeof(err) - 1);
	close(pipefd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	if (variant->allowed) {
		EXPECT_EQ(0, WEXITSTATUS(status));
		EXPECT_GE(0, n);
	} else {
		EXPECT_EQ(SANDBOX_EXIT, WEXITSTATUS(status));
		EXPECT_NE(NULL, strstr(err, "hpv: sandbox: system call "));
		EXPECT_EQ(err + strlen(err) - 1, strchr(err, '\n'));
	}
}

TEST_HARNESS_MAIN
