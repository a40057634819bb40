/*
 * Boot (_start), memory, command line, sys_* stubs, private test syscalls,
 * and kernel_init, which runs the selected scenarios.
 */
#include "kernel.h"

/* boot_command_line between guard words: one named data section keeps the
   three in this order (boot_checks verifies they are adjacent) */
#define BOOT_PARAMS __attribute__((section(".data.conf_boot_params"), used))
BOOT_PARAMS volatile u32 cmdline_guard_pre[GUARD_WORDS] = {GUARD_WORD, GUARD_WORD, GUARD_WORD, GUARD_WORD};
BOOT_PARAMS char boot_command_line[COMMAND_LINE_SIZE] = {0};
BOOT_PARAMS volatile u32 cmdline_guard_post[GUARD_WORDS] = {GUARD_WORD, GUARD_WORD, GUARD_WORD, GUARD_WORD};
unsigned long memory_start, memory_end, memory_kernel_break;
extern unsigned long initrd_start, initrd_end;
extern volatile u32 initrd_guard_pre[GUARD_WORDS], initrd_guard_mid[GUARD_WORDS], initrd_guard_post[GUARD_WORDS];

/* The host wrote the command line, the initrd and its two words before
   _start: every guard around them must be intact (issue 19 item 8), and
   they must really be adjacent to what they guard, or the check proves
   nothing. The initrd's own guards: the rest of its last page, which the
   host grew and must leave zero, and the 64 bytes below it, the top of the
   memory as it stood, which nothing has used yet. */
extern char __heap_base[];

/* through volatile words: the compiler may fold a comparison of the end of
   one object with the start of another to false */
static int same_addr(const volatile void *a, const volatile void *b)
{
	volatile unsigned long x = (unsigned long)a, y = (unsigned long)b;
	return x == y;
}

static void boot_param_guards(void)
{
	int adjacent = same_addr(cmdline_guard_pre + GUARD_WORDS, boot_command_line) &&
		       same_addr(boot_command_line + COMMAND_LINE_SIZE, cmdline_guard_post) &&
		       same_addr(initrd_guard_pre + GUARD_WORDS, &initrd_start) &&
		       same_addr(&initrd_start + 1, initrd_guard_mid) &&
		       same_addr(initrd_guard_mid + GUARD_WORDS, &initrd_end) &&
		       same_addr(&initrd_end + 1, initrd_guard_post);
	if (!adjacent) {
		printk("CONF boot guard_layout FAIL the guard words are not adjacent to the parameters\n");
		__atomic_fetch_add((int *)&checks_failed, 1, __ATOMIC_SEQ_CST);
	}
	guard_check(cmdline_guard_pre, "boot_command_line", "before", boot_command_line, COMMAND_LINE_SIZE);
	guard_check(cmdline_guard_post, "boot_command_line", "after", boot_command_line, COMMAND_LINE_SIZE);
	guard_check(initrd_guard_pre, "initrd_start word", "before", &initrd_start, sizeof(initrd_start));
	guard_check(initrd_guard_mid, "initrd_start word", "after", &initrd_start, sizeof(initrd_start));
	guard_check(initrd_guard_post, "initrd_end word", "after", &initrd_end, sizeof(initrd_end));
	u32 is = initrd_start, ie = initrd_end;
	if (ie > is) {
		u32 tail_end = (ie + WASM_PAGE - 1) / WASM_PAGE * WASM_PAGE;
		guard_zero_check((const u8 *)ie, tail_end - ie, "initrd", "after", (void *)is, ie - is);
		/* the kernel's stacks are in its tasks' blocks (data): nothing
		   lies above __heap_base yet */
		if (is >= 64 && is - 64 >= (u32)(unsigned long)__heap_base)
			guard_zero_check((const u8 *)(is - 64), 64, "initrd", "before", (void *)is, ie - is);
	}
}
/* 2.5 MiB of BSS, exported (kept alive) so the declared memory minimum is well
   above 30 pages. */
char conf_ballast[2621440];
/* initialised data: checked at boot (one-time data init happened) */
u32 conf_data_marker = 0x5eed1234u;

/* ---- memory ---- */
static volatile int mm_lock;
static u32 heap_next, heap_limit;

/* Freed program images, reused by an allocation of exactly the same
   page-rounded size: a task that execs the same program again and again
   (the churn scenario) runs in constant memory. */
