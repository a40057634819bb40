/*
 * Tasks, the (cooperative, per-CPU) scheduler, idle loops, SMP bring-up,
 * exit and release.  Every switch goes through the host: wasm_create_and_run_task
 * for a task's first run, wasm_serialize_tasks afterwards.
 */
#include "kernel.h"

struct cpu cpus[NR_CPUS];
volatile int sched_lock;
volatile int switch_errors;
volatile int raise_total;
volatile int dead_resumed;
struct task *volatile expect_raise_task;
static struct task *free_tasks;
static struct task *all_tasks;
static int next_pid = 1;

static inline void lock(void) { spin_lock(&sched_lock); }
static inline void unlock(void) { spin_unlock(&sched_lock); }
static inline void rq_lock(struct cpu *c) { spin_lock(&c->rq_lock); }
static inline void rq_unlock(struct cpu *c) { spin_unlock(&c->rq_lock); }

/* task_rq_lock: the run-queue lock of the CPU t is on, which a migration
   may change until the lock is held */
static struct cpu *task_rq_lock(struct task *t)
{
	for (;;) {
		struct cpu *c = &cpus[t->cpu];
		rq_lock(c);
		if (c == &cpus[t->cpu])
			return c;
		rq_unlock(c);
	}
}

struct task *alloc_task(void)
{
	struct task *t;
	lock();
	t = free_tasks;
	if (t)
		free_tasks = t->rq_next;
	unlock();
	if (!t) {
		u8 *block = page_alloc(THREAD_SIZE, THREAD_SIZE);
		t = (struct task *)(block + THREAD_SIZE - TASK_SIZE);
	}
	memset(t, 0, TASK_SIZE);
	t->magic = TASK_MAGIC;
	t->owned_cpu = -1;
	files_init(t);
	lock();
	t->pid = next_pid++;
	t->all_next = all_tasks;
	all_tasks = t;
	unlock();
	return t;
}

/* Called with both flags observed set: the block goes back to the pool (LIFO,
   so the next task reuses this address). */
static void free_task(struct task *t)
{
	lock();
	for (struct task **pp = &all_tasks; *pp; pp = &(*pp)->all_next)
		if (*pp == t) {
			*pp = t->all_next;
			break;
		}
	t->magic = 0xdeadbeef;
	t->on_rq = 0;
	free_images(t);
	t->rq_next = free_tasks;
	free_tasks = t;
	unlock();
}

/* Make the free block t the next one alloc_task hands out, if it is free:
   the release scenario checks that the host copes with a task created at the
   address of one it just reclaimed, whatever else was freed meanwhile. */
int reuse_next(struct task *t)
{
	int found = 0;
	lock();
	for (struct task **pp = &free_tasks; *pp; pp = &(*pp)->rq_next)
		if (*pp == t) {
			*pp = t->rq_next;
			t->rq_next = free_tasks;
			free_tasks = t;
			found = 1;
			break;
		}
	unlock();
	return found;
}

struct task *find_task(int pid)
{
	struct task *r = NULL;
	lock();
	for (struct task *t = all_tasks; t; t = t->all_next)
		if (t->pid == pid && !(t->flags & TF_IDLE)) {
			r = t;
			break;
		}
	unlock();
	return r;
}

/* Every live task match() accepts (called under the scheduler lock), at most
   max of them, into out; returns how many. */
int tasks_matching(int (*match)(struct task *, void *), void *arg, struct task **out, int max)
{
	int n = 0;
	lock();
	for (struct task *t = all_tasks; t && n < max; t = t->all_next)
		if (!(t->flags & TF_IDLE) && t->state != T_DEAD && match(t, arg))
			out[n++] = t;
	unlock();
	return n;
}

/* wait4's view of p's children (caller holds the scheduler lock): a dead
   child matching pid (> 0: that one, -1: any), and whether any child
   matches at all. Auto-reaped children are not waitable. */
