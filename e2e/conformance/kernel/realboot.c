/*
 * realboot and churn: the shape of a real Linux/Wasm boot to a BusyBox
 * prompt, as far as the host can see it (real-kernel-facts.json, issue 10):
 * about 40 kthreads created one after another, each waited for until it
 * first runs (kthread_create waits for kthreadd), most then sleeping for
 * good, a few waking now and then (kworkers), khvcd polling the console;
 * then PID 1 execs /init (conf_box, BusyBox-sized), which forks + execs
 * mount twice and execs init, which forks + execs the console shell. Once
 * PID 1 is a user program it holds CPU 0, so the shell lands on CPU 2 and
 * the first command that forks brings up a 4th CPU (as on a real boot).
 *
 * churn is the same machine; the difference is only what the harness types
 * (pipelines, line after line): `conf=churn` exists so a log says what ran.
 */
#include "kernel.h"

static volatile int kt_started;

static int started_cond(void *a) { return kt_started >= (int)(long)a; }

/* a kthread that sits in its loop for good (kthreadd's children mostly do) */
static int kt_sleeper(void *a)
{
	(void)a;
	__atomic_fetch_add((int *)&kt_started, 1, __ATOMIC_SEQ_CST);
	wake_up(current()->parent);
	wait_cond(NULL, NULL, -1);
	return 0;
}

/* a kworker-like kthread: wakes every period ms, forever */
static int kt_periodic(void *a)
{
	int ms = (int)(long)a;
	__atomic_fetch_add((int *)&kt_started, 1, __ATOMIC_SEQ_CST);
	wake_up(current()->parent);
	for (;;)
		sleep_ms(ms);
	return 0;
}

/* an idle workqueue worker: a pool's surplus idle worker is destroyed after
   IDLE_WORKER_TIMEOUT (300 s; kworker_idle=S on the command line), so a
   real machine's first kthread exits come about 5 minutes after boot, the
   original host's "console input freezes ~5 minutes after boot" (spec 10.6).
   It exits self-reaping: wasm_release_task before its final switch. */
static int kt_idle_worker(void *a)
{
	(void)a;
	__atomic_fetch_add((int *)&kt_started, 1, __ATOMIC_SEQ_CST);
	wake_up(current()->parent);
	sleep_ms(cmdline_int("kworker_idle", 300) * 1000);
	return 0;
}

/* a boot-time helper that does its work and exits (self-reaping) */
static int kt_oneshot(void *a)
{
	(void)a;
	__atomic_fetch_add((int *)&kt_started, 1, __ATOMIC_SEQ_CST);
	wake_up(current()->parent);
	sleep_ms(5);
	return 0;
}

struct kt {
	const char *name;
	int cpu; /* -1: CPU 0, per-CPU threads give their CPU */
	int kind; /* 0 sleeper, 1 periodic (ms in arg), 2 oneshot, 3 khvcd, 4 idle worker */
	int arg;
};

/* Names of a Linux 6.1 boot's kthreads, in creation order (the host sees
   only the name and the count) */
static const struct kt boot_kthreads[] = {
	{"kthreadd", 0, 0, 0},	       {"rcu_gp", 0, 0, 0},	     {"rcu_par_gp", 0, 0, 0},
	{"slub_flushwq", 0, 0, 0},     {"netns", 0, 0, 0},	     {"kworker/0:0", 0, 1, 1000},
	{"kworker/0:0H", 0, 0, 0},     {"kworker/u6:0", 0, 2, 0},   {"mm_percpu_wq", 0, 0, 0},
	{"rcu_tasks_kthre", 0, 0, 0},  {"ksoftirqd/0", 0, 0, 0},    {"rcu_preempt", 0, 1, 400},
	{"migration/0", 0, 0, 0},      {"cpuhp/0", 0, 0, 0},	     {"cpuhp/1", 1, 0, 0},
	{"migration/1", 1, 0, 0},      {"ksoftirqd/1", 1, 0, 0},    {"kworker/1:0H", 1, 0, 0},
	{"cpuhp/2", 2, 0, 0},	       {"migration/2", 2, 0, 0},    {"ksoftirqd/2", 2, 0, 0},
	{"kworker/2:0H", 2, 0, 0},     {"kdevtmpfs", 0, 0, 0},	     {"inet_frag_wq", 0, 0, 0},
	{"kworker/u6:1", 0, 2, 0},     {"oom_reaper", 0, 0, 0},     {"writeback", 0, 0, 0},
	{"kcompactd0", 0, 0, 0},       {"kblockd", 0, 0, 0},	     {"blkcg_punt_bio", 0, 0, 0},
	{"kworker/1:1", 1, 1, 2000},   {"kworker/2:1", 2, 4, 0},    {"kswapd0", 0, 0, 0},
	{"kworker/u6:2", 0, 2, 0},     {"khvcd", 0, 3, 0},	     {"kworker/0:1", 0, 4, 0},
	{"kworker/2:2", 2, 4, 0},      {"ipv6_addrconf", 0, 0, 0},  {"kworker/u6:3", 0, 2, 0},
	{"kworker/0:2", 0, 4, 0},
};
#define N_BOOT_KTHREADS ((int)(sizeof(boot_kthreads) / sizeof(boot_kthreads[0])))

/* Runs in kernel_init (PID 1) after CONF DONE; on success PID 1 has exec'ed
   /init and kernel_init returns to user mode. */
void realboot_scenario(int churn)
{
	const char *scen = churn ? "churn" : "realboot";
	struct task *self = current();
	int ok = 1;
	u64 t0 = now();
	tty_onlcr = 1;
	for (int i = 0; i < N_BOOT_KTHREADS; i++) {
		const struct kt *k = &boot_kthreads[i];
		int cpu = k->cpu >= 0 && cpus[k->cpu].online ? k->cpu : 0;
		if (k->kind == 3) {
			start_khvcd(cpu);
			/* khvcd does not announce itself: look for its first poll */
			u64 end = now() + 10000000000ULL;
			while (!khvcd_polls && now() < end)
				sleep_ms(1);
			__atomic_fetch_add((int *)&kt_started, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		int (*fn)(void *) = k->kind == 1	 ? kt_periodic
				    : k->kind == 2 ? kt_oneshot
				    : k->kind == 4 ? kt_idle_worker
						   : kt_sleeper;
		kthread_create(fn, (void *)(long)k->arg, k->name, cpu, k->kind == 2 || k->kind == 4 ? TF_AUTOREAP : 0);
		if (!wait_cond(started_cond, (void *)(long)(i + 1), 10000000000LL)) {
			ok = 0;
			break;
		}
	}
	check(scen, "kthreads", ok && kt_started == N_BOOT_KTHREADS, "created=%d us=%u", kt_started,
	      (u32)((now() - t0) / 1000));
	/* Run /init: PID 1 becomes a user program on CPU 0 and holds it */
	static const char *const argv[] = {"/init", NULL};
	static const char *const envp[] = {"HOME=/", "TERM=linux", NULL};
	printk("Run /init as init process\n");
	int e = do_execve(self, "/bin/conf_box", argv, envp);
	check(scen, "exec_init", e == 0, "ret=%d", e);
	if (e)
		return;
	spin_lock(&sched_lock);
	cpus[self->cpu].user_owner = self;
	self->owned_cpu = self->cpu;
	spin_unlock(&sched_lock);
}
