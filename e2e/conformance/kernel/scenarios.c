/*
 * kernel_init (PID 1): brings up the boot CPUs and runs the scenarios and
 * benchmarks selected on the command line.
 */
#include "kernel.h"

static int maxcpus;
static struct {
	int ok;
	u64 ns;
} boot_up[NR_CPUS];

static int flag_cond(void *a) { return *(volatile int *)a != 0; }

static int user_cpu(void)
{
	/* user scenario "init" tasks run on CPU 2 when it is online, so clone
	   children (pinned to the lowest free CPU, skipping 1) land elsewhere */
	return cpus[2].online ? 2 : 0;
}

static int other_cpu(void)
{
	for (int c = NR_CPUS - 1; c > 0; c--)
		if (cpus[c].online)
			return c;
	cpu_up(1, 10000000000LL);
	return cpus[1].online ? 1 : 0;
}

/* ---- running user programs (kthread -> execve -> ret_from_fork returns 0) ---- */
struct exec_req {
	const char *path;
	const char *argv[6];
};

static int exec_fn(void *a)
{
	struct exec_req *r = a;
	static const char *const envp[] = {"HOME=/", "CONF=1", NULL};
	int e = do_execve(current(), r->path, r->argv, envp);
	if (e) {
		printk("conf: execve %s failed: %d\n", r->path, e);
		return 1;
	}
	return 0;
}

/* Run a program to completion; returns its exit status (-1 on timeout). The
   zombie is released by us (parent side). */
static int run_user(const char *scen, const char *path, const char *a0, const char *a1, const char *a2,
		    s64 timeout_ns, struct task **out, int keep)
{
	static struct exec_req req;
	req.path = path;
	req.argv[0] = a0;
	req.argv[1] = a1;
	req.argv[2] = a2;
	req.argv[3] = NULL;
	struct task *t = kthread_create(exec_fn, &req, "uinit", user_cpu(), 0);
	if (out)
		*out = t;
	if (!wait_task_dead(t, timeout_ns)) {
		check(scen, a1 ? a1 : "run", 0, "program %s %s did not exit in time", path, a1 ? a1 : "");
		return -1;
	}
	int st = t->exit_code;
	if (!keep)
		release_task(t);
	return st;
}

/* ---- 2 console out ---- */
static char blob[4096];

/* printk from every online CPU at once: each line goes out under the
   console lock in 16-byte puts, so lines never mix; the host test counts
   them whole */
static volatile int cp_done;
static int cp_cond(void *a) { return cp_done >= (int)(long)a; }

static int conc_put_fn(void *a)
{
	(void)a;
	int cpu = current()->cpu;
	for (int i = 0; i < 16; i++)
		printk("CONF console concurrent cpu%d line %02d abcdefghijklmnopqrstuvwxyz0123456789\n", cpu, i);
	__atomic_fetch_add((int *)&cp_done, 1, __ATOMIC_SEQ_CST);
	wake_up(current()->parent);
	return 0;
}

static void concurrent_puts(void)
{
	int before = put_errors, n = 0;
	cp_done = 0;
	for (int c = 0; c < NR_CPUS; c++)
		if (cpus[c].online) {
			kthread_create(conc_put_fn, NULL, "conputs", c, TF_AUTOREAP);
			n++;
		}
	int ok = wait_cond(cp_cond, (void *)(long)n, 30000000000LL);
	check("console", "concurrent_puts", ok && put_errors == before, "cpus=%d done=%d short_or_failed_puts=%d", n,
	      cp_done, put_errors - before);
}

static void scen_console(void)
{
	int before = put_errors;
	/* each check judges puts that went out before it: the line it follows */
	static const char ascii[] = "The quick brown fox jumps over the lazy dog 0123456789 !#$%&()*+,-./:;<=>?@[]^_{|}~";
	printk("CONF console text %s\n", ascii);
	check("console", "ascii", put_errors == before, "the line above in 16-byte puts: short_or_failed_puts=%d",
	      put_errors - before);
	int mid = put_errors;
	con_acquire();
	static const char l1[] = "CONF console text split=";
	con_write_raw(l1, sizeof(l1) - 1, 16);
	int r1 = wasm_driver_hvc_put("\xe2", 1);
	int r2 = wasm_driver_hvc_put("\x82\xac", 2);
	static const char l2[] = " (one EURO SIGN U+20AC split 1+2 bytes over two put calls)\r\n";
	con_write_raw(l2, sizeof(l2) - 1, 16);
	con_release();
	check("console", "utf8split", r1 == 1 && r2 == 2 && put_errors == mid,
	      "the line above: put(e2)=%d put(82 ac)=%d other short_or_failed_puts=%d", r1, r2, put_errors - mid);
	/* one 4096-byte put: 32 lines of 128 bytes, "CONFBLOB nn " + letters + "\r\n" */
	for (int l = 0; l < 32; l++) {
		char *b = blob + 128 * l;
		memcpy(b, "CONFBLOB ", 9);
		b[9] = '0' + l / 10;
		b[10] = '0' + l % 10;
		b[11] = ' ';
		for (int i = 12; i < 126; i++)
			b[i] = 'A' + (i - 12 + l) % 26;
		b[126] = '\r';
		b[127] = '\n';
	}
	con_acquire();
	int r = wasm_driver_hvc_put(blob, 4096);
	con_release();
	check("console", "put4096", r == 4096, "ret=%d", r);
	concurrent_puts();
	check("console", "put_returns_count", put_errors == before, "short_or_failed_puts=%d", put_errors - before);
}