struct task *find_child_locked(struct task *p, int pid, int *have_child)
{
	*have_child = 0;
	for (struct task *t = all_tasks; t; t = t->all_next) {
		if (t->parent != p || (t->flags & (TF_AUTOREAP | TF_IDLE)) || t->released)
			continue;
		if (pid > 0 && t->pid != pid)
			continue;
		*have_child = 1;
		if (t->state == T_DEAD)
			return t;
	}
	return NULL;
}

/* A task is on at most one run queue, at most once: a waker may enqueue a
   task that has marked itself blocked but not yet switched away. Caller
   holds the rq lock of t's CPU. */
static void enqueue_locked(struct task *t)
{
	struct cpu *c = &cpus[t->cpu];
	if (t->on_rq)
		return;
	t->on_rq = 1;
	t->rq_next = NULL;
	if (c->rq_tail)
		c->rq_tail->rq_next = t;
	else
		c->rq_head = t;
	c->rq_tail = t;
}

static struct task *dequeue_locked(struct cpu *c)
{
	struct task *t = c->rq_head;
	if (t) {
		c->rq_head = t->rq_next;
		if (!c->rq_head)
			c->rq_tail = NULL;
		t->rq_next = NULL;
		t->on_rq = 0;
	}
	return t;
}

void raise_irq(int cpu, int irq)
{
	__atomic_fetch_or((int *)&cpus[cpu].raised_irqs, 1 << irq, __ATOMIC_SEQ_CST);
	__builtin_wasm_memory_atomic_notify((int *)&cpus[cpu].raised_irqs, 1);
}

/* Export: inject an interrupt (safe outside any task). */
void raise_interrupt(int cpu, int irq)
{
	if (cpu >= 0 && cpu < NR_CPUS && irq >= 0 && irq < 32)
		raise_irq(cpu, irq);
}

void wake_up(struct task *t)
{
	int need = 0;
	struct cpu *c = task_rq_lock(t);
	if (t->state == T_BLOCKED) {
		t->state = T_RUNNING;
		enqueue_locked(t);
		need = 1;
	}
	int cpu = t->cpu;
	rq_unlock(c);
	if (need)
		raise_irq(cpu, IRQ_IPI);
}

/* try_to_wake_up with a migration: a blocked task that has switched away
   for good (on_cpu clear, as Linux waits for p->on_cpu) and sleeps with no
   timeout is moved to cpu and woken there; its next switch in is made by
   that CPU, so the host resumes a task parked by one CPU from another.
   Returns 1 if it moved, 0 if it was only woken (or not blocked). */
int wake_up_on(struct task *t, int cpu)
{
	while (__atomic_load_n((int *)&t->on_cpu, __ATOMIC_ACQUIRE))
		__builtin_wasm_memory_atomic_wait32((int *)&t->on_cpu, 1, 100000);
	struct cpu *from = task_rq_lock(t);
	if (t->state != T_BLOCKED || t->on_rq || t->on_sleep_list || t->on_cpu || from == &cpus[cpu]) {
		rq_unlock(from);
		wake_up(t);
		return 0;
	}
	t->cpu = cpu; /* wakers that read the old CPU re-check under its lock */
	rq_unlock(from);
	struct cpu *to = task_rq_lock(t);
	int need = 0;
	if (t->state == T_BLOCKED) {
		t->state = T_RUNNING;
		enqueue_locked(t);
		need = 1;
	}
	rq_unlock(to);
	if (need)
		raise_irq(cpu, IRQ_IPI);
	return 1;
}

struct task *kthread_create(int (*fn)(void *), void *arg, const char *name, int cpu, u32 flags)
{
	struct task *t = alloc_task();
	strncpy_z(t->comm, name, TASK_COMM_LEN);
	t->fn = fn;
	t->arg = arg;
	t->cpu = cpu;
	t->flags = TF_KTHREAD | TF_NEVER_RUN | flags;
	t->parent = current();
	t->state = T_RUNNING;
	struct cpu *c = &cpus[cpu];
	rq_lock(c);
	enqueue_locked(t);
	rq_unlock(c);
	raise_irq(cpu, IRQ_IPI);
	return t;
}

