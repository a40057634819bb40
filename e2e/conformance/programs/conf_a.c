/* Conformance user program A: init, syscalls, clone, exec, signals, exceptions. */
#include "ulib.h"
#include "common.h"

/* initialised data, a data pointer (relocated), a function pointer in data,
   a thread-local, a constructor, bss */
int init_data = 42;
const char init_str[] = "conformance";
int *data_ptr = &init_data;
static int add_one(int x) { return x + 1; }
int (*fp_in_data)(int) = add_one;
_Thread_local int tls_var = 5;
int bss_var;
volatile int ctor_marker, ctor_pid;
int modified;

__attribute__((constructor)) static void ctor(void)
{
	ctor_pid = getpid();
	ctor_marker = 0xC7;
}

static const char *mode(void) { return g_argc > 1 ? g_argv[1] : ""; }

static void startup_checks(const char *scen)
{
	u32 ss = query(Q_START_STACK, 0, 0);
	check(scen, "start_sp", g_sp0 == ss && (g_sp0 & 4095) == 0, "sp=%x kernel_start_stack=%x", g_sp0, ss);
	check(scen, "ctor_before_start", ctor_marker == 0xC7 && ctor_pid == getpid(), "marker=%x", ctor_marker);
	u32 ds = query(Q_DATA_START, 0, 0), dsz = query(Q_DATA_SIZE, 0, 0);
	u32 a = (u32)&init_data;
	check(scen, "memory_base", a >= ds && a < ds + dsz, "&init_data=%x data_start=%x size=%x", a, ds, dsz);
}

/* ---- init ---- */
static void do_init(void)
{
	startup_checks("init");
	check("init", "argv", g_argc == 2 && !strcmp(g_argv[0], "conf_a") && !strcmp(g_argv[1], "init") &&
				     g_argv[2] == NULL && args_above_sp(),
	      "argc=%d", g_argc);
	check("init", "envp", g_envp[0] && !strcmp(g_envp[0], "HOME=/") && g_envp[1] && !strcmp(g_envp[1], "CONF=1") &&
				     !g_envp[2],
	      "");
	check("init", "auxv", auxv_ok(), "");
	check("init", "data", init_data == 42 && !strcmp(init_str, "conformance") && bss_var == 0, "init_data=%d", init_data);
	check("init", "data_relocs", data_ptr == &init_data && *data_ptr == 42, "data_ptr=%x &init_data=%x", (u32)data_ptr,
	      (u32)&init_data);
	check("init", "fnptr_in_data", fp_in_data(5) == 6, "");
	u32 tb = get_tls(), ds = query(Q_DATA_START, 0, 0), dsz = query(Q_DATA_SIZE, 0, 0);
	check("init", "tls", tls_var == 5 && tb >= ds && tb < ds + dsz && (u32)&tls_var >= tb, "tls_base=%x", tb);
	tls_var = 6;
	check("init", "tls_write", tls_var == 6, "");
	static const char msg[] = "conf_a: hello from user space via write(1)\r\n";
	int w = sc3(NR_WRITE, 1, (int)msg, sizeof(msg) - 1);
	check("init", "write", w == sizeof(msg) - 1, "ret=%d", w);
}

/* ---- syscalls ---- */
static u32 echo_hash(int n, u32 sp, u32 tp, int nr, const u32 *a)
{
	u32 w[10] = {n, sp, tp, nr};
	for (int i = 0; i < n; i++)
		w[4 + i] = a[i];
	return fnv1a(w, 4 * (4 + n), 2166136261u);
}

