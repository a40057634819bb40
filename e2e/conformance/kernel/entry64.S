/*
 * Entry points of the wasm64 conformance kernel (vmlinux-70-wasm64.wasm):
 * entry.S with the 7.0 generation's wasm64 types (gen2-interface-facts.md
 * sections 1 and 8). Every pointer the host passes or gets is i64; the C
 * side keeps its 32-bit words (the host keeps the memory below 4 GiB), so
 * these entries narrow and widen at the boundary. The flow word of
 * wasm_user_mode_tail and ret_from_fork's result stay i32.
 *
 * Every entry that starts a stack sets __stack_pointer explicitly (see
 * entry.S); _start_secondary takes the idle task itself, as on 7.0.
 */
#include "layout.h"

.globaltype __stack_pointer, i64

/* Per-instance user register image, read by the host via exports. */
.globaltype __user_stack_pointer, i64
__user_stack_pointer:
.globaltype __user_tls_base, i64
__user_tls_base:

.functype wasm_user_mode_tail (i32) -> ()
.functype start_kernel_c () -> ()
.functype start_secondary_c (i32) -> ()
.functype ret_from_fork_c (i64, i64) -> (i32)
.functype raise_exception_c () -> ()
.functype take_tail_flow () -> (i32)
.functype syscall_c (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32) -> (i32)

/* ---- init task block: 8 KiB aligned, stack below, task at the top ---- */
	.section .bss.init_thread_union,"",@
	.p2align 13
	.globl init_thread_union
init_thread_union:
	.skip THREAD_SIZE - TASK_SIZE
	.size init_thread_union, THREAD_SIZE - TASK_SIZE
	.globl init_task
init_task:
	.skip TASK_SIZE
	.size init_task, TASK_SIZE

	.section .text._start,"",@
	.globl _start
	.type _start,@function
_start:
	.functype _start () -> ()
	i64.const init_task
	global.set __stack_pointer
	call start_kernel_c
	end_function

	.section .text._start_secondary,"",@
	.globl _start_secondary
	.type _start_secondary,@function
_start_secondary:
	.functype _start_secondary (i64) -> ()
	local.get 0
	global.set __stack_pointer
	local.get 0
	i32.wrap_i64
	call start_secondary_c
	unreachable
	end_function

	.section .text.ret_from_fork,"",@
	.globl ret_from_fork
	.type ret_from_fork,@function
ret_from_fork:
	.functype ret_from_fork (i64, i64) -> (i32)
	.local i32, i32
	/* the new task's kernel stack grows down from just below its task struct */
	local.get 1
	global.set __stack_pointer
	local.get 0
	local.get 1
	call ret_from_fork_c
	local.set 2
	/* restore the kernel stack pointer before the user-mode tail */
	local.get 1
	global.set __stack_pointer
	call take_tail_flow
	local.tee 3
	if
	local.get 3
	call wasm_user_mode_tail
	end_if
	local.get 2
	end_function

	.section .text.raise_exception,"",@
	.globl raise_exception
	.type raise_exception,@function
raise_exception:
	.functype raise_exception () -> ()
	/* the failing code was unwound without epilogues: re-derive the stack
	   top (= task address) from whatever the stack pointer was */
	global.get __stack_pointer
	i64.const -8192		/* -THREAD_SIZE */
	i64.and
	i64.const 7168		/* THREAD_SIZE - TASK_SIZE */
	i64.add
	global.set __stack_pointer
	call raise_exception_c
	end_function

	.section .text.get_user_stack_pointer,"",@
	.globl get_user_stack_pointer
	.type get_user_stack_pointer,@function
get_user_stack_pointer:
	.functype get_user_stack_pointer () -> (i64)
	global.get __user_stack_pointer
	end_function

	.section .text.get_user_tls_base,"",@
	.globl get_user_tls_base
	.type get_user_tls_base,@function
get_user_tls_base:
	.functype get_user_tls_base () -> (i64)
	global.get __user_tls_base
	end_function

	.section .text.set_user_regs_asm,"",@
	.globl set_user_regs_asm
	.type set_user_regs_asm,@function
set_user_regs_asm:
	.functype set_user_regs_asm (i32, i32) -> ()
	local.get 0
	i64.extend_i32_u
	global.set __user_stack_pointer
	local.get 1
	i64.extend_i32_u
	global.set __user_tls_base
	end_function

	.section .text.get_stack_pointer_asm,"",@
	.globl get_stack_pointer_asm
	.type get_stack_pointer_asm,@function
get_stack_pointer_asm:
	.functype get_stack_pointer_asm () -> (i32)
	global.get __stack_pointer
	i32.wrap_i64
	end_function

/*
 * wasm_syscall_N(sp, tp, nr, a0..a(N-1)), all i64, written out for N = 0..6:
 * as in entry.S, with the words narrowed for syscall_c and its i32 result
 * sign-extended (-errno stays negative).
 */
	.section .text.wasm_syscall_0,"",@
	.globl wasm_syscall_0
	.type wasm_syscall_0,@function
wasm_syscall_0:
	.functype wasm_syscall_0 (i64, i64, i64) -> (i64)
	.local i64, i32, i32
	global.get __stack_pointer
	local.set 3
	i32.const 0
	local.get 0
	i32.wrap_i64
	local.get 1
	i32.wrap_i64
	local.get 2
	i32.wrap_i64
	i32.const 0
	i32.const 0
	i32.const 0
	i32.const 0
	i32.const 0
	i32.const 0
	call syscall_c
	local.set 4
	local.get 3
	global.set __stack_pointer
	call take_tail_flow
	local.tee 5
	if
	local.get 5
	call wasm_user_mode_tail
	end_if
	local.get 4
	i64.extend_i32_s
	end_function

	.section .text.wasm_syscall_1,"",@
	.globl wasm_syscall_1
	.type wasm_syscall_1,@function