volatile int rff_errors;

void finish_task_switch(struct task *last)
{
	struct task *cur = current();
	struct cpu *c = &cpus[cur->cpu];
	struct task *expected = c->switch_from;
	/* the run-queue lock the switching task took in schedule() */
	rq_unlock(c);
	int ok = last == expected && last != cur && last && last->magic == TASK_MAGIC;
	if (ok)
		__atomic_store_n((int *)&last->on_cpu, 0, __ATOMIC_RELEASE); /* finish_task: prev is off its CPU */
	if (!ok) {
		switch_errors++;
		printk("conf: switch error on cpu %d: last=%p expected=%p cur=%p\n", cur->cpu, last, expected,
		       cur);
	}
	/* A dead task counts as switched out only when the host names it as
	   the one it switched away from: a host that returns a wrong `last`
	   leaves it unfreed, which the release checks see. */
	if (ok && last->state == T_DEAD) {
		int fr;
		lock();
		last->switched_out = 1;
		fr = last->released;
		unlock();
		if (fr)
			free_task(last);
	}
}

static struct task *switch_to(struct task *prev, struct task *next)
{
	if (next->flags & TF_NEVER_RUN) {
		char name[TASK_COMM_LEN];
		next->flags &= ~TF_NEVER_RUN;
		strncpy_z(name, next->comm, TASK_COMM_LEN);
		return wasm_create_and_run_task(prev, next, name, next->bin_start, next->bin_end,
						next->data_start, 0);
	}
	return wasm_serialize_tasks(prev, next);
}

void schedule(void)
{
	struct task *prev = current();
	struct cpu *c = &cpus[prev->cpu];
	struct task *next;
	rq_lock(c);
	if (prev->state == T_RUNNING && !(prev->flags & TF_IDLE))
		enqueue_locked(prev);
	next = dequeue_locked(c);
	if (!next)
		next = c->idle;
	if (next == prev) {
		rq_unlock(c);
		return;
	}
	c->curr = next;
	c->switch_from = prev;
	prev->on_cpu = 1;
	next->on_cpu = 1;
	/* the rq lock stays held through the switch import: the next task
	   releases it in finish_task_switch (or schedule_tail) */
	struct task *last = switch_to(prev, next);
	finish_task_switch(last);
}

/* Block until cond(arg) holds (evaluated under the CPU's run-queue lock and
   the scheduler lock, so a waker's wake_up, which takes the run-queue lock,
   cannot slip between the test and the sleep) or the
   timeout (ns, <0 = none) passes.  Timeouts are per-CPU timers handled by the
   idle loop's timed memory.atomic.wait32. */
int wait_cond(int (*cond)(void *), void *arg, s64 timeout_ns)
{
	struct task *t = current();
	struct cpu *c = &cpus[t->cpu];
	u64 deadline = timeout_ns < 0 ? NEVER : now() + (u64)timeout_ns;
	for (;;) {
		int program = 0;
		c = &cpus[t->cpu]; /* a wake may have migrated t */
		rq_lock(c);
		lock();
		if (cond && cond(arg)) {
			unlock();
			rq_unlock(c);
			return 1;
		}
		if (deadline != NEVER && now() >= deadline) {
			unlock();
			rq_unlock(c);
			return 0;
		}
		unlock();
		t->state = T_BLOCKED;
		if (deadline != NEVER) {
			t->sleep_until = deadline;
			if (!t->on_sleep_list) {
				t->sleep_next = c->sleepers;
				c->sleepers = t;
				t->on_sleep_list = 1;
				t->sleep_cpu = t->cpu;
			}
			if (deadline < c->timer_expiry) {
				c->timer_expiry = deadline;
				program = 1;
			}
		}
		rq_unlock(c);
		if (program)
			__builtin_wasm_memory_atomic_notify((int *)&c->raised_irqs, 1);
		schedule();
		if (!t->on_sleep_list) /* set only by t itself; run_timers clears it */
			continue;
		struct cpu *sc = &cpus[t->sleep_cpu];
		rq_lock(sc);
		if (t->on_sleep_list) {
			for (struct task **pp = &sc->sleepers; *pp; pp = &(*pp)->sleep_next)
				if (*pp == t) {
					*pp = t->sleep_next;
					break;
				}
			t->on_sleep_list = 0;
		}
		rq_unlock(sc);
	}
}

