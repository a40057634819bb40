/* Tiny user-space library for the conformance programs. */
#ifndef ULIB_H
#define ULIB_H
typedef unsigned int u32;
typedef unsigned long size_t;
#define NULL ((void *)0)

int sc0(int nr);
int sc1(int nr, int a);
int sc2(int nr, int a, int b);
int sc3(int nr, int a, int b, int c);
int sc4(int nr, int a, int b, int c, int d);
int sc5(int nr, int a, int b, int c, int d, int e);
int sc6(int nr, int a, int b, int c, int d, int e, int f);
u32 get_sp(void);
u32 get_tls(void);
int __clone(int (*fn)(void *), void *stack, int flags, void *arg, int *ptid, void *tls, int *ctid);
extern void __wasm_abort(void);

#define NR_WRITE 64
#define NR_EXIT 93
#define NR_KILL 129
#define NR_SIGACTION 134
#define NR_SIGPROCMASK 135
#define NR_GETPID 172
#define NR_CLONE 220
#define NR_EXECVE 221
#define NR_WAIT4 260
#define NR_CONF_CHECK 1984
#define NR_CONF_ECHO 1985
#define NR_CONF_QUERY 1986
#define NR_CONF_SLEEP 1987

#define Q_START_STACK 1
#define Q_DATA_START 2
#define Q_RAISE_SELF 3
#define Q_CLONE_PENDING 4
#define Q_RAISE_COUNT 5
#define Q_CPU 6
#define Q_DATA_SIZE 7
#define Q_PID 10

#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define CLONE_SETTLS 0x80000
#define SIGCHLD 17
#define SA_SIGINFO 4

struct ksigaction {
	u32 handler, flags, restorer, mask;
};
struct ksiginfo {
	int si_signo, si_errno, si_code, si_pid, si_uid;
};

void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int usnprintf(char *buf, int size, const char *fmt, ...);
u32 fnv1a(const void *p, u32 n, u32 h);

void check(const char *scen, const char *name, int ok, const char *fmt, ...);
void __attribute__((noreturn)) sys_exit(int code);
int getpid(void);
int kill(int pid, int sig);
int sigaction1(int sig, void *handler, u32 flags, u32 mask);
int execve(const char *path, const char *const *argv, const char *const *envp);
int wait4(int pid, int *status);
int query(int what, int a, int b);
#endif
