/* Conformance kernel: shared declarations. Test equipment, not Linux. */
#ifndef CONF_KERNEL_H
#define CONF_KERNEL_H
#include "layout.h"

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef int s32;
typedef unsigned long long u64;
typedef long long s64;
typedef unsigned long size_t;
typedef unsigned long ulong; /* user-visible words: 8 bytes on wasm64 */
#define NULL ((void *)0)
typedef __builtin_va_list va_list;
#define va_start(a, b) __builtin_va_start(a, b)
#define va_end(a) __builtin_va_end(a)
#define va_arg(a, t) __builtin_va_arg(a, t)

#define NR_CPUS 64
#define PAGE_SIZE 4096
#define WASM_PAGE 65536
#define COMMAND_LINE_SIZE 512
#define TASK_COMM_LEN 16
#define IRQ_IPI 0
#define IRQ_TIMER 1
#define IRQ_CPU 1
#define NEVER (~0ULL)

/* ---- host imports (section 2 of the ABI) ---- */
struct task;
#ifdef CONF_GEN70
/* The Linux 7.0-era generation (gen2-interface-facts.md; gen70.c) */
extern void wasm_start_cpu(unsigned int cpu, struct task *idle);
extern long wasm_random_get_bytes(u8 *buf, long count);
/* ssize_t (const u8 *, size_t): the same i32 types on wasm32, i64 on wasm64 */
extern long wasm_driver_hvc_put(const char *buf, unsigned long count);
extern long wasm_driver_hvc_get(char *buf, unsigned long count);
/* the new CPU's worker calls _start_secondary(idle_task) */
#define WASM_START_CPU(n, idle) wasm_start_cpu(n, idle)
#define START_SECONDARY_ARG(t) ((u32)(t))
/* head.S: grow to CONFIG_BOOT_MEM_PAGES in all, memory_end = the total */
#define BOOT_TARGET_PAGES 0x2000u
#define BOOT_MEMORY_END(pages, grown) (((pages) + (grown)) * WASM_PAGE)
void gen70_setup_boot_rng(int boot);
void gen70_random_scenario(void);
#else
extern void wasm_start_cpu(unsigned int cpu, struct task *idle, unsigned long start_stack);
#define WASM_START_CPU(n, idle) wasm_start_cpu(n, idle, (u32)(idle) & ~15u)
#define START_SECONDARY_ARG(t) ((u32)(t) & ~15u)
/* head.S: grow towards 0x1FFF pages, memory_end = pages grown (the quirk) */
#define BOOT_TARGET_PAGES 0x1FFFu
#define BOOT_MEMORY_END(pages, grown) ((grown) * WASM_PAGE)
#endif
extern void wasm_stop_cpu(unsigned int cpu);
extern struct task *wasm_create_and_run_task(struct task *prev, struct task *new, const char *name,
					     unsigned long bin_start, unsigned long bin_end,
					     unsigned long data_start, unsigned long table_start);
extern void wasm_release_task(struct task *dead);
extern struct task *wasm_serialize_tasks(struct task *prev, struct task *next);
extern void wasm_panic(const char *msg);
extern void wasm_dump_stacktrace(char *buf, unsigned long max);
extern void wasm_load_executable(unsigned long bin_start, unsigned long bin_end,
				 unsigned long data_start, unsigned long table_start);
extern unsigned long long wasm_cpu_clock_get_monotonic(void);
#ifndef CONF_GEN70
extern int wasm_driver_hvc_put(const char *buf, int count);
extern int wasm_driver_hvc_get(char *buf, int count);
#endif
/* called from entry.S, and from raise_exception with raise_tail=1 */
extern void wasm_user_mode_tail(int flow);

/* ---- entry.S helpers ---- */
extern void set_user_regs_asm(u32 sp, u32 tp);
extern u32 get_stack_pointer_asm(void);
extern char init_task[];

/* ---- tasks ---- */
enum { T_RUNNING = 0, T_BLOCKED = 1, T_DEAD = 2 };
#define TF_KTHREAD 1
#define TF_USER 2
#define TF_IDLE 4
#define TF_NEVER_RUN 8
#define TF_AUTOREAP 16
#define TASK_MAGIC 0x4b534154u

struct sigaction_k {
	u32 handler, flags, restorer, mask;
};