static void __attribute__((noinline)) do_syscalls(void)
{
	static const u32 a[6] = {0x11111111, 0x22222222, 0x80000003, 0xfffffff4, 5, 0x7fffffff};
	u32 r[7], e[7];
	u32 sp = get_sp(), tp = get_tls();
	r[0] = sc0(NR_CONF_ECHO);
	r[1] = sc1(NR_CONF_ECHO, a[0]);
	r[2] = sc2(NR_CONF_ECHO, a[0], a[1]);
	r[3] = sc3(NR_CONF_ECHO, a[0], a[1], a[2]);
	r[4] = sc4(NR_CONF_ECHO, a[0], a[1], a[2], a[3]);
	r[5] = sc5(NR_CONF_ECHO, a[0], a[1], a[2], a[3], a[4]);
	r[6] = sc6(NR_CONF_ECHO, a[0], a[1], a[2], a[3], a[4], a[5]);
	static const char *names[] = {"wasm_syscall_0", "wasm_syscall_1", "wasm_syscall_2", "wasm_syscall_3",
				      "wasm_syscall_4", "wasm_syscall_5", "wasm_syscall_6"};
	for (int n = 0; n < 7; n++) {
		e[n] = echo_hash(n, sp, tp, NR_CONF_ECHO, a);
		int distinct = 1;
		for (int m = 0; m < n; m++)
			if (r[m] == r[n])
				distinct = 0;
		check("syscalls", names[n], r[n] == e[n] && distinct, "ret=%x expected=%x sp=%x tp=%x", r[n], e[n], sp, tp);
	}
	check("syscalls", "sp_unchanged", get_sp() == sp && get_tls() == tp, "");
	check("syscalls", "getpid", getpid() == query(Q_PID, 0, 0) && getpid() > 0, "pid=%d", getpid());
	int u = sc0(999);
	check("syscalls", "unknown_enosys", u == -38, "ret=%d", u);
	int f = sc6(223, 3, 0, 1, 0, 2, 0);
	check("enosys", "user_fadvise64_64", f == -38, "ret=%d", f);
	int s = sc0(81);
	check("enosys", "user_sync", s == -38, "ret=%d", s);
	int l = sc3(445, 3, 1, 0);
	check("enosys", "user_landlock_add_rule", l == -38, "ret=%d", l);
	int d = sc4(18, 0x1234, 0, 0, 16);
	check("enosys", "user_lookup_dcookie", d == -38, "ret=%d", d);
}

/* ---- clone ---- */
static volatile int parent_set, shared_v, shared_v2;
static int cookie;
static char cstack[16384] __attribute__((aligned(16)));
static char tlsblk[64] __attribute__((aligned(16)));

static int vfork_child(void *arg)
{
	int pcpu = cookie;
	int cpu = query(Q_CPU, 0, 0);
	check("clone", "vfork_child_arg", arg == &cookie, "arg=%x", (u32)arg);
	check("clone", "vfork_child_shared_data", parent_set == 0x1111, "parent_set=%x", parent_set);
	check("clone", "vfork_child_tls", tls_var == 77, "tls_var=%d", tls_var);
	check("clone", "vfork_child_other_cpu", cpu != pcpu, "child_cpu=%d parent_cpu=%d", cpu, pcpu);
	shared_v = 0x2222;
	return 42;
}

static int stack_child(void *arg)
{
	u32 sp = get_sp();
	check("clone", "settls_child_arg", arg == &cookie, "");
	check("clone", "settls_child_tls_base", get_tls() == (u32)tlsblk, "tls=%x expected=%x", get_tls(), (u32)tlsblk);
	check("clone", "settls_child_tls_var", tls_var == 99, "tls_var=%d", tls_var);
	check("clone", "settls_child_stack", sp > (u32)cstack && sp <= (u32)cstack + sizeof(cstack), "sp=%x", sp);
	shared_v2 = 0x3333;
	return 43;
}