/* ---- 3 console in ---- */
static void hexline(const u8 *b, int n)
{
	char h[40];
	for (int i = 0; i < n; i++) {
		h[2 * i] = "0123456789abcdef"[b[i] >> 4];
		h[2 * i + 1] = "0123456789abcdef"[b[i] & 15];
	}
	h[2 * n] = 0;
	printk("CONF input got %s\n", h);
}

static void scen_input(void)
{
	char kb[16];
	u32 until = 0x100;
	int interactive = cmdline_get("input_until", kb, sizeof(kb)) != NULL;
	if (interactive) {
		u32 v;
		until = 0x100;
		const char *p = kb;
		v = 0;
		for (; *p; p++)
			v = v * 16 + (*p <= '9' ? *p - '0' : (*p | 32) - 'a' + 10);
		until = v & 0xff;
	}
	int timeout_s = cmdline_int("input_timeout", 20);
	int got_total = 0, done = 0;
	int delay_s = cmdline_int("input_delay", 0);
	/* khvcd reads the console (in raw mode: the bytes come here, not to a
	   line discipline); the checks below are of every hvc_get it made */
	con_input_start();
	int polls0 = khvcd_polls, empty0 = khvcd_empty;
	/* a kernel that leaves typed input unread for a while (the hang
	   watchdog's test: it must fire, then take it back): a throttled tty,
	   whose khvcd leaves input in the host's ring */
	if (interactive && delay_s > 0)
		con_input_throttle(1);
	/* not a check: the harness's cue to type */
	if (interactive)
		printk("CONF input ready until=%02x timeout_s=%d\n", until, timeout_s);
	if (interactive && delay_s > 0) {
		atomic_sleep_ns((s64)delay_s * 1000000000LL);
		con_input_throttle(0);
	}
	u64 end = now() + (u64)timeout_s * 1000000000ULL;
	/* without a harness: until khvcd has made 20 empty polls */
	while (!done && now() < end && (interactive || khvcd_polls - polls0 < 20)) {
		u8 buf[16];
		int n = con_input_read(buf, sizeof(buf));
		if (n > 0) {
			hexline(buf, n);
			got_total += n;
			for (int j = 0; j < n; j++)
				if (buf[j] == until)
					done = 1;
			continue; /* keep draining while data comes */
		}
		sleep_ms(10);
	}
	check("input", "bounded", !khvcd_over, "never more than count bytes written");
	check("input", "no_negative", khvcd_neg == 0, "negative_returns=%d", khvcd_neg);
	check("input", "empty_returns_zero", khvcd_empty > empty0, "empty_polls=%d", khvcd_empty - empty0);
	check("input", "empty_fast", khvcd_max_empty_ns < 25000000, "max_empty_poll_us=%u", (u32)(khvcd_max_empty_ns / 1000));
	if (interactive)
		check("input", "terminator", done, "bytes=%d", got_total);
}

/* flood (not a numbered scenario, only when named): print without pause, as
   `yes` does, until a Ctrl-C (0x03) arrives on the console, polling for it
   after every 4 KiB like a tty's receive path between writes. Proves that
   input gets through while output floods the console. */
static void scen_flood(void)
{
	static char line[128];
	for (int i = 0; i < 126; i++)
		line[i] = 'a' + i % 26;
	line[126] = '\r';
	line[127] = '\n';
	int timeout_s = cmdline_int("flood_timeout", 60);
	/* khvcd reads the console, on another CPU, as a tty's receive path
	   would; this loop looks at what it queued after every 4 KiB */
	con_input_start();
	printk("CONF flood ready printing until ^C, at most %d s\n", timeout_s);
	u64 end = now() + (u64)timeout_s * 1000000000ULL, total = 0, t_stop = 0;
	while (!t_stop && now() < end) {
		con_acquire();
		con_write_raw(line, 128, 128);
		con_release();
		total += 128;
		if (total % 4096)
			continue;
		u8 in[16];
		int n = con_input_read(in, sizeof(in));
		for (int i = 0; i < n; i++)
			if (in[i] == 3)
				t_stop = now();
	}
	check("flood", "interrupted", t_stop != 0, "bytes=%u", (u32)total);
}

/* ---- 4 clock ---- */
static volatile int pp_turn, pp_stop;
static volatile u64 pp_last;
static volatile int pp_bad;

static int pingpong_peer(void *a)
{
	(void)a;
	for (;;) {
		while (__atomic_load_n((int *)&pp_turn, __ATOMIC_SEQ_CST) != 1) {
			if (pp_stop)
				return 0;
			__builtin_wasm_memory_atomic_wait32((int *)&pp_turn, 0, 100000000);
		}
		u64 t = now();
		if (t < pp_last)
			pp_bad++;
		pp_last = t;
		__atomic_store_n((int *)&pp_turn, 0, __ATOMIC_SEQ_CST);
		__builtin_wasm_memory_atomic_notify((int *)&pp_turn, 1);
	}
}