struct task {
	u32 magic;
	int pid;
	char comm[TASK_COMM_LEN];
	volatile int state;
	int cpu;
	volatile u32 flags;
	struct task *rq_next;
	int on_rq;
	struct task *all_next;
	struct task *parent;
	int (*fn)(void *);
	void *arg;
	/* user program */
	u32 bin_start, bin_end, data_start, data_size, start_stack, table_size;
	u32 regs_sp, regs_tp;
	volatile int in_kernel;
	int tail_flow;
	int exec_pending;
	int sigreturn_done;
	volatile u32 sig_pending;
	u32 sig_blocked;
	int sig_depth;
	struct sigaction_k sa[32];
	/* life cycle */
	int exit_code;
	volatile int released, switched_out;
	int owned_cpu;
	volatile int vfork_done;
	struct task *vfork_parent;
	volatile int raise_count;
	int raise_user;
	int sigreturns; /* completed rt_sigreturn calls: handlers that ran to their end */
	u64 sleep_until;
	struct task *sleep_next;
	int on_sleep_list;
	int sleep_cpu; /* whose sleepers list it is on */
	volatile int on_cpu; /* running, or switching away: not yet safe to migrate */
	volatile int first_ran;
	u64 t_first_run;
	u32 clone_pending_sig; /* test hook: signal pending in the next clone child */
	struct task *zap; /* released by this task's exit after itself (zap_leader) */
	int exit_signal; /* sent to the parent at exit (clone flags & 0xff; 0: none) */
	int pgid; /* process group (the tty sends ^C's SIGINT to its foreground group) */
	u32 scratch[8];
	/* file table (tty.c): 0 closed, 1 console, pipe ends */
#define NFDS 16
	int fds[NFDS];
	/* images this task's execve allocated (freed with the task or at its
	   next execve; vfork children share their parent's and own none) */
	u32 img_bin, img_bin_size, img_data, img_data_size, img_stack, img_stack_size;
	/* guard words around the data area this task's exec allocated (0:
	   none), checked at each of its syscalls: the host instantiates the
	   program, whose start function writes the area, in between */
	u32 data_guard_pre, data_guard_post;
};
_Static_assert(sizeof(struct task) <= TASK_SIZE, "task too big");

struct cpu {
	/* the run-queue lock: this CPU's queue, sleepers and timer, and the
	   state of its tasks. Held across every switch, from schedule() until
	   the next task's finish_task_switch (schedule_tail on a first run), as
	   Linux holds rq->lock: host work in the switch import stalls every CPU
	   that wakes a task here. Taken before sched_lock, never after. */
	volatile int rq_lock;
	struct task *idle;
	struct task *curr;
	struct task *rq_head, *rq_tail;
	volatile int raised_irqs;
	volatile int online;
	volatile u64 timer_expiry;
	struct task *sleepers;
	struct task *switch_from;
	struct task *user_owner;
	struct task *waiter;
	volatile int start_ok;
	u32 start_stack_seen;
	u64 t_checkin;
};
extern struct cpu cpus[NR_CPUS];

static inline struct task *current(void)
{
	u32 sp = get_stack_pointer_asm();
	return (struct task *)((sp & ~(u32)(THREAD_SIZE - 1)) + THREAD_SIZE - TASK_SIZE);
}
static inline u64 now(void) { return wasm_cpu_clock_get_monotonic(); }

/* lib */
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strncpy_z(char *d, const char *s, size_t n);
int vsnprintf(char *buf, int size, const char *fmt, va_list ap);
int snprintf(char *buf, int size, const char *fmt, ...);
u32 fnv1a(const void *p, u32 n, u32 h); /* common/mem.c, like the above */
void spin_lock(volatile int *l);
void spin_unlock(volatile int *l);
void atomic_sleep_ns(s64 ns);

/* console */
extern volatile int put_errors;
void con_write_raw(const char *buf, int n, int chunk);
void printk(const char *fmt, ...);
void con_acquire(void);
void con_release(void);
int con_get(char *buf, int count, u64 *host_ns);
int con_get_direct(char *buf, int count, u64 *host_ns);
extern volatile int con_get_others;
int is_khvcd(struct task *t);
void con_tty_write(const char *buf, int n);
void check(const char *scen, const char *name, int ok, const char *fmt, ...);
void info(const char *fmt, ...);
extern volatile int checks_passed, checks_failed;

