/*
 * The Linux 7.0-era generation of the interface (gen2-interface-facts.md),
 * built with -DCONF_GEN70 into vmlinux-70-wasm32.wasm. What differs from the
 * initial release lives here or behind CONF_GEN70 in kernel.h:
 *
 *  - wasm_start_cpu(cpu, idle_task), the new CPU entering
 *    _start_secondary(idle_task) (kernel.h, sched.c);
 *  - wasm_random_get_bytes: one call for 32 bytes on CPU 0 at the end of
 *    setup_arch (setup_boot_rng), into a kernel stack buffer;
 *  - no sys_* imports: cond_syscall aliases sys_ni_syscall, so the
 *    unimplemented syscalls answer -ENOSYS inside the kernel;
 *  - the boot grows memory to BOOT_MEM_PAGES (0x2000) in all, memory_end
 *    the total (kernel.h, main.c).
 *
 * Test equipment, not Linux.
 */
#include "kernel.h"

/* setup_boot_rng: the kernel WARNs when the result is not 32 and feeds a
   positive result to add_bootloader_randomness; boot goes on either way. */
void gen70_setup_boot_rng(int boot)
{
	/* u8 seed[32] on setup_arch's stack, here between guard words */
	struct {
		u32 pre[GUARD_WORDS];
		u8 seed[32];
		u32 post[GUARD_WORDS];
	} g;
	guard_set(g.pre);
	guard_set(g.post);
	u8 *seed = g.seed;
	memset(seed, 0, sizeof(g.seed));
	long n = wasm_random_get_bytes(seed, sizeof(g.seed));
	guard_check(g.pre, "random_get_bytes", "before", seed, sizeof(g.seed));
	guard_check(g.post, "random_get_bytes", "after", seed, sizeof(g.seed));
	if (n != (long)sizeof(g.seed))
		printk("WARNING: wasm_random_get_bytes returned %d, want 32\n", (int)n);
	int nonzero = 0;
	for (int i = 0; i < (int)sizeof(g.seed); i++)
		nonzero += seed[i] != 0;
	/* 32 random bytes are all zero once in 2^256 boots */
	if (boot)
		check("boot", "random_seed", n == 32 && nonzero > 0, "ret=%d nonzero=%d", (int)n, nonzero);
}

/* The host's limits (section 6): at most 65536 bytes per call, -1 above;
   the bytes beyond count are left alone. Not a call the kernel makes, but
   the runtime's contract. */
void gen70_random_scenario(void)
{
	/* guard words before and after the 65536 bytes handed over */
	u32 gsize = GUARD_WORDS * 4, size = gsize + 65536 + gsize;
	u8 *base = page_alloc(size, PAGE_SIZE);
	if (!base) {
		check("random", "alloc", 0, "no memory");
		return;
	}
	u8 *buf = base + gsize;
	u32 *pre = (u32 *)base, *post = (u32 *)(buf + 65536);
	guard_set(pre);
	guard_set(post);
	memset(buf, 0, 65536);
	long n = wasm_random_get_bytes(buf, 65536);
	guard_check(pre, "random_get_bytes", "before", buf, 65536);
	guard_check(post, "random_get_bytes", "after", buf, 65536);
	int zeros = 0;
	for (u32 i = 0; i < 65536; i++)
		zeros += buf[i] == 0;
	/* about 256 of 65536 random bytes are zero */
	check("random", "max", n == 65536 && zeros < 1024, "ret=%d zeros=%d", (int)n, zeros);
	memset(buf, 0, 65536);
	n = wasm_random_get_bytes(buf, 65537);
	check("random", "too_many", n == -1, "ret=%d", (int)n);
	int untouched = 1;
	for (u32 i = 0; i < 65536; i++)
		untouched &= buf[i] == 0;
	guard_check(pre, "random_get_bytes", "before", buf, 0);
	guard_check(post, "random_get_bytes", "after", buf, 0);
	check("random", "too_many_untouched", untouched, "bytes written for a refused count");
	n = wasm_random_get_bytes(buf, 0);
	check("random", "zero", n == 0, "ret=%d", (int)n);
	for (u32 i = 0; i < 65536; i++)
		untouched &= buf[i] == 0;
	guard_check(pre, "random_get_bytes", "before", buf, 0);
	check("random", "zero_untouched", untouched, "bytes written for count 0");
	page_free(base, size);
}

/* cond_syscall -> sys_ni_syscall: the dispatcher never calls it, the syscall
   returns -ENOSYS from inside the kernel. The numbers are those the initial
   build imports as sys_* (main.c's stub_nrs). */
static const int ni_nrs[] = {223, 81, 47, 60, 89, 84, 445, 18, 263, 231, 201, 198, 189, 219, 206};
#define NNI ((int)(sizeof(ni_nrs) / sizeof(ni_nrs[0])))

int sys_stub_dispatch(int nr, u32 *a, int *handled)
{
	(void)a;
	for (int i = 0; i < NNI; i++)
		if (ni_nrs[i] == nr) {
			*handled = 1;
			return -38;
		}
	*handled = 0;
	return 0;
}

int enosys_scenario(void)
{
	u32 a[6] = {3, 0xffffffffu, 0x7fffffffu, 0x12345678u, 0x80000000u, 1};
	for (int i = 0; i < NNI; i++) {
		int handled = 0;
		int r = sys_stub_dispatch(ni_nrs[i], a, &handled);
		check("enosys", "in_kernel", handled && r == -38, "nr=%d ret=%d", ni_nrs[i], r);
	}
	return 0;
}