static void scen_clock(void)
{
	u64 prev = now(), first = prev;
	int dec = 0;
	for (int i = 0; i < 1000; i++) {
		u64 t = now();
		if (t < prev)
			dec++;
		prev = t;
	}
	check("clock", "range", first > 0 && (s64)first > 0, "value=%llu", first);
	check("clock", "monotonic_local", dec == 0, "decreases=%d", dec);
	u64 t0 = now();
	atomic_sleep_ns(20000000);
	u64 d = now() - t0;
	check("clock", "atomic_wait_20ms", d >= 20000000ULL && d < 2000000000ULL, "elapsed_ns=%llu", d);
	t0 = now();
	sleep_ms(30);
	d = now() - t0;
	check("clock", "timer_sleep_30ms", d >= 30000000ULL && d < 3000000000ULL, "elapsed_ns=%llu", d);
	/* cross-worker ping-pong: readings must never decrease */
	int oc = other_cpu();
	pp_turn = 0;
	pp_stop = 0;
	pp_bad = 0;
	pp_last = now();
	struct task *peer = kthread_create(pingpong_peer, NULL, "clockpeer", oc, TF_AUTOREAP);
	int rounds = 0;
	u64 end = now() + 20000000000ULL;
	for (; rounds < 2000 && now() < end; rounds++) {
		__atomic_store_n((int *)&pp_turn, 1, __ATOMIC_SEQ_CST);
		__builtin_wasm_memory_atomic_notify((int *)&pp_turn, 1);
		while (__atomic_load_n((int *)&pp_turn, __ATOMIC_SEQ_CST) != 0 && now() < end)
			__builtin_wasm_memory_atomic_wait32((int *)&pp_turn, 1, 100000000);
		u64 t = now();
		if (t < pp_last)
			pp_bad++;
		pp_last = t;
	}
	pp_stop = 1;
	__builtin_wasm_memory_atomic_notify((int *)&pp_turn, 1);
	(void)peer;
	check("clock", "monotonic_cross_worker", pp_bad == 0 && rounds == 2000, "cpu0<->cpu%d rounds=%d decreases=%d",
	      oc, rounds, pp_bad);
}

/* ---- 5 SMP ---- */
static volatile int smp_ran[NR_CPUS];

static int smp_probe(void *a)
{
	int n = (int)a;
	struct task *t = current();
	smp_ran[n] = (t->cpu == n && t->magic == TASK_MAGIC) ? 1 : 2;
	wake_up(t->parent); /* self-reaping: exit does not wake the creator */
	return 0;
}

static void scen_smp(void)
{
	int want = cmdline_int("smp_cpus", 4);
	if (want > NR_CPUS)
		want = NR_CPUS;
	for (int n = 1; n < maxcpus; n++) {
		check("smp", "boot_cpu_online", boot_up[n].ok, "cpu=%d us=%u", n, (u32)(boot_up[n].ns / 1000));
		check("smp", "start_stack", cpus[n].start_ok, "cpu=%d start_stack=%x idle=%p", n,
		      cpus[n].start_stack_seen, cpus[n].idle);
	}
	for (int n = maxcpus; n < want; n++) {
		u64 t0 = now();
		int ok = cpu_up(n, 10000000000LL);
		check("smp", "cpu_online", ok, "cpu=%d us=%u", n, (u32)((now() - t0) / 1000));
		check("smp", "start_stack", cpus[n].start_ok, "cpu=%d start_stack=%x idle=%p", n,
		      cpus[n].start_stack_seen, cpus[n].idle);
	}
	for (int n = 1; n < NR_CPUS; n++) {
		if (!cpus[n].online)
			continue;
		smp_ran[n] = 0;
		kthread_create(smp_probe, (void *)n, "smpprobe", n, TF_AUTOREAP);
		wait_cond(flag_cond, (void *)&smp_ran[n], 10000000000LL);
		check("smp", "runs_task", smp_ran[n] == 1, "cpu=%d", n);
	}
}

/* What the host did since the counters were read: no switch returned a
   wrong `last`, no first run came up as another task, no task ran past its
   final switch. */
struct host_errs {
	int sw, rff, dead;
};
static struct host_errs host_errs_now(void) { return (struct host_errs){switch_errors, rff_errors, dead_resumed}; }
static int host_errs_since(struct host_errs e)
{
	return switch_errors - e.sw + rff_errors - e.rff + dead_resumed - e.dead;
}

/* ---- 6 task switch ---- */
struct pp {
	volatile int turn, rounds, stop;
	struct task *a, *b;
	int n;
	volatile int done;
};

static int turn0(void *a) { return ((struct pp *)a)->turn == 0; }
static int turn1(void *a) { return ((struct pp *)a)->turn == 1; }

static int pp_a(void *arg)
{
	struct pp *p = arg;
	for (int i = 0; i < p->n; i++) {
		wait_cond(turn0, p, -1);
		p->turn = 1;
		wake_up(p->b);
	}
	wait_cond(turn0, p, -1);
	p->done |= 1;
	wake_up(p->a->parent);
	return 0;
}

static int pp_b(void *arg)
{
	struct pp *p = arg;
	for (int i = 0; i < p->n; i++) {
		wait_cond(turn1, p, -1);
		p->rounds++;
		p->turn = 0;
		wake_up(p->a);
	}
	p->done |= 2;
	wake_up(p->a->parent);
	return 0;
}

static int pp_done(void *a) { return ((struct pp *)a)->done == 3; }

/* returns ns per round trip, or 0 on failure */
static u64 run_pingpong(int cpu_a, int cpu_b, int n, int *rounds)
{
	static struct pp p;
	memset((void *)&p, 0, sizeof(p));
	p.n = n;
	p.turn = 0; /* a sends first; b answers each send; a consumes the last answer */
	u64 t0 = now();
	p.b = kthread_create(pp_b, &p, "ping_b", cpu_b, TF_AUTOREAP);
	p.a = kthread_create(pp_a, &p, "ping_a", cpu_a, TF_AUTOREAP);
	int ok = wait_cond(pp_done, &p, 120000000000LL);
	u64 dt = now() - t0;
	*rounds = p.rounds;
	return ok ? dt / (n ? n : 1) : 0;
}

