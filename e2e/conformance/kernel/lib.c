/* Freestanding helpers: strings, formatting, locks, console output. */
#include "kernel.h"

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strncpy_z(char *d, const char *s, size_t n)
{
	size_t i = 0;
	for (; i + 1 < n && s[i]; i++)
		d[i] = s[i];
	d[i] = 0;
	return d;
}

static int put_num(char *buf, int pos, int size, u64 v, int base, int width, int zero, int neg)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (n < width)
		tmp[n++] = zero ? '0' : ' ';
	while (n) {
		if (pos < size - 1)
			buf[pos] = tmp[n - 1];
		pos++, n--;
	}
	return pos;
}

int vsnprintf(char *buf, int size, const char *fmt, va_list ap)
{
	int pos = 0;
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			if (pos < size - 1)
				buf[pos] = *fmt;
			pos++;
			continue;
		}
		fmt++;
		int zero = 0, width = 0, ll = 0;
		if (*fmt == '0')
			zero = 1, fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			ll++, fmt++;
		switch (*fmt) {
		case 'd': {
			s64 v = ll >= 2 ? va_arg(ap, s64) : va_arg(ap, int);
			pos = put_num(buf, pos, size, v < 0 ? -(u64)v : (u64)v, 10, width, zero, v < 0);
			break;
		}
		case 'u': {
			u64 v = ll >= 2 ? va_arg(ap, u64) : va_arg(ap, u32);
			pos = put_num(buf, pos, size, v, 10, width, zero, 0);
			break;
		}
		case 'x': {
			u64 v = ll >= 2 ? va_arg(ap, u64) : va_arg(ap, u32);
			pos = put_num(buf, pos, size, v, 16, width, zero, 0);
			break;
		}
		case 'p': {
			u32 v = (u32)va_arg(ap, void *);
			if (pos < size - 1)
				buf[pos] = '0';
			pos++;
			if (pos < size - 1)
				buf[pos] = 'x';
			pos++;
			pos = put_num(buf, pos, size, v, 16, 8, 1, 0);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int n = strlen(s);
			for (int i = n; i < width; i++) {
				if (pos < size - 1)
					buf[pos] = ' ';
				pos++;
			}
			while (*s) {
				if (pos < size - 1)
					buf[pos] = *s;
				pos++, s++;
			}
			break;
		}
		case 'c':
			if (pos < size - 1)
				buf[pos] = (char)va_arg(ap, int);
			pos++;
			break;
		default:
			if (pos < size - 1)
				buf[pos] = *fmt;
			pos++;
		}
	}
	if (size > 0)
		buf[pos < size ? pos : size - 1] = 0;
	return pos;
}

