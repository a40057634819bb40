/*
 * User side: initrd (newc cpio, possibly several concatenated archives),
 * binfmt (dylink.0 meminfo, whole file mapped, zeroed data area, initial
 * stack), syscalls, signals, clone, execve, ret_from_fork.
 */
#include "kernel.h"

/* the initrd words between guard words, kept in order by one named data
   section (main.c's boot_param_guards checks they are adjacent) */
/* (aligned: no more than an unsigned long's, or clang would give the 16-byte
   arrays 16 and leave unguarded padding after each word) */
#define BOOT_PARAMS __attribute__((section(".data.conf_initrd_words"), used, aligned(sizeof(unsigned long))))
#define GUARD4 {GUARD_WORD, GUARD_WORD, GUARD_WORD, GUARD_WORD}
BOOT_PARAMS volatile u32 initrd_guard_pre[GUARD_WORDS] = GUARD4;
BOOT_PARAMS unsigned long initrd_start = 0;
BOOT_PARAMS volatile u32 initrd_guard_mid[GUARD_WORDS] = GUARD4;
BOOT_PARAMS unsigned long initrd_end = 0;
BOOT_PARAMS volatile u32 initrd_guard_post[GUARD_WORDS] = GUARD4;

/* ---- initrd ---- */
static u32 hex8(const u8 *p, int *ok)
{
	u32 v = 0;
	for (int i = 0; i < 8; i++) {
		u8 c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			*ok = 0;
	}
	return v;
}

/* Walk every entry of every archive; cb returns nonzero to stop. Returns the
   number of entries, or -1 on a malformed archive. */
static int initrd_walk(int (*cb)(const char *name, u32 mode, const u8 *data, u32 size, void *arg),
		       void *arg, int *archives)
{
	const u8 *p = (const u8 *)initrd_start, *end = (const u8 *)initrd_end;
	int count = 0, arch = 0, in_archive = 0;
	while (p < end) {
		if (!in_archive) {
			/* zero padding between concatenated archives; an archive
			   starts only at a 4-byte aligned offset, like the kernel's
			   initramfs unpacker */
			if (*p == 0) {
				p++;
				continue;
			}
			if ((p - (const u8 *)initrd_start) & 3)
				return -1;
			arch++;
			in_archive = 1;
		}
		if (end - p < 110 || memcmp(p, "07070", 5) || (p[5] != '1' && p[5] != '2'))
			return -1;
		int ok = 1;
		u32 mode = hex8(p + 14, &ok);
		u32 filesize = hex8(p + 54, &ok);
		u32 namesize = hex8(p + 94, &ok);
		if (!ok || namesize == 0 || namesize > 4096)
			return -1;
		const char *name = (const char *)p + 110;
		u32 hdr = (110 + namesize + 3) & ~3u;
		if ((u32)(end - p) < hdr || name[namesize - 1] != 0)
			return -1;
		const u8 *data = p + hdr;
		if ((u32)(end - data) < filesize)
			return -1;
		p = data + ((filesize + 3) & ~3u);
		if (!strcmp(name, "TRAILER!!!")) {
			in_archive = 0;
			continue;
		}
		count++;
		if (cb && cb(name, mode, data, filesize, arg))
			break;
	}
	if (archives)
		*archives = arch;
	return count;
}

struct find_arg {
	const char *path;
	const u8 *data;
	u32 size;
	int found;
};

static const char *norm(const char *s)
{
	for (;;) {
		if (s[0] == '/')
			s++;
		else if (s[0] == '.' && s[1] == '/')
			s += 2;
		else
			return s;
	}
}

static int find_cb(const char *name, u32 mode, const u8 *data, u32 size, void *a)
{
	struct find_arg *f = a;
	if (!strcmp(norm(name), norm(f->path)) && (mode & 0170000) == 0100000) {
		/* later archives override earlier ones, like initramfs unpacking */
		f->data = data;
		f->size = size;
		f->found = 1;
	}
	return 0;
}

int initrd_find(const char *path, const u8 **data, u32 *size)
{
	struct find_arg f = {path, 0, 0, 0};
	initrd_walk(find_cb, &f, NULL);
	if (!f.found)
		return 0;
	*data = f.data;
	*size = f.size;
	return 1;
}