/* migration: a task parks (blocks, switched out) on one CPU and is woken
   onto another, whose switch resumes it: the host gets a wake for a worker
   parked by another CPU's switch, and a `last` from the new CPU */
static volatile int mig_phase, mig_cpu_before, mig_cpu_after;

static int mig_phase2(void *a)
{
	(void)a;
	return mig_phase == 2;
}
static int mig_phase_is(void *a) { return mig_phase == (int)(long)a; }

static int mig_fn(void *a)
{
	(void)a;
	mig_cpu_before = current()->cpu;
	mig_phase = 1;
	wake_up(current()->parent);
	wait_cond(mig_phase2, NULL, -1);
	mig_cpu_after = current()->cpu;
	mig_phase = 3;
	wake_up(current()->parent);
	return 0;
}

static void migrate_check(int from, int to)
{
	struct host_errs he = host_errs_now();
	mig_phase = 0;
	mig_cpu_before = mig_cpu_after = -1;
	struct task *t = kthread_create(mig_fn, NULL, "migrate", from, TF_AUTOREAP);
	int ok = wait_cond(mig_phase_is, (void *)1, 10000000000LL);
	/* parked for good on `from`: blocked and switched away */
	u64 end = now() + 10000000000ULL;
	while (ok && !(t->state == T_BLOCKED && !t->on_cpu) && now() < end)
		sleep_ms(1);
	mig_phase = 2;
	int moved = ok && wake_up_on(t, to);
	int ran = ok && wait_cond(mig_phase_is, (void *)3, 10000000000LL);
	check("switch", "migrate_parked_task", moved && ran && mig_cpu_before == from && mig_cpu_after == to &&
						       host_errs_since(he) == 0,
	      "cpu%d->cpu%d moved=%d resumed=%d ran_on=%d,%d host_errors=%d", from, to, moved, ran, mig_cpu_before,
	      mig_cpu_after, host_errs_since(he));
}

static void scen_switch(void)
{
	int se = switch_errors, re = rff_errors, rounds;
	run_pingpong(0, 0, 1000, &rounds);
	check("switch", "same_cpu_pingpong", rounds == 1000, "cpu0 rounds=%d", rounds);
	int oc = other_cpu();
	run_pingpong(0, oc, 1000, &rounds);
	check("switch", "cross_cpu_pingpong", rounds == 1000, "cpu0<->cpu%d rounds=%d (wakes race the target's park)",
	      oc, rounds);
	int to = -1;
	for (int n = 1; n < NR_CPUS; n++)
		if (cpus[n].online && n != oc)
			to = n;
	migrate_check(oc, to >= 0 ? to : 0);
	check("switch", "last_task", switch_errors == se, "mismatches=%d", switch_errors - se);
	check("switch", "ret_from_fork_prev", rff_errors == re, "errors=%d", rff_errors - re);
}

/* ---- 13 release ---- */
static volatile int rel_flag;
static struct task *volatile rel_self; /* who ran rel_fn: the host's idea of the new task */

static int rel_fn(void *a)
{
	(void)a;
	rel_self = current();
	rel_flag = 1;
	wake_up(current()->parent);
	return 0;
}

/* the last thread of a group: releases its zombie leader (a) at exit */
static int zap_fn(void *a)
{
	current()->zap = a;
	return rel_fn(NULL);
}

static int rel_delayed_fn(void *a)
{
	(void)a;
	rel_flag = 1;
	/* zombie for 200 ms before the final switch, parent releases meanwhile */
	do_exit_delayed(0, 200000000);
}

/* Freed: the kernel released t and the host switched away from it for good,
   naming it as `last` to the next task on its CPU (finish_task_switch sets
   switched_out only then). */
static int freed(struct task *t) { return t->released && t->switched_out; }


static int other_cpu_than(int c)
{
	for (int n = 0; n < NR_CPUS; n++)
		if (n != c && cpus[n].online)
			return n;
	return c;
}