void sleep_ms(int ms) { wait_cond(NULL, NULL, (s64)ms * 1000000); }

static void run_timers(struct cpu *c)
{
	int woke = 0;
	rq_lock(c);
	u64 n = now(), next = NEVER;
	for (struct task **pp = &c->sleepers; *pp;) {
		struct task *t = *pp;
		if (t->sleep_until <= n) {
			*pp = t->sleep_next;
			t->on_sleep_list = 0;
			if (t->state == T_BLOCKED) {
				t->state = T_RUNNING;
				enqueue_locked(t);
				woke = 1;
			}
		} else {
			if (t->sleep_until < next)
				next = t->sleep_until;
			pp = &t->sleep_next;
		}
	}
	c->timer_expiry = next;
	rq_unlock(c);
	(void)woke;
}

/* Per-CPU idle loop: interrupts are only "delivered" here. */
void cpu_idle_loop(void)
{
	struct task *self = current();
	struct cpu *c = &cpus[self->cpu];
	for (;;) {
		if (c->rq_head) {
			schedule();
			continue;
		}
		u64 exp = c->timer_expiry;
		u64 n = now();
		if (exp != NEVER && exp <= n) {
			__atomic_fetch_or((int *)&c->raised_irqs, 1 << IRQ_TIMER, __ATOMIC_SEQ_CST);
		} else {
			s64 timeout = exp == NEVER ? -1 : (s64)(exp - n);
			__builtin_wasm_memory_atomic_wait32((int *)&c->raised_irqs, 0, timeout);
		}
		int irqs = __atomic_exchange_n((int *)&c->raised_irqs, 0, __ATOMIC_SEQ_CST);
		if ((irqs & (1 << IRQ_TIMER)) || (c->timer_expiry != NEVER && c->timer_expiry <= now()))
			run_timers(c);
		/* IRQ_IPI: reschedule; the loop re-checks the run queue */
	}
}

void release_task(struct task *t)
{
	int fr;
	wasm_release_task(t);
	lock();
	if (t->owned_cpu >= 0) {
		cpus[t->owned_cpu].user_owner = NULL;
		t->owned_cpu = -1;
	}
	t->released = 1;
	fr = t->switched_out;
	unlock();
	if (fr)
		free_task(t);
}

static int vfork_cond(void *a) { return ((struct task *)a)->vfork_done; }

void __attribute__((noreturn)) do_exit(int code) { do_exit_delayed(code, 0); }

/* delay_ns > 0: stay on the CPU (atomic-wait sleep) between becoming a zombie
   and the final switch, so a parent can release before that switch. */
void __attribute__((noreturn)) do_exit_delayed(int code, s64 delay_ns)
{
	struct task *t = current();
	struct task *vp = t->vfork_parent;
	t->vfork_parent = NULL;
	if (vp) {
		vp->vfork_done = 1;
		wake_up(vp);
	}
	files_close_all(t); /* a pipe reader sees EOF as its writers exit */
	lock();
	t->exit_code = code;
	t->state = T_DEAD;
	unlock();
	if (t->flags & TF_AUTOREAP) {
		release_task(t); /* self-release before the final switch */
		/* release_task's zap_leader: the last thread of a group whose
		   leader is a zombie releases the leader too */
		if (t->zap)
			release_task(t->zap);
	}
	else if (t->parent) {
		/* exit_notify: the exit signal (SIGCHLD) to the parent, which
		   drops it unless it has a handler; then wake its wait4 */
		if (t->exit_signal) {
			__atomic_fetch_add((int *)&sig_chld_sent, 1, __ATOMIC_SEQ_CST);
			send_signal(t->parent, t->exit_signal);
		}
		wake_up(t->parent);
	}
	if (delay_ns > 0)
		atomic_sleep_ns(delay_ns);
	schedule(); /* final switch: never returns */
	__atomic_fetch_add((int *)&dead_resumed, 1, __ATOMIC_SEQ_CST);
	printk("conf: BUG: dead task %d resumed\n", t->pid);
	__builtin_trap();
}

