/*
 * stall (only when asked, never in conf=all; issue 19 items 6 and 7): a
 * kernel thread that never switches again, and the kernel's report of it.
 *
 * On a real kernel a forked task spun in kernel code on a CPU that never
 * scheduled again, and about 21 s later the kernel printed an RCU stall
 * report naming that CPU and task. Here the thread "conf_spin" spins on
 * CPU stall_cpu (default 1) in conf_stall_spin(), a function the harness's
 * stack dump must name, and a kthread "rcu_sched" on CPU 0 then prints the
 * report the way Linux 6.1 does (timestamps, the per-CPU line, the task
 * dump), its headline in two writes stall_split_ms apart (default 200), so
 * the host sees the line split across two console drains. The report comes
 * stall_after_ms (default 300) after the spinning began, after CONF DONE,
 * not 21 s: the host cannot tell the difference, and the test should be
 * short.
 *
 * Kept in its own file so that it merges cleanly with other work on the
 * kernel's sources.
 */
#include "kernel.h"

static volatile int spin_started;
volatile u32 conf_stall_counter;

static int started(void *a) { return *(volatile int *)a != 0; }

/* the stuck CPU's loop: no switch, no host import, no lock, ever */
__attribute__((noinline)) void conf_stall_spin(void)
{
	for (;;)
		conf_stall_counter++;
}

static int spin_fn(void *a)
{
	(void)a;
	spin_started = 1;
	conf_stall_spin();
	return 0;
}

static void stamp(char *buf, int size)
{
	u64 ns = now();
	snprintf(buf, size, "[%5u.%06u] ", (u32)(ns / 1000000000u), (u32)(ns % 1000000000u / 1000u));
}

/* rcu_sched's part: the report, stall_after_ms after the spinning began
   (kernel_init has printed CONF DONE by then) */
static struct task *spinner;

static int report_fn(void *a)
{
	int cpu = (int)(long)a;
	struct task *t = spinner;
	char ts[32];
	sleep_ms(cmdline_int("stall_after_ms", 300));
	stamp(ts, sizeof(ts));
	printk("%srcu: INFO: rcu_sched det", ts);
	sleep_ms(cmdline_int("stall_split_ms", 200));
	printk("ected stalls on CPUs/tasks:\n");
	stamp(ts, sizeof(ts));
	printk("%srcu: \t%d-...0: (0 ticks this GP) idle=1c4/1/0x4000000000000000 softirq=0/0 fqs=2625\n", ts, cpu);
	stamp(ts, sizeof(ts));
	printk("%s\t(detected by 0, t=5252 jiffies, g=-1199, q=5 ncpus=%d)\n", ts, cmdline_int("maxcpus", 3));
	stamp(ts, sizeof(ts));
	printk("%sTask dump for CPU %d:\n", ts, cpu);
	stamp(ts, sizeof(ts));
	printk("%stask:%s state:R  running task     stack:0     pid:%d ppid:%d flags:0x00000008\n", ts, t->comm,
	       t->pid, t->parent->pid);
	wait_cond(NULL, NULL, -1);
	return 0;
}

void stall_scenario(void)
{
	int cpu = cmdline_int("stall_cpu", 1);
	if (cpu <= 0 || cpu >= NR_CPUS || !cpus[cpu].online) {
		check("stall", "cpu_online", 0, "stall_cpu=%d is not an online CPU other than 0", cpu);
		return;
	}
	spinner = kthread_create(spin_fn, NULL, "conf_spin", cpu, 0);
	int ok = wait_cond(started, (void *)&spin_started, 10000000000LL);
	check("stall", "spinning", ok && spin_started, "conf_spin started on cpu %d", cpu);
	if (spin_started)
		kthread_create(report_fn, (void *)(long)cpu, "rcu_sched", 0, 0);
}