static void scen_release(void)
{
	int c = other_cpu();
	struct host_errs he = host_errs_now();
	/* (a) self-release then final switch */
	rel_flag = 0;
	struct task *k1 = kthread_create(rel_fn, NULL, "rel_self", c, TF_AUTOREAP);
	wait_cond(flag_cond, (void *)&rel_flag, 10000000000LL);
	u64 end = now() + 10000000000ULL;
	while (!freed(k1) && now() < end)
		sleep_ms(2);
	check("release", "self_release", freed(k1), "task=%p cpu=%d", k1, c);
	/* (b) the CPU still schedules; freed address reused; parent-side release
	   of a parked zombie */
	rel_flag = 0;
	reuse_next(k1); /* another task freed late must not take its place */
	struct task *k2 = kthread_create(rel_fn, NULL, "rel_zombie", c, 0);
	int ran = wait_cond(flag_cond, (void *)&rel_flag, 10000000000LL);
	check("release", "cpu_schedules_after_self_release", ran, "cpu=%d", c);
	/* the kernel put k2 at k1's address; the host must have run k2 as a new
	   task there (its own first run, not the dead k1's worker resumed) */
	check("release", "address_reuse",
	      k2 == k1 && ran && rel_self == k2 && k2->first_ran && host_errs_since(he) == 0,
	      "old=%p new=%p ran_as=%p first_run=%d host_errors=%d", k1, k2, rel_self, k2->first_ran,
	      host_errs_since(he));
	wait_task_dead(k2, 10000000000LL);
	int parked = wait_task_parked(k2, 10000000000LL);
	release_task(k2);
	check("release", "parent_release_parked_zombie", parked && freed(k2), "task=%p", k2);
	rel_flag = 0;
	reuse_next(k2);
	struct task *k3 = kthread_create(rel_fn, NULL, "rel_after", c, TF_AUTOREAP);
	ran = wait_cond(flag_cond, (void *)&rel_flag, 10000000000LL);
	check("release", "cpu_schedules_after_parent_release", ran && k3 == k2, "cpu=%d old=%p new=%p", c, k2, k3);
	end = now() + 10000000000ULL;
	while (!freed(k3) && now() < end)
		sleep_ms(2);
	/* (c) parent releases before the zombie's final switch */
	rel_flag = 0;
	struct task *k4 = kthread_create(rel_delayed_fn, NULL, "rel_race", c, 0);
	wait_task_dead(k4, 10000000000LL);
	int early = !k4->switched_out;
	release_task(k4);
	check("release", "release_before_final_switch", early, "released while not yet switched out: %d", early);
	rel_flag = 0;
	struct task *k5 = kthread_create(rel_fn, NULL, "rel_after2", c, TF_AUTOREAP);
	ran = wait_cond(flag_cond, (void *)&rel_flag, 10000000000LL);
	check("release", "cpu_schedules_after_early_release", ran, "cpu=%d reuse=%d", c, k5 == k4);
	end = now() + 10000000000ULL;
	while (!freed(k5) && now() < end)
		sleep_ms(2);
	/* k4's block is free once k5 took it (alloc needs it freed) or it says so */
	int k4_freed = k5 == k4 || freed(k4);
	check("release", "early_release_freed", k4_freed && freed(k5), "zombie=%d after=%d", k4_freed, freed(k5));
	/* (d) zap_leader: a group leader exits first and stays a zombie; the
	   group's last thread, exiting, releases it (from its own worker, as
	   neither the dead task nor its parent) right after itself, before
	   its own final switch */
	rel_flag = 0;
	struct task *leader = kthread_create(rel_fn, NULL, "zap_leader", c, 0);
	int lead_dead = wait_task_dead(leader, 10000000000LL) && wait_task_parked(leader, 10000000000LL);
	rel_flag = 0;
	struct task *thr = kthread_create(zap_fn, leader, "zap_thread", other_cpu_than(c), TF_AUTOREAP);
	ran = wait_cond(flag_cond, (void *)&rel_flag, 10000000000LL);
	end = now() + 10000000000ULL;
	while (!(freed(leader) && freed(thr)) && now() < end)
		sleep_ms(2);
	check("release", "zap_leader", lead_dead && ran && freed(leader) && freed(thr),
	      "leader parked=%d thread ran=%d leader freed=%d thread freed=%d", lead_dead, ran, freed(leader),
	      freed(thr));
	check("release", "host_switches", host_errs_since(he) == 0,
	      "wrong last=%d wrong first run=%d dead task resumed=%d", switch_errors - he.sw, rff_errors - he.rff,
	      dead_resumed - he.dead);
}

/* ---- 18 burst: many tasks alive at once, as a Linux boot creates its
   kthreads (kthread_create waits until the new thread has run) or a shell
   pipeline its processes; then all exit and self-release ---- */
#define BURST_MAX 64
static volatile int burst_started, burst_go, burst_ran;
static volatile int burst_lock;

static int burst_count_cond(void *a) { return burst_started >= (int)(long)a; }
static int burst_ran_cond(void *a) { return burst_ran >= (int)(long)a; }

static int burst_fn(void *a)
{
	(void)a;
	spin_lock(&burst_lock);
	burst_started++;
	spin_unlock(&burst_lock);
	wake_up(current()->parent);
	wait_cond(flag_cond, (void *)&burst_go, -1);
	spin_lock(&burst_lock);
	burst_ran++;
	spin_unlock(&burst_lock);
	wake_up(current()->parent);
	return 0;
}

/* run_burst creates n tasks over the online CPUs, each waited for until it
   first runs when serial (as kthread_create does) or back to back if not,
   then lets them all exit. It returns the creation time in ns (0 if some
   task never started) and sets *ok when all exited and were released. */
static u64 run_burst(int n, int serial, int *ok)
{
	static struct task *ts[BURST_MAX];
	burst_started = burst_go = burst_ran = 0;
	int online = 0;
	for (int c = 0; c < NR_CPUS; c++)
		online += cpus[c].online;
	u64 t0 = now();
	int started = 1;
	for (int i = 0; i < n && started; i++) {
		ts[i] = kthread_create(burst_fn, NULL, "burst", i % online, TF_AUTOREAP);
		if (serial)
			started = wait_cond(burst_count_cond, (void *)(long)(i + 1), 60000000000LL);
	}
	if (started)
		started = wait_cond(burst_count_cond, (void *)(long)n, 60000000000LL);
	u64 dt = now() - t0;
	burst_go = 1;
	for (int i = 0; i < n; i++)
		wake_up(ts[i]);
	int ran = wait_cond(burst_ran_cond, (void *)(long)burst_started, 30000000000LL);
	u64 end = now() + 10000000000ULL;
	int nfreed = 0;
	while (now() < end) {
		nfreed = 0;
		for (int i = 0; i < burst_started; i++)
			nfreed += freed(ts[i]);
		if (nfreed == burst_started)
			break;
		sleep_ms(2);
	}
	*ok = ran && nfreed == n;
	return started ? dt : 0;
}