wasm_syscall_1:
	.functype wasm_syscall_1 (i64, i64, i64, i64) -> (i64)
	.local i64, i32, i32
	global.get __stack_pointer
	local.set 4
	i32.const 1
	local.get 0
	i32.wrap_i64
	local.get 1
	i32.wrap_i64
	local.get 2
	i32.wrap_i64
	local.get 3
	i32.wrap_i64
	i32.const 0
	i32.const 0
	i32.const 0
	i32.const 0
	i32.const 0
	call syscall_c
	local.set 5
	local.get 4
	global.set __stack_pointer
	call take_tail_flow
	local.tee 6
	if
	local.get 6
	call wasm_user_mode_tail
	end_if
	local.get 5
	i64.extend_i32_s
	end_function

	.section .text.wasm_syscall_2,"",@
	.globl wasm_syscall_2
	.type wasm_syscall_2,@function
wasm_syscall_2:
	.functype wasm_syscall_2 (i64, i64, i64, i64, i64) -> (i64)
	.local i64, i32, i32
	global.get __stack_pointer
	local.set 5
	i32.const 2
	local.get 0
	i32.wrap_i64
	local.get 1
	i32.wrap_i64
	local.get 2
	i32.wrap_i64
	local.get 3
	i32.wrap_i64
	local.get 4
	i32.wrap_i64
	i32.const 0
	i32.const 0
	i32.const 0
	i32.const 0
	call syscall_c
	local.set 6
	local.get 5
	global.set __stack_pointer
	call take_tail_flow
	local.tee 7
	if
	local.get 7
	call wasm_user_mode_tail
	end_if
	local.get 6
	i64.extend_i32_s
	end_function

	.section .text.wasm_syscall_3,"",@
	.globl wasm_syscall_3
	.type wasm_syscall_3,@function
wasm_syscall_3:
	.functype wasm_syscall_3 (i64, i64, i64, i64, i64, i64) -> (i64)
	.local i64, i32, i32
	global.get __stack_pointer
	local.set 6
	i32.const 3
	local.get 0
	i32.wrap_i64
	local.get 1
	i32.wrap_i64
	local.get 2
	i32.wrap_i64
	local.get 3
	i32.wrap_i64
	local.get 4
	i32.wrap_i64
	local.get 5
	i32.wrap_i64
	i32.const 0
	i32.const 0
	i32.const 0
	call syscall_c
	local.set 7
	local.get 6
	global.set __stack_pointer
	call take_tail_flow
	local.tee 8
	if
	local.get 8
	call wasm_user_mode_tail
	end_if
	local.get 7
	i64.extend_i32_s
	end_function

	.section .text.wasm_syscall_4,"",@
	.globl wasm_syscall_4
	.type wasm_syscall_4,@function
wasm_syscall_4:
	.functype wasm_syscall_4 (i64, i64, i64, i64, i64, i64, i64) -> (i64)
	.local i64, i32, i32
	global.get __stack_pointer
	local.set 7
	i32.const 4
	local.get 0
	i32.wrap_i64
	local.get 1
	i32.wrap_i64
	local.get 2
	i32.wrap_i64
	local.get 3
	i32.wrap_i64
	local.get 4
	i32.wrap_i64
	local.get 5
	i32.wrap_i64
	local.get 6
	i32.wrap_i64
	i32.const 0
	i32.const 0
	call syscall_c
	local.set 8
	local.get 7
	global.set __stack_pointer
	call take_tail_flow
	local.tee 9
	if
	local.get 9
	call wasm_user_mode_tail
	end_if
	local.get 8
	i64.extend_i32_s
	end_function

	.section .text.wasm_syscall_5,"",@
	.globl wasm_syscall_5
	.type wasm_syscall_5,@function
wasm_syscall_5:
	.functype wasm_syscall_5 (i64, i64, i64, i64, i64, i64, i64, i64) -> (i64)
	.local i64, i32, i32
	global.get __stack_pointer
	local.set 8
	i32.const 5
	local.get 0
	i32.wrap_i64
	local.get 1
	i32.wrap_i64
	local.get 2
	i32.wrap_i64
	local.get 3
	i32.wrap_i64
	local.get 4
	i32.wrap_i64
	local.get 5
	i32.wrap_i64
	local.get 6
	i32.wrap_i64
	local.get 7
	i32.wrap_i64
	i32.const 0
	call syscall_c
	local.set 9
	local.get 8
	global.set __stack_pointer
	call take_tail_flow
	local.tee 10
	if
	local.get 10
	call wasm_user_mode_tail
	end_if
	local.get 9
	i64.extend_i32_s
	end_function

	.section .text.wasm_syscall_6,"",@
	.globl wasm_syscall_6
	.type wasm_syscall_6,@function
wasm_syscall_6:
	.functype wasm_syscall_6 (i64, i64, i64, i64, i64, i64, i64, i64, i64) -> (i64)
	.local i64, i32, i32
	global.get __stack_pointer
	local.set 9
	i32.const 6
	local.get 0
	i32.wrap_i64
	local.get 1
	i32.wrap_i64
	local.get 2
	i32.wrap_i64
	local.get 3
	i32.wrap_i64
	local.get 4
	i32.wrap_i64
	local.get 5
	i32.wrap_i64
	local.get 6
	i32.wrap_i64
	local.get 7
	i32.wrap_i64
	local.get 8
	i32.wrap_i64
	call syscall_c
	local.set 10
	local.get 9
	global.set __stack_pointer
	call take_tail_flow
	local.tee 11
	if
	local.get 11
	call wasm_user_mode_tail
	end_if
	local.get 10
	i64.extend_i32_s
	end_function
