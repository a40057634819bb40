/* Start-up checks shared by conf_a and conf_b (included once per program). */
static int g_argc;
static char **g_argv, **g_envp;
static unsigned long *g_auxv; /* unsigned long words: 8 bytes on wasm64 */
static u32 g_sp0;

static void parse_start(u32 sp)
{
	g_sp0 = sp;
	g_argc = *(int *)(unsigned long)sp;
	g_argv = (char **)(unsigned long)(sp + sizeof(long));
	g_envp = g_argv + g_argc + 1;
	char **e = g_envp;
	while (*e)
		e++;
	g_auxv = (unsigned long *)(e + 1);
}

static int auxv_ok(void)
{
	static const unsigned long want[] = {10, 1, 6, 4096, 11, 0, 12, 0, 13, 0, 14, 0, 23, 0, 0, 0};
	for (int i = 0; i < 16; i++)
		if (g_auxv[i] != want[i])
			return 0;
	return 1;
}

static int args_above_sp(void)
{
	for (int i = 0; i < g_argc; i++)
		if ((u32)g_argv[i] <= g_sp0)
			return 0;
	return 1;
}