static void do_clone(void)
{
	int status = -1;
	cookie = query(Q_CPU, 0, 0); /* the parent's CPU, also passed as arg */
	parent_set = 0x1111;
	tls_var = 77;
	/* (a) stack NULL + vfork style */
	int pid = __clone(vfork_child, NULL, CLONE_VM | CLONE_VFORK | SIGCHLD, &cookie, 0, 0, 0);
	check("clone", "vfork_parent_resumed", pid > 0 && shared_v == 0x2222, "pid=%d shared_v=%x", pid, shared_v);
	int w = wait4(pid, &status);
	check("clone", "vfork_wait_status", w == pid && status == (42 << 8), "wait=%d status=%x", w, status);
	/* (b) explicit stack + CLONE_SETTLS */
	u32 tb = get_tls();
	u32 sz = __builtin_wasm_tls_size();
	memcpy(tlsblk, (void *)tb, sz);
	*(int *)(tlsblk + ((u32)&tls_var - tb)) = 99;
	pid = __clone(stack_child, cstack + sizeof(cstack), CLONE_VM | CLONE_SETTLS | SIGCHLD, &cookie, 0, tlsblk, 0);
	status = -1;
	w = wait4(pid, &status);
	check("clone", "settls_wait_status", w == pid && status == (43 << 8) && shared_v2 == 0x3333,
	      "wait=%d status=%x shared_v2=%x", w, status, shared_v2);
	check("clone", "parent_tls_intact", tls_var == 77 && get_tls() == tb, "tls_var=%d", tls_var);
}

/* ---- exec ---- */
static void do_exec(void)
{
	static const char *const argv[] = {"conf_b", "exec", "from_a", NULL};
	static const char *const envp[] = {"FROM=A", NULL};
	int r = execve("/bin/conf_b", argv, envp);
	check("exec", "marker_after_execve", 0, "old program continued after execve (ret=%d)", r);
	sys_exit(1);
}

static void do_execself(void)
{
	modified = 1234;
	tls_var = 55;
	static const char *const argv[] = {"conf_a", "fresh", NULL};
	static const char *const envp[] = {"HOME=/", NULL};
	int r = execve("/bin/conf_a", argv, envp);
	check("exec", "marker_after_self_execve", 0, "old program continued after execve (ret=%d)", r);
	sys_exit(1);
}

/* exec of an image binfmt accepts (its dylink.0 section is intact) but the
   host cannot compile: execve is past its point of no return, so the task
   must die with SIGILL through raise_exception, and this code never runs
   again */
static void do_execbad(void)
{
	static const char *const argv[] = {"conf_corrupt", NULL};
	static const char *const envp[] = {NULL};
	int r = execve("/bin/conf_corrupt", argv, envp);
	check("exec", "marker_after_bad_execve", 0, "old program continued after execve (ret=%d)", r);
	sys_exit(1);
}

static void do_fresh(void)
{
	startup_checks("exec");
	check("exec", "self_fresh_data", modified == 0 && init_data == 42 && tls_var == 5 && data_ptr == &init_data,
	      "modified=%d tls_var=%d", modified, tls_var);
	check("exec", "self_argv", g_argc == 2 && !strcmp(g_argv[1], "fresh") && auxv_ok(), "");
}

/* ---- signals ---- */
static volatile int h_count, h_sig, h_info_ok;
static char order[16];
static volatile int order_n;
static volatile u32 h_sp;

static void h1(int sig)
{
	h_count++;
	h_sig = sig;
	h_sp = get_sp();
}

static void h2(int sig, struct ksiginfo *info, void *uc)
{
	h_count++;
	h_sig = sig;
	h_info_ok = info && info->si_signo == sig && uc != NULL;
}

static void h3(int sig)
{
	(void)sig;
	order[order_n++] = 'a';
	kill(getpid(), 12); /* blocked by sa_mask: stays pending */
	order[order_n++] = 'b';
}

static void h4(int sig)
{
	(void)sig;
	order[order_n++] = 'c';
}

static void h5(int sig)
{
	(void)sig;
	order[order_n++] = 'x';
	int r = query(Q_RAISE_SELF, 12, 555); /* nested flow 1 inside a handler */
	order[order_n++] = r == 555 ? 'z' : '!';
}

static void h6(int sig)
{
	(void)sig;
	order[order_n++] = 'y';
}

static volatile int child_sig_ran;

static void h7(int sig)
{
	child_sig_ran = sig;
}