static int burst_n(void)
{
	int n = cmdline_int("burst_tasks", 24);
	return n < 1 ? 1 : n > BURST_MAX ? BURST_MAX : n;
}

static void scen_burst(void)
{
	int n = burst_n(), ok;
	struct host_errs he = host_errs_now();
	u64 dt = run_burst(n, 0, &ok);
	check("burst", "all_alive_at_once", dt != 0, "tasks=%d started=%d us=%u", n, burst_started, (u32)(dt / 1000));
	check("burst", "all_exited_and_released", ok, "ran=%d of %d", burst_ran, n);
	dt = run_burst(n, 1, &ok);
	check("burst", "serial_alive_at_once", dt != 0, "tasks=%d started=%d us=%u", n, burst_started, (u32)(dt / 1000));
	check("burst", "serial_exited_and_released", ok, "ran=%d of %d", burst_ran, n);
	check("burst", "host_switches", host_errs_since(he) == 0,
	      "wrong last=%d wrong first run=%d dead task resumed=%d", switch_errors - he.sw, rff_errors - he.rff,
	      dead_resumed - he.dead);
}

/* ---- 14 exceptions ---- */
static int trap_fn(void *a)
{
	(void)a;
	rel_flag = 1;
	__builtin_trap();
}

static void user_exception(const char *mode, int expect_status)
{
	struct task *t;
	int st = run_user("exceptions", "/bin/conf_a", "conf_a", mode, NULL, 30000000000LL, &t, 1);
	if (st == -1)
		return;
	/* a SIGILL handler (status 9) runs exactly once, to its rt_sigreturn */
	int handlers = expect_status == 9;
	check("exceptions", mode,
	      st == expect_status && t->raise_count == 1 && t->raise_user == 1 && t->sigreturns == handlers,
	      "status=%d expected=%d raise_exception_calls=%d user_mode=%d handlers_run=%d expected=%d", st,
	      expect_status, t->raise_count, t->raise_user, t->sigreturns, handlers);
	release_task(t);
}

static void scen_exceptions(void)
{
	user_exception("trap", 4);
	user_exception("abort", 4);
	/* SIGILL handler installed: raise_exception returns; a conforming host runs
	   the handler and then ends the task with kill(getpid(), SIGKILL) */
	user_exception("sigill", 9);
	int c = other_cpu();
	rel_flag = 0;
	struct task *k = kthread_create(trap_fn, NULL, "ktrap", c, 0);
	int dead = wait_task_dead(k, 20000000000LL);
	check("exceptions", "kernel_unreachable", dead && k->raise_count == 1 && k->raise_user == 0 && k->exit_code == 4,
	      "dead=%d raise_exception_calls=%d user_mode=%d", dead, k->raise_count, k->raise_user);
	if (dead) {
		wait_task_parked(k, 5000000000LL);
		release_task(k);
	}
	rel_flag = 0;
	kthread_create(rel_fn, NULL, "after_ktrap", c, TF_AUTOREAP);
	int ran = wait_cond(flag_cond, (void *)&rel_flag, 10000000000LL);
	check("exceptions", "cpu_schedules_after_kernel_trap", ran, "cpu=%d", c);
}

/* ---- 15 stacktrace ---- */
/* One wasm_dump_stacktrace(buf, max) into a buffer that ends at guard
   words (max <= 1000, the real kernel's WASM_STACKTRACE_MAX_SIZE); the
   unused bytes before it are guarded too. Returns the NUL's offset, or -1. */
static int stacktrace_len(u32 max)
{
	static struct {
		u32 pre[GUARD_WORDS];
		char buf[1000];
		u32 post[GUARD_WORDS];
	} gb;
	char *at = gb.buf + sizeof(gb.buf) - max;
	guard_set(gb.pre);
	guard_set(gb.post);
	memset(gb.buf, 0, sizeof(gb.buf) - max);
	memset(at, 0x5a, max);
	wasm_dump_stacktrace(at, max);
	guard_check(gb.pre, "dump_stacktrace", "before", at, max);
	guard_zero_check((const u8 *)gb.buf, sizeof(gb.buf) - max, "dump_stacktrace", "before", at, max);
	guard_check(gb.post, "dump_stacktrace", "after", at, max);
	for (u32 i = 0; i < max; i++)
		if (!at[i])
			return (int)i;
	return -1;
}

static void scen_stacktrace(void)
{
	int len = stacktrace_len(1000);
	check("stacktrace", "nul_terminated", len >= 0 && len <= 999, "len=%d", len);
	len = stacktrace_len(16);
	check("stacktrace", "small_max", len >= 0, "max=16 len=%d", len);
}

/* ---- 17 panic ---- */
/* What panic, machine_halt and friends do first: stop every other online
   CPU (smp_send_stop), saying so on the console for the host test. */
static void stop_other_cpus(const char *why)
{
	int me = current()->cpu;
	for (int n = 0; n < NR_CPUS; n++)
		if (n != me && cpus[n].online) {
			printk("CONF %s stopping cpu %d\n", why, n);
			wasm_stop_cpu(n);
		}
}

static int panic_fn(void *a)
{
	(void)a;
	stop_other_cpus("panic");
	printk("Kernel panic - not syncing: conformance panic test\n");
	wasm_panic("conformance panic test");
	printk("---[ end Kernel panic - not syncing: conformance panic test ]---\n");
	for (;;)
		atomic_sleep_ns(100000000);
}

