// SPDX-License-Identifier: GPL-2.0
/*
 * Once the VM is set up, hpv confines itself with a seccomp-bpf allowlist
 * of what its run loop, its console threads and its exit path call, as
 * Firecracker's VMM does: a guest that took over hpv could then still not
 * open a file for writing, start a process or talk to the network. Any
 * other call kills hpv with one line saying which (--no-sandbox to debug).
 *
 * Argument checks where a call is broad: ioctl() only with KVM's requests
 * and the terminal's, openat() only read-only (--stats reads
 * /proc/self/smaps at exit), clone() only for threads (clone3's arguments
 * cannot be inspected, so it answers ENOSYS and glibc falls back to clone).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "hpv/sandbox.h"
#include "hpv/term.h"

/* openat() flags that write or create */
#define OPEN_WRITES (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | __O_TMPFILE)

#define ARG_LO(n) (offsetof(struct seccomp_data, args) + (n) * sizeof(__u64))
#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
/* if nr == n, jump to the next instruction (allow), else skip it */
#define IF_NR(n) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (n), 0, 1)
#define PLAIN(n) IF_NR(n), ALLOW

/* The calls with no argument worth checking. */
#define PLAIN_CALLS                                                                    \
	PLAIN(__NR_read), PLAIN(__NR_write), PLAIN(__NR_writev), PLAIN(__NR_pread64),   \
	PLAIN(__NR_close), PLAIN(__NR_fstat), PLAIN(__NR_newfstatat), PLAIN(__NR_lseek), \
	PLAIN(__NR_mmap), PLAIN(__NR_munmap), PLAIN(__NR_mprotect), PLAIN(__NR_mremap), \
	PLAIN(__NR_madvise), PLAIN(__NR_brk), PLAIN(__NR_rt_sigaction),                \
	PLAIN(__NR_rt_sigprocmask), PLAIN(__NR_rt_sigreturn), PLAIN(__NR_poll),         \
	PLAIN(__NR_ppoll), PLAIN(__NR_futex), PLAIN(__NR_sched_yield),                  \
	PLAIN(__NR_nanosleep), PLAIN(__NR_clock_nanosleep), PLAIN(__NR_clock_gettime),  \
	PLAIN(__NR_gettid), PLAIN(__NR_getpid), PLAIN(__NR_exit),                        \
	PLAIN(__NR_exit_group), PLAIN(__NR_set_robust_list), PLAIN(__NR_rseq),          \
	PLAIN(__NR_timer_create), PLAIN(__NR_timer_settime), PLAIN(__NR_timer_gettime), \
	PLAIN(__NR_timer_delete), PLAIN(__NR_getrandom), PLAIN(__NR_restart_syscall)

/* In the handler: only async-signal-safe calls, so no stdio. */
static void sandbox__sigsys(int sig, siginfo_t *info, void *uc)
{
	static const char head[] = "\rhpv: sandbox: system call ";
	static const char tail[] = " is not allowed (--no-sandbox to debug)\n";
	char line[sizeof(head) + sizeof(tail) + 12], digits[12];
	unsigned int nr = (unsigned int)info->si_syscall, n = 0, len = 0;

	(void)sig;
	(void)uc;
	do
		digits[n++] = '0' + nr % 10;
	while ((nr /= 10) && n < sizeof(digits));
	memcpy(line, head, sizeof(head) - 1);
	len = sizeof(head) - 1;
	while (n)
		line[len++] = digits[--n];
	memcpy(line + len, tail, sizeof(tail) - 1);
	len += sizeof(tail) - 1;
	/* the terminal as the user had it (tcsetattr is async-signal-safe) */
	term__exit();
	if (write(STDERR_FILENO, line, len) < 0)
		_exit(SANDBOX_EXIT);
	_exit(SANDBOX_EXIT);
}

/*
 * The sanitizers' runtimes make calls of their own (LeakSanitizer's
 * tracer is a clone() that is no thread): their builds run unconfined.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANDBOX_BUILT 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer)
#define SANDBOX_BUILT 0
#endif
#endif
#ifndef SANDBOX_BUILT
#define SANDBOX_BUILT 1
#endif

bool sandbox__available(void)
{
	return SANDBOX_BUILT;
}

int sandbox__enter(void)
{
	struct sock_filter code[] = {
		/* x86-64 only: another ABI's numbers mean other calls */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		LOAD_NR,
		/* the x32 ABI: the same arch, with bit 30 set */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		PLAIN_CALLS,
		/* tgkill: signals to our own threads (a vCPU's kick) */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_tgkill, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (__u32)getpid(), 0, 1),
		ALLOW,
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		/* clone3: its flags live in memory; glibc falls back to clone */
		IF_NR(__NR_clone3),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		/* clone: threads only */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1),
		ALLOW,
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		/* openat: read-only */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, OPEN_WRITES, 1, 0),
		ALLOW,
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		/* ioctl: KVM's requests (type KVMIO) and the terminal's */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 8),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TCGETS, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TCSETS, 3, 0),
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 8),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, KVMIO, 0, 1),
		ALLOW,
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		/* anything else */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
	struct sigaction sa = { .sa_sigaction = sandbox__sigsys, .sa_flags = SA_SIGINFO };

	if (!sandbox__available())
		return -ENOTSUP;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	/* every thread hpv has, and the ones it starts later */
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog))
		return -errno;
	return 0;
}