/* mm */
extern unsigned long memory_start, memory_end, memory_kernel_break;
void *page_alloc(u32 size, u32 align);
void page_free(void *p, u32 size);

/* sched */
extern volatile int sched_lock;
extern volatile int switch_errors;
extern volatile int dead_resumed; /* the host ran a task past its final switch */
struct task *alloc_task(void);
int reuse_next(struct task *t);
struct task *kthread_create(int (*fn)(void *), void *arg, const char *name, int cpu, u32 flags);
void wake_up(struct task *t);
int wake_up_on(struct task *t, int cpu);
void schedule(void);
void finish_task_switch(struct task *last);
extern volatile int rff_errors;
int wait_cond(int (*cond)(void *), void *arg, s64 timeout_ns);
void sleep_ms(int ms);
void __attribute__((noreturn)) do_exit(int code);
void __attribute__((noreturn)) do_exit_delayed(int code, s64 delay_ns);
void release_task(struct task *t);
void cpu_idle_loop(void);
int cpu_up(int n, u64 timeout_ns);
void raise_irq(int cpu, int irq);
struct task *find_task(int pid);
extern volatile int raise_total;
extern struct task *volatile expect_raise_task;
int wait_task_dead(struct task *t, s64 timeout_ns);
int wait_task_parked(struct task *t, s64 timeout_ns);
int tasks_matching(int (*match)(struct task *, void *), void *arg, struct task **out, int max);
struct task *find_child_locked(struct task *p, int pid, int *have_child);

/* user */
int do_execve(struct task *t, const char *path, const char *const *argv, const char *const *envp);
int initrd_find(const char *path, const u8 **data, u32 *size);
int initrd_list(int print);
int parse_dylink(const u8 *p, u32 n, u32 *mem_size, u32 *mem_align, u32 *table_size, u32 *table_align);
void prepare_user_return(struct task *t);
int take_tail_flow(void);
/* signals (user.c): Linux's -ERESTART* codes never reach user space */
#define ERESTARTSYS 512
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516
#define EINTR 4
void send_signal(struct task *t, int sig);
int kill_pgrp(int pgid, int sig);
int signal_pending(struct task *t);
int wait_interruptible(int (*cond)(void *), void *arg, s64 timeout_ns);
/* global counters the sigstat applet reads (query 11) */
extern volatile int sig_frames, sig_nested, sig_eintr, sig_at_fork, sig_restarts, sig_chld_sent;
int enosys_scenario(void);

/* tty.c: console input (khvcd), file tables, pipes */
struct task *start_khvcd(int cpu);
extern volatile int khvcd_polls, khvcd_timeout_ms, tty_onlcr, tty_pgrp, tty_intr_sent;
/* console input for the scenarios that read it themselves, through khvcd */
void con_input_start(void);
int con_input_read(u8 *buf, int max);
void con_input_throttle(int on);
extern volatile int khvcd_over, khvcd_neg, khvcd_empty;
extern volatile u64 khvcd_max_empty_ns;
void files_init(struct task *t);
void files_copy(struct task *to, struct task *from);
void files_close_all(struct task *t);
int sys_read(struct task *t, u32 fd, char *buf, int count);
int sys_write(struct task *t, u32 fd, const char *buf, int count);
int sys_file_call(struct task *t, int nr, u32 *a, int *handled);
void free_images(struct task *t);
void realboot_scenario(int churn);
void stall_scenario(void); /* stall.c */

/* Guard words (issue 19 item 8): a pattern before and after every buffer
   the kernel hands the host to write, checked after each call. The host sees
   only the pointer and the size the real kernel passes; the guards are the
   kernel's own memory around it, which the host has no business writing. A
   broken guard panics, naming the buffer. */
#define GUARD_WORDS 4
#define GUARD_WORD 0x47554152u /* "RAUG": no byte 0x00 or 0xa5 */
void guard_set(volatile u32 *g);
/* side is "before" or "after"; buf and len the range the host was given */
void guard_check(const volatile u32 *g, const char *what, const char *side, const void *buf, unsigned long len);
void guard_zero_check(const volatile u8 *p, u32 n, const char *what, const char *side, const void *buf, unsigned long len);
extern volatile int guard_checks; /* guard checks made, printed at CONF DONE */

/* cmdline */
const char *cmdline_get(const char *key, char *out, int outsize);
int cmdline_int(const char *key, int def);
int conf_selected(const char *name);
int bench_selected(const char *name);

#endif