/* halt (not a numbered scenario, only when asked): machine_halt as the
   generic reboot code does it: stop every other CPU, say so, then spin in
   this worker for good. No host import tells the host; it must see "CPUs
   stopped without a panic", report a halt and end every worker, the
   spinning one too (ABI 10.18). */
static int halt_fn(void *a)
{
	(void)a;
	stop_other_cpus("halt");
	printk("reboot: System halted\n");
	for (volatile int spin = 0;; spin++)
		;
}

/* ---- benchmarks ---- */
static volatile int bench_flag;

static int bench_create_fn(void *a)
{
	(void)a;
	bench_flag = 1;
	wake_up(current()->parent);
	return 0;
}

static void bench(const char *name, u64 value, const char *unit, int n)
{
	printk("BENCH %s %llu %s n=%d\n", name, value, unit, n);
}

static void run_benchmarks(void)
{
	if (bench_selected("clock")) {
		u64 t0 = now();
		for (int i = 0; i < 1000000; i++)
			(void)now();
		bench("clock", (now() - t0) / 1000000, "ns/call", 1000000);
	}
	if (bench_selected("switch")) {
		int rounds;
		u64 ns = run_pingpong(0, 0, 10000, &rounds);
		bench("switch", ns, "ns/roundtrip", rounds);
	}
	if (bench_selected("create")) {
		int c = other_cpu(), n = 0;
		u64 total = 0;
		for (int i = 0; i < 500; i++) {
			bench_flag = 0;
			u64 t0 = now();
			struct task *t = kthread_create(bench_create_fn, NULL, "bench", c, TF_AUTOREAP);
			if (!wait_cond(flag_cond, (void *)&bench_flag, 20000000000LL))
				break;
			total += t->t_first_run - t0;
			n++;
			u64 end = now() + 5000000000ULL;
			while (!freed(t) && now() < end)
				sleep_ms(1);
		}
		bench("create", n ? total / n / 1000 : 0, "us/task", n);
	}
	if (bench_selected("kthreads")) {
		/* a boot's kthreads: created one after another, each waited for
		   until it runs, all staying alive */
		int ok, n = cmdline_int("burst_tasks", 40);
		if (n > BURST_MAX)
			n = BURST_MAX;
		u64 dt = run_burst(n, 1, &ok);
		bench("kthreads", dt / 1000 / n, "us/task", dt && ok ? n : 0);
	}
	/* input runs before cpuup, with the CPUs the machine booted with: the
	   13 extra CPUs cpuup brings up would take the page's main thread's
	   share of two cores in what it measures */
	if (bench_selected("input")) {
		static char buf[16];
		int rounds = cmdline_int("bench_input_n", 20), n = 0, stamped = 0;
		u64 total = 0, stamp_total = 0;
		printk("BENCH-INPUT ready n=%d\n", rounds);
		for (int i = 0; i < rounds; i++) {
			printk("BENCH-INPUT send %d\n", i);
			u64 t0 = now(), end = t0 + 10000000000ULL;
			int got = 0;
			u64 stamp = 0;
			int in_stamp = 0;
			while (!got && now() < end) {
				int r = con_get_direct(buf, 16, NULL);
				for (int j = 0; j < r; j++) {
					char ch = buf[j];
					if (ch == 'T') {
						in_stamp = 1;
						stamp = 0;
					} else if (in_stamp && ch >= '0' && ch <= '9') {
						stamp = stamp * 10 + (ch - '0');
					} else {
						if (in_stamp && ch == ';') {
							u64 t = now();
							if (t >= stamp) {
								stamp_total += t - stamp;
								stamped++;
							}
						}
						in_stamp = 0;
						got = 1;
					}
				}
				if (!got)
					atomic_sleep_ns(1000000);
			}
			if (!got)
				break;
			total += now() - t0;
			n++;
		}
		bench("input_rtt", n ? total / n / 1000 : 0, "us", n);
		if (stamped)
			bench("input_latency", stamp_total / stamped / 1000, "us", stamped);
	}
	if (bench_selected("cpuup")) {
		int n = 0;
		u64 total = 0;
		for (int c = 1; c < 16; c++) {
			if (cpus[c].online)
				continue;
			u64 t0 = now();
			if (!cpu_up(c, 20000000000LL))
				break;
			total += now() - t0;
			n++;
		}
		bench("cpuup", n ? total / n / 1000 : 0, "us/cpu", n);
	}
	if (bench_selected("output")) {
		static char chunk[4096];
		for (int i = 0; i < 4096; i++)
			chunk[i] = (i % 128 == 126) ? '\r' : (i % 128 == 127) ? '\n' : 'a' + i % 26;
		u64 t0 = now();
		con_acquire();
		for (int i = 0; i < 2048; i++)
			con_write_raw(chunk, 4096, 4096);
		con_release();
		u64 dt = now() - t0;
		bench("output", dt ? (8ULL * 1024 * 1024 * 1000000000ULL / dt) / 1024 : 0, "KiB/s", 2048);
	}
	if (bench_selected("forkexec")) {
		u64 t0 = now();
		int st = run_user("bench", "/bin/conf_a", "conf_a", "forkexec", "200", 600000000000LL, NULL, 0);
		u64 dt = now() - t0;
		bench("forkexec", st == 0 ? dt / 200 / 1000 : 0, "us/iteration", st == 0 ? 200 : 0);
	}
}