static int sig_child(void *arg)
{
	(void)arg;
	check("signal", "pending_at_ret_from_fork", child_sig_ran == 10, "handler ran before fn: %d", child_sig_ran);
	return 0;
}

static volatile int chld_count, usr1_count;
static void hchld(int sig) { chld_count += sig == SIGCHLD; }
static void husr1(int sig) { usr1_count += sig == 10; }

static int exit3_child(void *arg)
{
	(void)arg;
	return 3;
}

static void nsleep_ms(int ms)
{
	long long ts[2] = {0, (long long)ms * 1000000};
	sc2(101, (int)ts, 0); /* nanosleep */
}

/* sleeps, sends SIGUSR1 to the parent (blocked in wait4 by then), sleeps */
static int kick_child(void *arg)
{
	nsleep_ms(200);
	kill((int)arg, 10);
	nsleep_ms(100);
	return 0;
}

static void do_signal(void)
{
	u32 sp0, tp0;
	int r;
	/* flow 1 */
	sigaction1(10, h1, 0, 0);
	sp0 = get_sp();
	tp0 = get_tls();
	r = query(Q_RAISE_SELF, 10, 4242);
	check("signal", "flow1_result_preserved", r == 4242, "ret=%d", r);
	check("signal", "flow1_handler_ran", h_count == 1 && h_sig == 10 && h_sp < sp0, "count=%d sig=%d", h_count, h_sig);
	check("signal", "flow1_sp_tls_restored", get_sp() == sp0 && get_tls() == tp0, "sp=%x/%x", get_sp(), sp0);
	/* SA_SIGINFO, via kill() */
	h_count = 0;
	sigaction1(12, h2, SA_SIGINFO, 0);
	r = kill(getpid(), 12);
	check("signal", "siginfo_handler", r == 0 && h_count == 1 && h_sig == 12 && h_info_ok, "count=%d info_ok=%d",
	      h_count, h_info_ok);
	/* flow 3: SIGUSR2 blocked during SIGUSR1's handler, delivered at its rt_sigreturn */
	order_n = 0;
	sigaction1(10, h3, 0, 1u << 12);
	sigaction1(12, h4, 0, 0);
	sp0 = get_sp();
	r = query(Q_RAISE_SELF, 10, 777);
	order[order_n] = 0;
	check("signal", "flow3_nested_at_sigreturn", r == 777 && !strcmp(order, "abc") && get_sp() == sp0 &&
							  get_tls() == tp0,
	      "ret=%d order=%s", r, order);
	/* nested flow 1 inside a handler */
	order_n = 0;
	sigaction1(10, h5, 0, 0);
	sigaction1(12, h6, 0, 0);
	r = query(Q_RAISE_SELF, 10, 666);
	order[order_n] = 0;
	check("signal", "nested_flow1_in_handler", r == 666 && !strcmp(order, "xyz") && get_sp() == sp0, "ret=%d order=%s",
	      r, order);
	/* SIG_IGN */
	sigaction1(10, (void *)1, 0, 0);
	r = kill(getpid(), 10);
	check("signal", "ignored", r == 0, "");
	/* signal pending at ret_from_fork of a fresh clone child */
	sigaction1(10, h7, 0, 0);
	child_sig_ran = 0;
	query(Q_CLONE_PENDING, 10, 0);
	int pid = __clone(sig_child, cstack + sizeof(cstack), CLONE_VM | SIGCHLD, &cookie, 0, 0, 0);
	int status = -1;
	int w = wait4(pid, &status);
	check("signal", "pending_child_exit", w == pid && status == 0, "status=%x", status);
	/* SIGCHLD: queued to the parent at the child's exit, delivered by the
	   time wait4 returns, the result preserved */
	sigaction1(SIGCHLD, hchld, 0, 0);
	chld_count = 0;
	pid = __clone(exit3_child, cstack + sizeof(cstack), CLONE_VM | SIGCHLD, NULL, 0, 0, 0);
	status = -1;
	w = wait4(pid, &status);
	check("signal", "sigchld_by_wait4_return", w == pid && status == 0x300 && chld_count == 1,
	      "ret=%d status=%x chld=%d", w, status, chld_count);
	/* a handled signal interrupts a blocking wait4: EINTR (no SA_RESTART);
	   the next wait4 reaps the child, and its SIGCHLD arrives */
	sigaction1(10, husr1, 0, 0);
	usr1_count = 0;
	chld_count = 0;
	pid = __clone(kick_child, cstack + sizeof(cstack), CLONE_VM | SIGCHLD, (void *)getpid(), 0, 0, 0);
	int w1 = wait4(pid, &status);
	int u1 = usr1_count;
	w = wait4(pid, &status);
	check("signal", "wait4_eintr", w1 == -4 && u1 == 1 && w == pid && status == 0 && chld_count == 1,
	      "first=%d usr1=%d second=%d status=%x chld=%d", w1, u1, w, status, chld_count);
	sigaction1(SIGCHLD, (void *)0, 0, 0);
}