static int list_cb(const char *name, u32 mode, const u8 *data, u32 size, void *a)
{
	(void)data;
	(void)a;
	printk("CONF initrd entry %s %u\n", name, size);
	(void)mode;
	return 0;
}

int initrd_list(int print)
{
	int archives = 0;
	int n = initrd_walk(print ? list_cb : NULL, NULL, &archives);
	check("initrd", "parse", n >= 0, "entries=%d archives=%d", n, archives);
	return n;
}

/* ---- binfmt ---- */
static u32 leb(const u8 **pp, const u8 *end, int *ok)
{
	u32 v = 0;
	int shift = 0;
	const u8 *p = *pp;
	for (;;) {
		if (p >= end || shift > 28) {
			*ok = 0;
			return 0;
		}
		u8 b = *p++;
		v |= (u32)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	*pp = p;
	return v;
}

int parse_dylink(const u8 *p, u32 n, u32 *mem_size, u32 *mem_align, u32 *table_size, u32 *table_align)
{
	const u8 *end = p + n;
	int ok = 1;
	if (n < 8 || memcmp(p, "\0asm", 4) || p[4] != 1 || p[5] || p[6] || p[7])
		return 0;
	p += 8;
	if (p >= end || *p++ != 0) /* first section must be custom */
		return 0;
	u32 size = leb(&p, end, &ok);
	if (!ok || size > (u32)(end - p))
		return 0;
	const u8 *send = p + size;
	u32 nlen = leb(&p, send, &ok);
	if (!ok || nlen != 8 || (u32)(send - p) < 8 || memcmp(p, "dylink.0", 8))
		return 0;
	p += 8;
	while (p < send) {
		u32 type = *p++;
		u32 len = leb(&p, send, &ok);
		if (!ok || len > (u32)(send - p))
			return 0;
		if (type == 1) { /* WASM_DYLINK_MEMINFO */
			const u8 *q = p;
			*mem_size = leb(&q, p + len, &ok);
			*mem_align = leb(&q, p + len, &ok);
			*table_size = leb(&q, p + len, &ok);
			*table_align = leb(&q, p + len, &ok);
			return ok;
		}
		p += len;
	}
	return 0;
}

#define AT_NULL 0
#define AT_PAGESZ 6
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_SECURE 23
#define AT_NOTELF 10

int do_execve(struct task *t, const char *path, const char *const *argv, const char *const *envp)
{
	const u8 *file;
	u32 size, mem_size, mem_align, table_size, table_align;
	if (!initrd_find(path, &file, &size))
		return -2; /* ENOENT */
	if (!parse_dylink(file, size, &mem_size, &mem_align, &table_size, &table_align))
		return -8; /* ENOEXEC */
	int argc = 0, envc = 0;
	u32 strbytes = 0;
	while (argv && argv[argc])
		strbytes += strlen(argv[argc++]) + 1;
	while (envp && envp[envc])
		strbytes += strlen(envp[envc++]) + 1;
	u32 table = sizeof(ulong) * (1 + argc + 1 + envc + 1 + 2 * 8);
	u32 argspace = (table + strbytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	/* "map" the whole file */
	u8 *bin = page_alloc(size, PAGE_SIZE);
	memcpy(bin, file, size);
	/* zeroed data area, page-rounded, here between guard words: one
	   alignment unit before it, one page after it */
	u32 dsize = (mem_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	u32 align = mem_align > 12 ? (1u << mem_align) : PAGE_SIZE;
	u32 dalloc = align + (dsize ? dsize : PAGE_SIZE) + PAGE_SIZE;
	u8 *dbase = page_alloc(dalloc, align);
	u8 *data = dbase + align;
	u32 *dpre = (u32 *)(data - GUARD_WORDS * 4), *dpost = (u32 *)(data + dsize);
	guard_set(dpre);
	guard_set(dpost);
	/* user stack: 2 pages + argument space; start_stack page-aligned */
	u8 *stk = page_alloc(2 * PAGE_SIZE + argspace, PAGE_SIZE);
	u32 sp = (u32)stk + 2 * PAGE_SIZE;
	/* argc, argv, envp and auxv are unsigned long words (8 bytes on wasm64) */
	ulong *w = (ulong *)(ulong)sp;
	char *s = (char *)(ulong)(sp + table);
	*w++ = argc;
	for (int i = 0; i < argc; i++) {
		int l = strlen(argv[i]) + 1;
		memcpy(s, argv[i], l);
		*w++ = (ulong)s;
		s += l;
	}
	*w++ = 0;
	for (int i = 0; i < envc; i++) {
		int l = strlen(envp[i]) + 1;
		memcpy(s, envp[i], l);
		*w++ = (ulong)s;
		s += l;
	}
	*w++ = 0;
	ulong aux[] = {AT_NOTELF, 1, AT_PAGESZ, PAGE_SIZE, AT_UID, 0, AT_EUID, 0,
		     AT_GID, 0, AT_EGID, 0, AT_SECURE, 0, AT_NULL, 0};
	for (int i = 0; i < 16; i++)
		*w++ = aux[i];

	/* the old images (if this task's own execve made them) are not needed
	   past this point: the strings above were copied from them */
	free_images(t);
	t->img_bin = (u32)bin;
	t->img_bin_size = size;
	t->img_data = (u32)dbase;
	t->img_data_size = dalloc;
	t->data_guard_pre = (u32)dpre;
	t->data_guard_post = (u32)dpost;
	t->img_stack = (u32)stk;
	t->img_stack_size = 2 * PAGE_SIZE + argspace;
	t->bin_start = (u32)bin;
	t->bin_end = (u32)bin + size;
	t->data_start = (u32)data;
	t->data_size = dsize;
	t->table_size = table_size;
	t->start_stack = sp;
	t->regs_sp = sp;
	t->regs_tp = 0;
	for (int i = 0; i < 32; i++)
		if (t->sa[i].handler != 1) /* handlers reset, SIG_IGN kept */
			t->sa[i].handler = 0;
	t->sigreturn_done = 0;
	t->sig_depth = 0;
	wasm_load_executable((u32)bin, (u32)bin + size, (u32)data, 0);
	t->exec_pending = 1;
	if (t->vfork_parent) {
		struct task *vp = t->vfork_parent;
		t->vfork_parent = NULL;
		vp->vfork_done = 1;
		wake_up(vp);
	}
	return 0;
}

void free_images(struct task *t)
{
	page_free((void *)t->img_bin, t->img_bin_size);
	page_free((void *)t->img_data, t->img_data_size);
	page_free((void *)t->img_stack, t->img_stack_size);
	t->img_bin = t->img_data = t->img_stack = 0;
	t->data_guard_pre = t->data_guard_post = 0;
	t->img_bin_size = t->img_data_size = t->img_stack_size = 0;
}

/* ---- signals ---- */
#define SIG_DFL 0
#define SIG_IGN 1
#define SA_SIGINFO 4
#define SA_NODEFER 0x40000000
#define UC_MAGIC 0x55435458u

/* the header libc reads: signo at +0, then pointer-sized words (on wasm64
   +8, +16, +24: gen2-interface-facts.md section 4) */
struct sigframe {
	s32 signo;
	ulong info;
	ulong uc;
	ulong handler;
	struct {
		s32 si_signo, si_errno, si_code, si_pid, si_uid;
	} si;
	struct {
		u32 magic, sp, tp, mask;
	} ucx;
};

#define SIGKILL 9
#define SIGCHLD 17

volatile int sig_frames, sig_nested, sig_eintr, sig_at_fork, sig_restarts, sig_chld_sent;

static int sig_default_ignore(int sig) { return sig == SIGCHLD || sig == 23 || sig == 28; }

static u32 deliverable(struct task *t) { return t->sig_pending & (~t->sig_blocked | (1u << SIGKILL)); }

int signal_pending(struct task *t) { return deliverable(t) != 0; }

/* send_signal: like Linux, a signal the target ignores (SIG_IGN, or SIG_DFL
   with a default action of ignore, e.g. SIGCHLD) and does not block is
   dropped at once; otherwise it is queued (one bit: standard signals do not
   queue twice) and the target woken from an interruptible wait. A target in
   user mode sees it at its next syscall return (wasm cannot interrupt it). */
void send_signal(struct task *t, int sig)
{
	if (sig <= 0 || sig >= 32)
		return;
	u32 h = t->sa[sig].handler;
	if (sig != SIGKILL && !(t->sig_blocked & (1u << sig)) &&
	    (h == SIG_IGN || (h == SIG_DFL && sig_default_ignore(sig))))
		return;
	__atomic_fetch_or((int *)&t->sig_pending, 1 << sig, __ATOMIC_SEQ_CST);
	if (t != current())
		wake_up(t);
}

static int pgrp_match(struct task *t, void *a) { return (t->flags & TF_USER) && t->pgid == (int)(long)a; }

int kill_pgrp(int pgid, int sig)
{
	struct task *ts[64];
	int n = tasks_matching(pgrp_match, (void *)(long)pgid, ts, 64);
	for (int i = 0; i < n; i++)
		send_signal(ts[i], sig);
	return n;
}

struct intr_wait {
	int (*cond)(void *);
	void *arg;
	struct task *t;
	int fired;
};

static int intr_cond(void *a)
{
	struct intr_wait *w = a;
	if (w->cond && w->cond(w->arg)) {
		w->fired = 1;
		return 1;
	}
	return signal_pending(w->t);
}

/* An interruptible sleep (TASK_INTERRUPTIBLE): 1 when cond held, 0 on
   timeout, -ERESTARTSYS when a signal to act on is pending first. cond runs
   under the scheduler lock. */
int wait_interruptible(int (*cond)(void *), void *arg, s64 timeout_ns)
{
	struct intr_wait w = {cond, arg, current(), 0};
	int r = wait_cond(intr_cond, &w, timeout_ns);
	if (w.fired)
		return 1;
	if (r)
		return -ERESTARTSYS;
	return 0;
}

/* get_signal's first half: drop pending signals that are ignored, kill the
   task for a fatal default action (never returns), and return the first
   signal that needs a user handler (still pending), or 0. */
static int next_handled_signal(struct task *t)
{
	for (;;) {
		u32 d = deliverable(t);
		int sig = 0;
		for (int s = 1; s < 32; s++)
			if (d & (1u << s)) {
				sig = s;
				break;
			}
		if (!sig)
			return 0;
		u32 h = t->sa[sig].handler;
		if (sig != SIGKILL && h != SIG_DFL && h != SIG_IGN)
			return sig;
		__atomic_fetch_and((int *)&t->sig_pending, ~(1 << sig), __ATOMIC_SEQ_CST);
		if (sig == SIGKILL || (h == SIG_DFL && !sig_default_ignore(sig)))
			do_exit(sig); /* killed by the signal: wait status = signo */
	}
}

static void push_frame(struct task *t, int sig)
{
	struct sigaction_k *sa = &t->sa[sig];
	u32 f = (t->regs_sp - sizeof(struct sigframe)) & ~15u;
	struct sigframe *fr = (struct sigframe *)f;
	memset(fr, 0, sizeof(*fr));
	fr->signo = sig;
	fr->handler = sa->handler;
	fr->si.si_signo = sig;
	fr->si.si_pid = t->pid;
	fr->ucx.magic = UC_MAGIC;
	fr->ucx.sp = t->regs_sp;
	fr->ucx.tp = t->regs_tp;
	fr->ucx.mask = t->sig_blocked;
	if (sa->flags & SA_SIGINFO) {
		fr->info = (ulong)&fr->si;
		fr->uc = (ulong)&fr->ucx;
	}
	t->sig_blocked |= sa->mask;
	if (!(sa->flags & SA_NODEFER))
		t->sig_blocked |= 1u << sig;
	t->regs_sp = f;
	t->sig_depth++;
}

static int sys_rt_sigreturn(struct task *t)
{
	struct sigframe *fr = (struct sigframe *)t->regs_sp;
	if (t->sig_depth <= 0 || fr->ucx.magic != UC_MAGIC) {
		printk("conf: bad rt_sigreturn frame at %p in pid %d\n", fr, t->pid);
		do_exit(11); /* SIGSEGV */
	}
	t->regs_sp = fr->ucx.sp;
	t->regs_tp = fr->ucx.tp;
	t->sig_blocked = fr->ucx.mask;
	fr->ucx.magic = 0;
	t->sig_depth--;
	t->sigreturn_done = 1;
	t->sigreturns++;
	return 0;
}

/* Work on the way back to user mode: decide the wasm_user_mode_tail flow and
   load the per-instance user register globals. */
void prepare_user_return(struct task *t)
{
	int flow = 0;
	if (t->exec_pending) {
		t->exec_pending = 0;
		t->sigreturn_done = 0;
		flow = -1;
	} else {
		if (t->sigreturn_done) {
			t->sigreturn_done = 0;
			flow |= 2;
		}
		int sig = next_handled_signal(t);
		if (sig) {
			__atomic_fetch_and((int *)&t->sig_pending, ~(1 << sig), __ATOMIC_SEQ_CST);
			push_frame(t, sig);
			flow |= 1;
			__atomic_fetch_add((int *)&sig_frames, 1, __ATOMIC_SEQ_CST);
			if (flow == 3)
				__atomic_fetch_add((int *)&sig_nested, 1, __ATOMIC_SEQ_CST);
		}
	}
	t->tail_flow = flow;
	t->in_kernel = 0;
	set_user_regs_asm(t->regs_sp, t->regs_tp);
}

int take_tail_flow(void)
{
	struct task *t = current();
	int f = t->tail_flow;
	t->tail_flow = 0;
	return f;
}

/* ---- clone ---- */
#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define CLONE_THREAD 0x10000
#define CLONE_SETTLS 0x80000

static int pick_user_cpu(struct task *t)
{
	for (;;) {
		spin_lock(&sched_lock);
		int c;
		for (c = 0; c < NR_CPUS; c++)
			if (c != IRQ_CPU && !cpus[c].user_owner)
				break;
		if (c < NR_CPUS)
			cpus[c].user_owner = t;
		spin_unlock(&sched_lock);
		if (c >= NR_CPUS) {
			sleep_ms(5);
			continue;
		}
		if (!cpus[c].online && !cpu_up(c, 10000000000LL)) {
			printk("conf: cpu %d did not come online\n", c);
		}
		return c;
	}
}

static int vfork_done_cond(void *a) { return ((struct task *)a)->vfork_done; }

static int sys_clone(struct task *p, u32 flags, u32 stack, u32 ptid, u32 tls, u32 ctid)
{
	(void)ptid;
	(void)ctid;
	struct task *c = alloc_task();
	memcpy(c->comm, p->comm, TASK_COMM_LEN);
	c->flags = TF_USER | TF_NEVER_RUN;
	c->bin_start = p->bin_start;
	c->bin_end = p->bin_end;
	c->data_start = p->data_start;
	c->data_size = p->data_size;
	c->start_stack = p->start_stack;
	c->regs_sp = stack ? stack : p->regs_sp;
	c->regs_tp = (flags & CLONE_SETTLS) ? tls : p->regs_tp;
	memcpy(c->sa, p->sa, sizeof(c->sa));
	files_copy(c, p);
	c->sig_blocked = p->sig_blocked;
	c->sig_pending = p->clone_pending_sig ? 1u << p->clone_pending_sig : 0;
	p->clone_pending_sig = 0;
	c->parent = p;
	c->pgid = p->pgid;
	c->exit_signal = (flags & CLONE_THREAD) ? 0 : (flags & 0xff);
	if ((flags & CLONE_THREAD) || p->sa[17].handler == SIG_IGN)
		c->flags |= TF_AUTOREAP;
	int pid = c->pid;
	int vfork = flags & CLONE_VFORK;
	if (vfork) {
		p->vfork_done = 0;
		c->vfork_parent = p;
	}
	c->cpu = pick_user_cpu(c);
	c->owned_cpu = c->cpu;
	p->scratch[0] = c->cpu; /* last child's CPU, for checks */
	c->state = T_BLOCKED;
	wake_up(c); /* enqueue on its CPU and send it an IPI */
	if (vfork)
		wait_cond(vfork_done_cond, p, -1);
	return pid;
}

#define WNOHANG 1

struct child_wait {
	struct task *p;
	int pid;
};

static int child_dead_cond(void *a)
{
	struct child_wait *w = a;
	int have;
	/* no child left to wait for also ends the sleep: the loop says ECHILD */
	return find_child_locked(w->p, w->pid, &have) != NULL || !have;
}

/* wait4(pid, status, options): pid > 0 that child, -1 any child; WNOHANG.
   The sleep is interruptible like Linux's do_wait: a signal to act on that
   comes before a child is ready ends it with -ERESTARTSYS, which becomes
   EINTR when a handler runs (no SA_RESTART) and is restarted otherwise. */
static int sys_wait4(struct task *p, int pid, u32 status_ptr, int options)
{
	if (pid == 0 || pid < -1)
		pid = -1; /* process groups: any child, in this model */
	for (;;) {
		int have = 0;
		spin_lock(&sched_lock);
		struct task *z = find_child_locked(p, pid, &have);
		spin_unlock(&sched_lock);
		if (z) {
			int code = z->exit_code;
			int zp = z->pid;
			if (status_ptr)
				*(u32 *)status_ptr = code;
			release_task(z); /* parent-side release, possibly before its final switch */
			return zp;
		}
		if (!have)
			return -10; /* ECHILD */
		if (options & WNOHANG)
			return 0;
		struct child_wait w = {p, pid};
		if (wait_interruptible(child_dead_cond, &w, -1) < 0)
			return -ERESTARTSYS;
	}
}

static int sleep_never(void *a)
{
	(void)a;
	return 0;
}

/* nanosleep(req, rem): interruptible; -ERESTART_RESTARTBLOCK when a signal
   comes first (EINTR if a handler runs, killed by a fatal one) */
static int sys_nanosleep(struct task *t, u32 req, u32 rem)
{
	(void)t;
	s64 sec = ((s64 *)req)[0], nsec = ((s64 *)req)[1];
	if (sec < 0 || nsec < 0 || nsec >= 1000000000)
		return -22;
	u64 end = now() + (u64)sec * 1000000000ULL + (u64)nsec;
	int r = wait_interruptible(sleep_never, NULL, end - now());
	if (r < 0) {
		if (rem) {
			u64 n = now(), left = n < end ? end - n : 0;
			((s64 *)rem)[0] = left / 1000000000ULL;
			((s64 *)rem)[1] = left % 1000000000ULL;
		}
		return -ERESTART_RESTARTBLOCK;
	}
	return 0;
}

/* setpgid(pid, pgid): 0 means the caller / the target's own PID */
static int sys_setpgid(struct task *t, int pid, int pgid)
{
	struct task *target = pid == 0 || pid == t->pid ? t : find_task(pid);
	if (!target || (target != t && target->parent != t))
		return -3; /* ESRCH */
	if (pgid < 0)
		return -22;
	target->pgid = pgid ? pgid : target->pid;
	return 0;
}

/* ---- syscalls ---- */
extern int conf_user_syscall(struct task *t, int n, u32 sp, u32 tp, int nr, u32 *a);
extern int sys_stub_dispatch(int nr, u32 *a, int *handled);

static int do_syscall(struct task *t, int n, u32 sp, u32 tp, int nr, u32 *a)
{
	switch (nr) {
	case 63: /* read */
		return sys_read(t, a[0], (char *)a[1], a[2]);
	case 64: /* write */
		return sys_write(t, a[0], (const char *)a[1], a[2]);
	case 93:
	case 94:
		do_exit((a[0] & 0xff) << 8);
	case 129: { /* kill(pid, sig): pid > 0 a task, 0 the caller's group, < -1 group -pid */
		if (a[1] >= 32)
			return -22;
		if ((int)a[0] <= 0 && (int)a[0] != -1) {
			int g = (int)a[0] == 0 ? t->pgid : -(int)a[0];
			if (a[1] == 0)
				return 0;
			return kill_pgrp(g, a[1]) ? 0 : -3;
		}
		struct task *target = (int)a[0] == t->pid ? t : find_task(a[0]);
		if (!target)
			return -3;
		if (a[1])
			send_signal(target, a[1]);
		return 0;
	}
	case 134: { /* rt_sigaction(sig, act, oact, setsize) */
		int sig = a[0];
		if (sig <= 0 || sig >= 32 || sig == 9 || sig == 19)
			return -22;
		if (a[2])
			memcpy((void *)a[2], &t->sa[sig], sizeof(struct sigaction_k));
		if (a[1])
			memcpy(&t->sa[sig], (void *)a[1], sizeof(struct sigaction_k));
		return 0;
	}
	case 135: { /* rt_sigprocmask(how, set, oset, size) */
		if (a[2])
			*(u32 *)a[2] = t->sig_blocked;
		if (a[1]) {
			u32 s = *(u32 *)a[1];
			if (a[0] == 0)
				t->sig_blocked |= s;
			else if (a[0] == 1)
				t->sig_blocked &= ~s;
			else
				t->sig_blocked = s;
			t->sig_blocked &= ~(1u << 9);
		}
		return 0;
	}
	case 139:
		return sys_rt_sigreturn(t);
	case 172:
	case 178:
		return t->pid;
	case 220:
		return sys_clone(t, a[0], a[1], a[2], a[3], a[4]);
	case 221: {
		const char *argv[16], *envp[16];
		int i;
		const char *const *ua = (const char *const *)a[1], *const *ue = (const char *const *)a[2];
		for (i = 0; ua && ua[i] && i < 15; i++)
			argv[i] = ua[i];
		argv[i] = NULL;
		for (i = 0; ue && ue[i] && i < 15; i++)
			envp[i] = ue[i];
		envp[i] = NULL;
		return do_execve(t, (const char *)a[0], argv, envp);
	}
	case 260:
		return sys_wait4(t, a[0], a[1], a[2]);
	case 101: /* nanosleep */
		return sys_nanosleep(t, a[0], a[1]);
	case 154: /* setpgid */
		return sys_setpgid(t, a[0], a[1]);
	case 155: { /* getpgid */
		struct task *target = a[0] == 0 ? t : find_task(a[0]);
		return target ? target->pgid : -3;
	}
	}
	int handled = 0;
	int r = sys_file_call(t, nr, a, &handled);
	if (handled)
		return r;
	r = sys_stub_dispatch(nr, a, &handled);
	if (handled)
		return r;
	return conf_user_syscall(t, n, sp, tp, nr, a);
}

int syscall_c(int n, u32 sp, u32 tp, int nr, u32 a0, u32 a1, u32 a2, u32 a3, u32 a4, u32 a5)
{
	struct task *t = current();
	u32 a[6] = {a0, a1, a2, a3, a4, a5};
	t->in_kernel = 1;
	if (t->data_guard_post) {
		guard_check((u32 *)t->data_guard_pre, "user data", "before", (void *)t->data_start, t->data_size);
		guard_check((u32 *)t->data_guard_post, "user data", "after", (void *)t->data_start, t->data_size);
	}
	t->regs_sp = sp;
	t->regs_tp = tp;
	int r;
	for (;;) {
		r = do_syscall(t, n, sp, tp, nr, a);
		if ((nr != 63 && nr != 64 && nr != 101 && nr != 260) ||
		    (r != -ERESTARTSYS && r != -ERESTARTNOHAND && r != -ERESTART_RESTARTBLOCK))
			break;
		/* interrupted: with a handler to run the call fails with EINTR
		   (SA_RESTART is not modelled: it gets EINTR too); without one
		   (ignored, or fatal and then we never come back) it restarts */
		if (next_handled_signal(t)) {
			r = -EINTR;
			__atomic_fetch_add((int *)&sig_eintr, 1, __ATOMIC_SEQ_CST);
			break;
		}
		__atomic_fetch_add((int *)&sig_restarts, 1, __ATOMIC_SEQ_CST);
	}
	prepare_user_return(t);
	return r;
}

/* Export ret_from_fork's C half (entry.S has set the stack). */
int ret_from_fork_c(struct task *prev, struct task *new)
{
	struct task *t = current();
	extern volatile int rff_errors;
	if (t != new || t->magic != TASK_MAGIC) {
		rff_errors++;
		printk("conf: ret_from_fork: new=%p but stack says %p\n", new, t);
	}
	t->t_first_run = now();
	t->first_ran = 1;
	finish_task_switch(prev);
	if (t->flags & TF_KTHREAD) {
		t->in_kernel = 1;
		int r = t->fn(t->arg);
		if (!t->exec_pending)
			do_exit(r);
		/* the kthread exec'ed a program: return to user mode, host calls _start */
		t->flags = (t->flags & ~TF_KTHREAD) | TF_USER;
		t->exec_pending = 0;
		t->regs_tp = 0;
		prepare_user_return(t);
		return 0;
	}
	prepare_user_return(t);
	if (t->tail_flow & 1) /* a signal for a fresh clone child: before its instance exists */
		__atomic_fetch_add((int *)&sig_at_fork, 1, __ATOMIC_SEQ_CST);
	return 1;
}