/* ---- kernel_init ---- */
int kernel_init(void *arg)
{
	(void)arg;
	maxcpus = cmdline_int("maxcpus", 3);
	if (maxcpus < 1)
		maxcpus = 1;
	if (maxcpus > NR_CPUS)
		maxcpus = NR_CPUS;
	for (int n = 1; n < maxcpus; n++) {
		u64 t0 = now();
		boot_up[n].ok = cpu_up(n, 10000000000LL);
		boot_up[n].ns = now() - t0;
	}
	printk("conf: %d CPUs online, running scenarios\n", maxcpus);

	if (conf_selected("initrd"))
		initrd_list(1);
	if (conf_selected("console"))
		scen_console();
	if (conf_selected("input"))
		scen_input();
	if (conf_selected("flood"))
		scen_flood();
	if (conf_selected("clock"))
		scen_clock();
	if (conf_selected("smp"))
		scen_smp();
	if (conf_selected("switch"))
		scen_switch();
	if (conf_selected("init")) {
		int st = run_user("init", "/bin/conf_a", "conf_a", "init", NULL, 30000000000LL, NULL, 0);
		check("init", "exit_status", st == 0, "status=%d", st);
	}
	if (conf_selected("syscalls")) {
		int st = run_user("syscalls", "/bin/conf_a", "conf_a", "syscalls", NULL, 30000000000LL, NULL, 0);
		check("syscalls", "exit_status", st == 0, "status=%d", st);
	}
	if (conf_selected("enosys"))
		enosys_scenario();
#ifdef CONF_GEN70
	if (conf_selected("random"))
		gen70_random_scenario();
#endif
	if (conf_selected("clone")) {
		int st = run_user("clone", "/bin/conf_a", "conf_a", "clone", NULL, 30000000000LL, NULL, 0);
		check("clone", "exit_status", st == 0, "status=%d", st);
	}
	if (conf_selected("exec")) {
		int st = run_user("exec", "/bin/conf_a", "conf_a", "exec", NULL, 30000000000LL, NULL, 0);
		check("exec", "exit_status", st == (7 << 8), "status=%d (conf_b exits 7)", st);
		st = run_user("exec", "/bin/conf_a", "conf_a", "execself", NULL, 30000000000LL, NULL, 0);
		check("exec", "self_exit_status", st == 0, "status=%d", st);
		/* a truncated image that binfmt accepts: the host cannot compile it
		   and must end the task through raise_exception (SIGILL), never
		   resume the old program */
		struct task *t;
		st = run_user("exec", "/bin/conf_a", "conf_a", "execbad", NULL, 30000000000LL, &t, 1);
		if (st != -1) {
			check("exec", "uncompilable_image_sigill", st == 4 && t->raise_count == 1 && t->raise_user == 1,
			      "status=%d raise_exception_calls=%d user_mode=%d", st, t->raise_count, t->raise_user);
			release_task(t);
		}
	}
	if (conf_selected("signal")) {
		int st = run_user("signal", "/bin/conf_a", "conf_a", "signal", NULL, 30000000000LL, NULL, 0);
		check("signal", "exit_status", st == 0, "status=%d", st);
		st = run_user("signal", "/bin/conf_a", "conf_a", "sigexec", NULL, 30000000000LL, NULL, 0);
		check("signal", "sigexec_exit_status", st == (7 << 8), "status=%d (conf_b exits 7)", st);
	}
	if (conf_selected("release"))
		scen_release();
	if (conf_selected("burst"))
		scen_burst();
	if (conf_selected("exceptions"))
		scen_exceptions();
	if (conf_selected("stacktrace"))
		scen_stacktrace();
	if (conf_selected("bigtable")) {
		const u8 *f;
		u32 sz, ms, ma, ts = 0, ta;
		int ok = initrd_find("/bin/conf_big", &f, &sz) && parse_dylink(f, sz, &ms, &ma, &ts, &ta);
		check("bigtable", "dylink_table_size", ok && ts > 4096, "table_size=%u", ts);
		int st = run_user("bigtable", "/bin/conf_big", "conf_big", "big", NULL, 60000000000LL, NULL, 0);
		check("bigtable", "exit_status", st == 0, "status=%d", st);
	}
	run_benchmarks();
	if (conf_selected("stall")) /* stall.c: a CPU spins for good */
		stall_scenario();
	/* realboot/churn last: PID 1 execs /init and never comes back here */
	int user_init = 0;
	if (conf_selected("realboot") || conf_selected("churn")) {
		realboot_scenario(!conf_selected("realboot"));
		user_init = current()->exec_pending;
	}
	/* Linux reads console input in khvcd only (hvc_poll); so does every
	   scenario here (said when the console was read at all) */
	if (khvcd_polls || con_get_others)
		check("console", "input_only_khvcd", con_get_others == 0, "reads_by_other_tasks=%d", con_get_others);
	printk("CONF guards checked %d\n", guard_checks);
	printk("CONF DONE %d %d\n", checks_passed, checks_failed);
	if (user_init)
		return 0; /* ret_from_fork returns to user mode: the host runs /init's _start */
	if (conf_selected("panic")) {
		int c = other_cpu();
		kthread_create(panic_fn, NULL, "panic", c, 0);
	} else if (conf_selected("halt")) {
		kthread_create(halt_fn, NULL, "halt", other_cpu(), 0);
	}
	wait_cond(NULL, NULL, -1);
	return 0;
}