static void hx(int sig)
{
	(void)sig;
	static const char *const argv[] = {"conf_b", "sigexec", NULL};
	static const char *const envp[] = {NULL};
	int r = execve("/bin/conf_b", argv, envp);
	check("signal", "marker_after_handler_execve", 0, "execve in handler returned %d", r);
	sys_exit(1);
}

static void do_sigexec(void)
{
	sigaction1(10, hx, 0, 0);
	query(Q_RAISE_SELF, 10, 0);
	check("signal", "marker_after_sigexec", 0, "returned from a handler that exec'ed");
	sys_exit(1);
}

/* ---- exceptions ---- */
static void hill(int sig)
{
	check("exceptions", "sigill_handler_ran", sig == 4, "sig=%d raise_count=%d", sig, query(Q_RAISE_COUNT, 0, 0));
}

/* ---- fork + exec benchmark ---- */
static int fe_child(void *arg)
{
	(void)arg;
	static const char *const argv[] = {"conf_b", "nop", NULL};
	static const char *const envp[] = {NULL};
	execve("/bin/conf_b", argv, envp);
	return 127;
}

static int atoi(const char *s)
{
	int v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

void cstart(u32 sp)
{
	parse_start(sp);
	const char *m = mode();
	if (!strcmp(m, "init"))
		do_init();
	else if (!strcmp(m, "syscalls"))
		do_syscalls();
	else if (!strcmp(m, "clone"))
		do_clone();
	else if (!strcmp(m, "exec"))
		do_exec();
	else if (!strcmp(m, "execself"))
		do_execself();
	else if (!strcmp(m, "execbad"))
		do_execbad();
	else if (!strcmp(m, "fresh"))
		do_fresh();
	else if (!strcmp(m, "signal"))
		do_signal();
	else if (!strcmp(m, "sigexec"))
		do_sigexec();
	else if (!strcmp(m, "trap")) {
		check("exceptions", "trap_reached", 1, "executing unreachable");
		__builtin_trap();
	} else if (!strcmp(m, "abort")) {
		check("exceptions", "abort_reached", 1, "calling __wasm_abort");
		__wasm_abort();
		check("exceptions", "abort_returned", 0, "__wasm_abort returned");
	} else if (!strcmp(m, "sigill")) {
		sigaction1(4, hill, 0, 0);
		check("exceptions", "sigill_trap_reached", 1, "executing unreachable with a SIGILL handler");
		__builtin_trap();
	} else if (!strcmp(m, "forkexec")) {
		int n = g_argc > 2 ? atoi(g_argv[2]) : 1;
		for (int i = 0; i < n; i++) {
			int pid = __clone(fe_child, NULL, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL, 0, 0, 0);
			int status = -1;
			if (pid <= 0 || wait4(pid, &status) != pid || status != 0)
				sys_exit(1);
		}
	} else {
		check("user", "mode", 0, "unknown mode %s", m);
		sys_exit(2);
	}
	sys_exit(0);
}
