#include "ulib.h"

static int vfmt(char *buf, int size, const char *fmt, __builtin_va_list ap)
{
	int pos = 0;
#define PUT(c)                                \
	do {                                  \
		if (pos < size - 1)           \
			buf[pos] = (c);       \
		pos++;                        \
	} while (0)
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			PUT(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == 's') {
			const char *s = __builtin_va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			while (*s)
				PUT(*s++);
		} else if (*fmt == 'd' || *fmt == 'x' || *fmt == 'u') {
			u32 v = __builtin_va_arg(ap, u32);
			int base = *fmt == 'x' ? 16 : 10;
			if (*fmt == 'd' && (int)v < 0) {
				PUT('-');
				v = -v;
			}
			char tmp[12];
			int n = 0;
			do {
				tmp[n++] = "0123456789abcdef"[v % base];
				v /= base;
			} while (v);
			while (n)
				PUT(tmp[--n]);
		} else
			PUT(*fmt);
	}
	if (size > 0)
		buf[pos < size ? pos : size - 1] = 0;
	return pos;
}

int usnprintf(char *buf, int size, const char *fmt, ...)
{
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	int n = vfmt(buf, size, fmt, ap);
	__builtin_va_end(ap);
	return n;
}

void check(const char *scen, const char *name, int ok, const char *fmt, ...)
{
	char d[200];
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	vfmt(d, sizeof(d), fmt, ap);
	__builtin_va_end(ap);
	sc4(NR_CONF_CHECK, (int)scen, (int)name, ok, (int)d);
}

void __attribute__((noreturn)) sys_exit(int code)
{
	sc1(NR_EXIT, code);
	__builtin_unreachable();
}

int getpid(void) { return sc0(NR_GETPID); }
int kill(int pid, int sig) { return sc2(NR_KILL, pid, sig); }
int query(int what, int a, int b) { return sc3(NR_CONF_QUERY, what, a, b); }

int sigaction1(int sig, void *handler, u32 flags, u32 mask)
{
	struct ksigaction sa = {(u32)handler, flags, 0, mask};
	return sc4(NR_SIGACTION, sig, (int)&sa, 0, 8);
}

int execve(const char *path, const char *const *argv, const char *const *envp)
{
	return sc3(NR_EXECVE, (int)path, (int)argv, (int)envp);
}

int wait4(int pid, int *status) { return sc4(NR_WAIT4, pid, (int)status, 0, 0); }