static int dead_cond(void *a) { return ((struct task *)a)->state == T_DEAD; }
static int parked_cond(void *a) { return ((struct task *)a)->switched_out; }

int wait_task_dead(struct task *t, s64 timeout_ns) { return wait_cond(dead_cond, t, timeout_ns); }
int wait_task_parked(struct task *t, s64 timeout_ns)
{
	/* switched_out is set by the next task on the dead task's CPU, which does
	   not wake us: poll */
	u64 end = now() + timeout_ns;
	while (!t->switched_out) {
		if (now() > end)
			return 0;
		sleep_ms(2);
	}
	return 1;
}

static int online_cond(void *a) { return ((struct cpu *)a)->online; }
static volatile int cpu_up_busy;

int cpu_up(int n, u64 timeout_ns)
{
	if (cpus[n].online)
		return 1;
	while (__atomic_exchange_n((int *)&cpu_up_busy, 1, __ATOMIC_ACQUIRE))
		sleep_ms(1);
	int ok = 1;
	if (!cpus[n].online) {
		struct task *idle = alloc_task();
		snprintf(idle->comm, TASK_COMM_LEN, "swapper/%d", n);
		idle->flags = TF_IDLE | TF_KTHREAD;
		idle->cpu = n;
		idle->state = T_RUNNING;
		cpus[n].idle = idle;
		cpus[n].curr = idle;
		cpus[n].timer_expiry = NEVER;
		cpus[n].waiter = current();
		WASM_START_CPU(n, idle);
		ok = wait_cond(online_cond, &cpus[n], timeout_ns);
	}
	__atomic_store_n((int *)&cpu_up_busy, 0, __ATOMIC_RELEASE);
	return ok;
}

void start_secondary_c(u32 start_stack)
{
	struct task *t = current();
	int n = t->cpu;
	struct cpu *c = &cpus[n];
	c->start_stack_seen = start_stack;
	c->start_ok = t->magic == TASK_MAGIC && c->idle == t && (t->flags & TF_IDLE) &&
		      start_stack == START_SECONDARY_ARG(t);
	c->t_checkin = now();
	c->online = 1;
	if (c->waiter)
		wake_up(c->waiter);
	cpu_idle_loop();
}

/* Export: host-reported trap or error in the current task (stack already
   re-derived in entry.S). */
void raise_exception_c(void)
{
	struct task *t = current();
	t->raise_count++;
	__atomic_fetch_add((int *)&raise_total, 1, __ATOMIC_SEQ_CST);
	if ((t->flags & TF_USER) && !t->in_kernel) {
		t->raise_user = 1;
		t->in_kernel = 1;
		t->sig_pending |= 1u << 4; /* SIGILL */
		t->sig_blocked &= ~(1u << 4);
		/* processes pending work: delivers (handler installed -> frame pushed,
		   returns) or kills the task (never returns) */
		prepare_user_return(t);
		/* The spec reads the real kernel as returning with the handler
		   queued, for the host to run. raise_tail=1 models the other
		   reading, a kernel that runs its user-mode tail here: the host
		   gets wasm_user_mode_tail(1) inside raise_exception and must not
		   run the handler a second time after it returns. */
		int f = take_tail_flow();
		if (f && cmdline_int("raise_tail", 0))
			wasm_user_mode_tail(f);
		return;
	}
	t->raise_user = 0;
	do_exit(4); /* make_task_dead(SIGILL) */
}