#define NFREE 128
static struct {
	u32 addr, size;
} free_blocks[NFREE];

void page_free(void *p, u32 size)
{
	size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (!p || !size)
		return;
	spin_lock(&mm_lock);
	for (int i = 0; i < NFREE; i++)
		if (!free_blocks[i].size) {
			free_blocks[i].addr = (u32)p;
			free_blocks[i].size = size;
			break;
		}
	/* a full list leaks the block: bounded by NFREE live images anyway */
	spin_unlock(&mm_lock);
}

void *page_alloc(u32 size, u32 align)
{
	spin_lock(&mm_lock);
	u32 rounded = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	for (int i = 0; i < NFREE; i++)
		if (free_blocks[i].size == rounded && !(free_blocks[i].addr & (align - 1))) {
			u32 a = free_blocks[i].addr;
			free_blocks[i].size = 0;
			spin_unlock(&mm_lock);
			/* fresh memory is zero; a data area must be (binfmt) */
			memset((void *)a, 0, rounded);
			return (void *)a;
		}
	u32 p = (heap_next + align - 1) & ~(align - 1);
	u32 e = p + ((size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	if (e > heap_limit || e < p) {
		spin_unlock(&mm_lock);
		printk("conf: out of memory (%u bytes)\n", size);
		wasm_panic("conformance kernel: out of memory");
		for (;;)
			atomic_sleep_ns(100000000);
	}
	heap_next = e;
	spin_unlock(&mm_lock);
	return (void *)p;
}

/* ---- command line ---- */
const char *cmdline_get(const char *key, char *out, int outsize)
{
	const char *p = boot_command_line;
	int kl = strlen(key);
	while (*p) {
		while (*p == ' ')
			p++;
		const char *tok = p;
		while (*p && *p != ' ')
			p++;
		if (p - tok > kl && !strncmp(tok, key, kl) && tok[kl] == '=') {
			int n = p - tok - kl - 1;
			if (n > outsize - 1)
				n = outsize - 1;
			memcpy(out, tok + kl + 1, n);
			out[n] = 0;
			return out;
		}
	}
	return NULL;
}

static int parse_uint(const char *s, u32 *v, int base)
{
	u32 r = 0;
	if (!*s)
		return 0;
	for (; *s; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return 0;
		r = r * base + d;
	}
	*v = r;
	return 1;
}

int cmdline_int(const char *key, int def)
{
	char buf[24];
	u32 v;
	if (cmdline_get(key, buf, sizeof(buf)) && parse_uint(buf, &v, 10))
		return v;
	return def;
}

static int list_has(const char *list, const char *name)
{
	int nl = strlen(name);
	const char *p = list;
	while (*p) {
		const char *s = p;
		while (*p && *p != ',')
			p++;
		if (p - s == nl && !strncmp(s, name, nl))
			return 1;
		if (*p)
			p++;
	}
	return 0;
}

int conf_selected(const char *name)
{
	char buf[256];
	if (!cmdline_get("conf", buf, sizeof(buf)))
		return 0;
	if (list_has(buf, name))
		return 1;
	/* "all" selects every scenario except panic and halt (which end the
	   machine), flood (which waits for a Ctrl-C), stall (a CPU spins for
	   good) and realboot/churn (PID 1 becomes the shell) */
	return list_has(buf, "all") && strcmp(name, "panic") && strcmp(name, "halt") && strcmp(name, "flood") &&
	       strcmp(name, "bench") && strcmp(name, "realboot") && strcmp(name, "churn") && strcmp(name, "stall");
}

int bench_selected(const char *name)
{
	char buf[256];
	if (conf_selected("bench"))
		return 1;
	if (!cmdline_get("bench", buf, sizeof(buf)))
		return 0;
	return list_has(buf, "all") || list_has(buf, name);
}

#ifndef CONF_GEN70 /* a 7.0-era kernel imports no sys_*: gen70.c */
/* ---- sys_* stubs: imports (ENOSYS in this configuration), called through a
   function table like the real syscall table. The set covers every import
   shape of a real build (real-kernel-facts.json sys_import_shapes): i32
   parameters 0..6 with an i32 result, i64 parameters in three positions, and
   sys_landlock_add_rule typed () -> (), which a real build imports without
   parameters or result ---- */
extern long sys_fadvise64_64(int fd, long long offset, long long len, int advice);
extern long sys_sync(void);
extern long sys_fallocate(int fd, int mode, long long offset, long long len);
extern long sys_quotactl(unsigned int cmd, const char *special, unsigned int id, void *addr);
extern long sys_acct(const char *name);
extern long sys_sync_file_range(int fd, long long offset, long long nbytes, unsigned int flags);
extern void sys_landlock_add_rule(void);
extern long sys_lookup_dcookie(long long cookie, char *buf, unsigned len);
extern long sys_fanotify_mark(int fd, unsigned flags, long long mask, int dfd, const char *path);
extern long sys_munlockall(void);
extern long sys_listen(int fd, int backlog);
extern long sys_socket(int family, int type, int proto);
extern long sys_msgsnd(int id, void *msg, unsigned sz, int flg);
extern long sys_keyctl(int op, unsigned a2, unsigned a3, unsigned a4, unsigned a5);
extern long sys_sendto(int fd, void *buf, unsigned len, unsigned flags, void *addr, int alen);

static void *volatile stub_table[] = {
	(void *)sys_fadvise64_64, (void *)sys_sync,	     (void *)sys_fallocate,	 (void *)sys_quotactl,
	(void *)sys_acct,	  (void *)sys_sync_file_range, (void *)sys_landlock_add_rule, (void *)sys_lookup_dcookie,
	(void *)sys_fanotify_mark, (void *)sys_munlockall,  (void *)sys_listen,		 (void *)sys_socket,
	(void *)sys_msgsnd,	  (void *)sys_keyctl,	     (void *)sys_sendto,
};
#define NSTUBS ((int)(sizeof(stub_table) / sizeof(stub_table[0])))

static s64 w64(u32 lo, u32 hi) { return (s64)((u64)lo | (u64)hi << 32); }

static long call_stub(int i, u32 *a)
{
	void *f = stub_table[i];
	switch (i) {
	case 0:
		return ((long (*)(int, long long, long long, int))f)(a[0], w64(a[1], a[2]), w64(a[3], a[4]), a[5]);
	case 1:
		return ((long (*)(void))f)();
	case 2:
		return ((long (*)(int, int, long long, long long))f)(a[0], a[1], w64(a[2], a[3]), w64(a[4], a[5]));
	case 3:
		return ((long (*)(unsigned, const char *, unsigned, void *))f)(a[0], (const char *)a[1], a[2],
									    (void *)a[3]);
	case 4:
		return ((long (*)(const char *))f)((const char *)a[0]);
	case 5:
		return ((long (*)(int, long long, long long, unsigned))f)(a[0], w64(a[1], a[2]), w64(a[3], a[4]), a[5]);
	case 6:
		/* () -> (): no result to read; the syscall is unimplemented */
		((void (*)(void))f)();
		return -38;
	case 7:
		return ((long (*)(long long, char *, unsigned))f)(w64(a[0], a[1]), (char *)a[2], a[3]);
	case 8:
		return ((long (*)(int, unsigned, long long, int, const char *))f)(a[0], a[1], w64(a[2], a[3]), a[4],
										(const char *)a[5]);
	case 9:
		return ((long (*)(void))f)();
	case 10:
		return ((long (*)(int, int))f)(a[0], a[1]);
	case 11:
		return ((long (*)(int, int, int))f)(a[0], a[1], a[2]);
	case 12:
		return ((long (*)(int, void *, unsigned, int))f)(a[0], (void *)a[1], a[2], a[3]);
	case 13:
		return ((long (*)(int, unsigned, unsigned, unsigned, unsigned))f)(a[0], a[1], a[2], a[3], a[4]);
	case 14:
		return ((long (*)(int, void *, unsigned, unsigned, void *, int))f)(a[0], (void *)a[1], a[2], a[3],
										 (void *)a[4], a[5]);
	}
	return -38;
}

/* asm-generic syscall numbers of the stubs, in stub_table order */
static const struct {
	int nr;
	const char *name;
} stub_nrs[] = {{223, "sys_fadvise64_64"},	{81, "sys_sync"},	   {47, "sys_fallocate"},
		{60, "sys_quotactl"},		{89, "sys_acct"},	   {84, "sys_sync_file_range"},
		{445, "sys_landlock_add_rule"}, {18, "sys_lookup_dcookie"}, {263, "sys_fanotify_mark"},
		{231, "sys_munlockall"},	{201, "sys_listen"},	   {198, "sys_socket"},
		{189, "sys_msgsnd"},		{219, "sys_keyctl"},	   {206, "sys_sendto"}};
_Static_assert(sizeof(stub_nrs) / sizeof(stub_nrs[0]) == sizeof(stub_table) / sizeof(stub_table[0]),
	       "one number per stub");

int sys_stub_dispatch(int nr, u32 *a, int *handled)
{
	for (int i = 0; i < NSTUBS; i++)
		if (stub_nrs[i].nr == nr) {
			*handled = 1;
			return call_stub(i, a);
		}
	*handled = 0;
	return 0;
}

int enosys_scenario(void)
{
	u32 a[6] = {3, 0xffffffffu, 0x7fffffffu, 0x12345678u, 0x80000000u, 1};
	for (int i = 0; i < NSTUBS; i++) {
		long r = call_stub(i, a);
		check("enosys", stub_nrs[i].name, r == -38, "ret=%d", (int)r);
	}
	return 0;
}
#endif

/* ---- private test syscalls used by the user programs ---- */
#define NR_CONF_CHECK 1984
#define NR_CONF_ECHO 1985
#define NR_CONF_QUERY 1986
#define NR_CONF_SLEEP 1987

u32 echo_hash(int n, u32 sp, u32 tp, int nr, u32 *a)
{
	u32 w[10] = {n, sp, tp, nr, 0, 0, 0, 0, 0, 0};
	for (int i = 0; i < n; i++)
		w[4 + i] = a[i];
	return fnv1a((const u8 *)w, 4 * (4 + n), 2166136261u);
}

int conf_user_syscall(struct task *t, int n, u32 sp, u32 tp, int nr, u32 *a)
{
	switch (nr) {
	case NR_CONF_CHECK: {
		const char *sc = (const char *)a[0], *ck = (const char *)a[1], *d = (const char *)a[3];
		check(sc, ck, a[2] != 0, "%s", d ? d : "");
		return 0;
	}
	case NR_CONF_ECHO:
		return echo_hash(n, sp, tp, nr, a);
	case NR_CONF_QUERY:
		switch (a[0]) {
		case 1:
			return t->start_stack;
		case 2:
			return t->data_start;
		case 3:
			__atomic_fetch_or((int *)&t->sig_pending, 1 << a[1], __ATOMIC_SEQ_CST);
			return a[2];
		case 4:
			t->clone_pending_sig = a[1];
			return 0;
		case 5:
			return t->raise_count;
		case 6:
			return t->cpu;
		case 7:
			return t->data_size;
		case 8:
			return t->bin_start;
		case 9:
			return t->table_size;
		case 10:
			return t->pid;
		case 11: { /* signal counters (the sigstat applet) */
			static volatile int *const c[] = {&sig_frames, &sig_nested, &sig_eintr, &sig_at_fork,
							  &sig_restarts, &sig_chld_sent, &tty_intr_sent};
			return a[1] < sizeof(c) / sizeof(c[0]) ? *c[a[1]] : -22;
		}
		}
		return -22;
	case NR_CONF_SLEEP:
		sleep_ms(a[0]);
		return 0;
	}
	return -38; /* ENOSYS */
}

/* ---- boot ---- */
extern int kernel_init(void *);

static void boot_checks(u32 pages_at_entry)
{
	char buf[64];
	u32 v;
	/* one-time data init happened before the host wrote parameters */
	int bss_zero = 1;
	for (u32 i = 0; i < sizeof(conf_ballast); i += 4099)
		if (conf_ballast[i])
			bss_zero = 0;
	check("boot", "data_init", conf_data_marker == 0x5eed1234u && bss_zero, "marker=%x bss_zero=%d",
	      conf_data_marker, bss_zero);
	/* command line: NUL-terminated within 512 bytes, length as announced */
	u32 len = 0;
	while (len < COMMAND_LINE_SIZE && boot_command_line[len])
		len++;
	check("boot", "cmdline_nul", len < COMMAND_LINE_SIZE, "len=%u", len);
	if (cmdline_get("cmdline_len", buf, sizeof(buf)) && parse_uint(buf, &v, 10))
		check("boot", "cmdline_len", v == len, "expected=%u got=%u", v, len);
	if (cmdline_get("cmdline_fnv", buf, sizeof(buf)) && parse_uint(buf, &v, 16)) {
		/* FNV-1a 32 of the command line as seen, with the 8 digits of this
		   token's value replaced by '0' */
		char tmp[COMMAND_LINE_SIZE];
		memcpy(tmp, boot_command_line, len);
		for (u32 i = 0; i + 12 <= len; i++)
			if (!memcmp(tmp + i, "cmdline_fnv=", 12) && (i == 0 || tmp[i - 1] == ' ')) {
				for (u32 j = i + 12; j < len && j < i + 20; j++)
					tmp[j] = '0';
				break;
			}
		u32 h = fnv1a((const u8 *)tmp, len, 2166136261u);
		check("boot", "cmdline_fnv", h == v, "expected=%08x got=%08x", v, h);
	}
	/* initrd at the top of memory as it stands at _start entry */
	u32 is = initrd_start, ie = initrd_end;
	u32 ilen = ie - is;
	u32 expect_start = pages_at_entry * WASM_PAGE - ((ilen + WASM_PAGE - 1) / WASM_PAGE) * WASM_PAGE;
	check("boot", "initrd_placement", is == expect_start && ie >= is && is % WASM_PAGE == 0,
	      "initrd_start=%x initrd_end=%x pages=%u", is, ie, pages_at_entry);
	if (cmdline_get("initrd_len", buf, sizeof(buf)) && parse_uint(buf, &v, 10))
		check("boot", "initrd_len", v == ilen, "expected=%u got=%u", v, ilen);
	else
		check("boot", "initrd_len", 0, "initrd_len= missing on the command line");
	if (cmdline_get("initrd_fnv", buf, sizeof(buf)) && parse_uint(buf, &v, 16)) {
		u32 h = ie > is ? fnv1a((const u8 *)is, ilen, 2166136261u) : 2166136261u;
		check("boot", "initrd_fnv", h == v, "expected=%08x got=%08x", v, h);
	} else
		check("boot", "initrd_fnv", 0, "initrd_fnv= missing on the command line");
}

void start_kernel_c(void)
{
	struct task *it = (struct task *)init_task;
	u32 pages = __builtin_wasm_memory_size(0);
	int boot = conf_selected("boot");

	printk("conformance kernel (linux-wasm host ABI test equipment, not Linux)\n");
	boot_param_guards();
	printk("Command line: %s\n", boot_command_line);
	if (boot)
		boot_checks(pages);

	/* head.S: reserve everything allocated so far, grow towards
	   BOOT_TARGET_PAGES, stepping down one page at a time on failure */
	memory_start = 0x10000;
	memory_kernel_break = pages * WASM_PAGE;
	u32 grow = pages < BOOT_TARGET_PAGES ? BOOT_TARGET_PAGES - pages : 0;
	while (grow >= 16 && __builtin_wasm_memory_grow(0, grow) == (unsigned long)-1)
		grow--;
	if (grow < 16) {
		printk("conf: could not grow memory by 16 pages\n");
		return;
	}
	memory_end = BOOT_MEMORY_END(pages, grow); /* the initial release's quirk, kept there */
	if (boot)
		check("boot", "memory_grow", __builtin_wasm_memory_size(0) == pages + grow,
		      "pages_before=%u grown=%u memory_end=%x", pages, grow, (u32)memory_end);
	heap_next = memory_kernel_break;
	heap_limit = memory_end;
	if (heap_limit <= heap_next + 64 * PAGE_SIZE) {
		wasm_panic("conformance kernel: boot image too large for the memory_end quirk");
		return;
	}
#ifdef CONF_GEN70
	/* end of setup_arch: setup_boot_rng */
	gen70_setup_boot_rng(boot);
#endif

	/* CPU 0's idle task */
	it->magic = TASK_MAGIC;
	it->pid = 0;
	strncpy_z(it->comm, "swapper/0", TASK_COMM_LEN);
	it->flags = TF_IDLE | TF_KTHREAD;
	it->cpu = 0;
	it->owned_cpu = -1;
	cpus[0].idle = it;
	cpus[0].curr = it;
	cpus[0].timer_expiry = NEVER;
	cpus[0].online = 1;
	cpus[0].start_ok = 1;

	/* rest_init */
	kthread_create(kernel_init, NULL, "kernel_init", 0, 0);
	cpu_idle_loop();
}
