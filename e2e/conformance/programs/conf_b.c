/* Conformance user program B: exec target. */
#include "ulib.h"
#include "common.h"

int b_data = 1000;
int *b_ptr = &b_data;
volatile int b_ctor;

__attribute__((constructor)) static void ctor(void) { b_ctor = getpid(); }

void cstart(u32 sp)
{
	parse_start(sp);
	const char *m = g_argc > 1 ? g_argv[1] : "";
	if (!strcmp(m, "nop"))
		sys_exit(0);
	const char *scen = !strcmp(m, "sigexec") ? "signal" : "exec";
	u32 ss = query(Q_START_STACK, 0, 0);
	check(scen, "target_start_sp", sp == ss && (sp & 4095) == 0, "sp=%x kernel_start_stack=%x", sp, ss);
	check(scen, "target_ctor", b_ctor == getpid(), "ctor=%d", b_ctor);
	check(scen, "target_data", b_data == 1000 && b_ptr == &b_data, "");
	check(scen, "target_auxv", auxv_ok() && args_above_sp(), "");
	if (!strcmp(m, "exec"))
		check(scen, "target_argv_envp", g_argc == 3 && !strcmp(g_argv[2], "from_a") && g_envp[0] &&
							!strcmp(g_envp[0], "FROM=A"),
		      "argc=%d", g_argc);
	else
		check(scen, "handler_exec_target_runs", g_argc == 2, "argc=%d", g_argc);
	sys_exit(7);
}