int snprintf(char *buf, int size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void spin_lock(volatile int *l)
{
	while (__atomic_exchange_n((int *)l, 1, __ATOMIC_ACQUIRE)) {
		/* back off for up to 2 us without burning the whole time slice */
		__builtin_wasm_memory_atomic_wait32((int *)l, 1, 2000);
	}
}

void spin_unlock(volatile int *l)
{
	__atomic_store_n((int *)l, 0, __ATOMIC_RELEASE);
}

/* Sleep the whole CPU (like __delay/mdelay): memory.atomic.wait32 on a private
   word that nobody notifies, timeout in nanoseconds. */
void atomic_sleep_ns(s64 ns)
{
	static int never_notified;
	__builtin_wasm_memory_atomic_wait32(&never_notified, 0, ns);
}

/* ---- console ---- */
volatile int put_errors;
volatile int checks_passed, checks_failed;
static volatile int con_lock;

/* Write bytes through wasm_driver_hvc_put in chunks of at most `chunk` bytes
   (16 like the printk path, 4096 like the tty path). -EAGAIN is retried. */
void con_write_raw(const char *buf, int n, int chunk)
{
	while (n > 0) {
		int c = n < chunk ? n : chunk;
		int r = wasm_driver_hvc_put(buf, c);
		if (r == -11)
			continue;
		if (r != c) {
			put_errors++;
			if (r <= 0)
				return;
		}
		if (r > c)
			r = c;
		buf += r;
		n -= r;
	}
}

void con_acquire(void) { spin_lock(&con_lock); }
void con_release(void) { spin_unlock(&con_lock); }

/* ---- guard words ---- */
volatile int guard_checks;

void guard_set(volatile u32 *g)
{
	for (int i = 0; i < GUARD_WORDS; i++)
		g[i] = GUARD_WORD;
}

/* unit is "word" (a guard word, seen read as a u32) or "byte" (a zero byte) */
static void __attribute__((noreturn)) guard_broken(const char *what, const char *side, const void *buf,
						   unsigned long len, const char *unit, int at, u32 seen)
{
	static char msg[200];
	__atomic_fetch_add((int *)&checks_failed, 1, __ATOMIC_SEQ_CST);
	snprintf(msg, sizeof(msg), "conformance kernel: GUARD BROKEN %s the %s buffer [%x, %x): the host wrote outside it (guard %s %d reads %x)",
		 side, what, (u32)(unsigned long)buf, (u32)((unsigned long)buf + len), unit, at, seen);
	printk("%s\n", msg);
	wasm_panic(msg);
	for (;;)
		atomic_sleep_ns(100000000);
}

void guard_check(const volatile u32 *g, const char *what, const char *side, const void *buf, unsigned long len)
{
	__atomic_fetch_add((int *)&guard_checks, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < GUARD_WORDS; i++)
		if (g[i] != GUARD_WORD)
			guard_broken(what, side, buf, len, "word", i, g[i]);
}

void guard_zero_check(const volatile u8 *p, u32 n, const char *what, const char *side, const void *buf, unsigned long len)
{
	__atomic_fetch_add((int *)&guard_checks, 1, __ATOMIC_RELAXED);
	for (u32 i = 0; i < n; i++)
		if (p[i])
			guard_broken(what, side, buf, len, "byte", (int)i, p[i]);
}

/* hvc_poll's read: under the console lock that every put also holds (the
   hvc port's lock), so while the host works in wasm_driver_hvc_get every
   CPU that prints waits, as under Linux. Like __hvc_poll it hands the host a
   local buffer of N_INBUF (16) bytes, here between guard words: the count
   bytes handed over end at the guard after them, and any bytes before them
   (a count under 16) are guarded too. It copies what came to the caller. */
volatile int con_get_others; /* con_get calls made by another task than khvcd */

int con_get(char *buf, int count, u64 *host_ns)
{
	if (!is_khvcd(current()))
		__atomic_fetch_add((int *)&con_get_others, 1, __ATOMIC_SEQ_CST);
	return con_get_direct(buf, count, host_ns);
}

/* The console read itself. Only the input benchmark calls it directly: it
   measures the host's hvc_get, not khvcd's polling cadence. host_ns (may be
   NULL) receives how long the host's call took, without the wait for the
   console lock. */
int con_get_direct(char *buf, int count, u64 *host_ns)
{
	struct {
		u32 pre[GUARD_WORDS];
		char in[16];
		u32 post[GUARD_WORDS];
	} g;
	if (count > (int)sizeof(g.in))
		count = sizeof(g.in);
	if (count < 0)
		count = 0;
	char *at = g.in + sizeof(g.in) - count;
	guard_set(g.pre);
	guard_set(g.post);
	memset(g.in, 0, sizeof(g.in) - count);
	spin_lock(&con_lock);
	u64 t0 = host_ns ? now() : 0;
	int n = wasm_driver_hvc_get(at, count);
	if (host_ns)
		*host_ns = now() - t0;
	spin_unlock(&con_lock);
	guard_check(g.pre, "hvc_get", "before", at, count);
	guard_zero_check((const u8 *)g.in, sizeof(g.in) - count, "hvc_get", "before", at, count);
	guard_check(g.post, "hvc_get", "after", at, count);
	for (int i = 0; i < n && i < count; i++)
		buf[i] = at[i];
	return n;
}

/* tty path (user write): chunks of up to 4096 bytes, no newline expansion */
void con_tty_write(const char *buf, int n)
{
	spin_lock(&con_lock);
	con_write_raw(buf, n, 4096);
	spin_unlock(&con_lock);
}

static void con_line(const char *s, int n)
{
	spin_lock(&con_lock);
	con_write_raw(s, n, 16);
	spin_unlock(&con_lock);
}

void printk(const char *fmt, ...)
{
	char buf[400];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 3)
		n = sizeof(buf) - 3;
	/* printk path: "\n" expanded to "\r\n" */
	char out[800];
	int o = 0;
	for (int i = 0; i < n; i++) {
		if (buf[i] == '\n')
			out[o++] = '\r';
		out[o++] = buf[i];
	}
	con_line(out, o);
}

void check(const char *scen, const char *name, int ok, const char *fmt, ...)
{
	char detail[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	for (char *p = detail; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (ok)
		__atomic_fetch_add((int *)&checks_passed, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_add((int *)&checks_failed, 1, __ATOMIC_SEQ_CST);
	printk("CONF %s %s %s %s\n", scen, name, ok ? "PASS" : "FAIL", detail);
}
