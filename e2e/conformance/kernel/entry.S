/*
 * Entry points of the conformance kernel (wasm assembly).
 *
 * Every entry that starts a stack sets __stack_pointer explicitly: the
 * linker-provided initial value is identical in every instance, so leaving it
 * would make all workers share one stack.  Entries called by the host after a
 * context was abandoned (raise_exception) re-derive the stack from the task.
 */
#include "layout.h"

.globaltype __stack_pointer, i32

/* Per-instance user register image, read by the host via exports. */
.globaltype __user_stack_pointer, i32
__user_stack_pointer:
.globaltype __user_tls_base, i32
__user_tls_base:

.functype wasm_user_mode_tail (i32) -> ()
.functype start_kernel_c () -> ()
.functype start_secondary_c (i32) -> ()
.functype ret_from_fork_c (i32, i32) -> (i32)
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
	i32.const init_task
	global.set __stack_pointer
	call start_kernel_c
	end_function

	.section .text._start_secondary,"",@
	.globl _start_secondary
	.type _start_secondary,@function
_start_secondary:
	.functype _start_secondary (i32) -> ()
	local.get 0
	global.set __stack_pointer
	local.get 0
	call start_secondary_c
	unreachable
	end_function

	.section .text.ret_from_fork,"",@
	.globl ret_from_fork
	.type ret_from_fork,@function
ret_from_fork:
	.functype ret_from_fork (i32, i32) -> (i32)
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
	i32.const -8192		/* -THREAD_SIZE */
	i32.and
	i32.const 7168		/* THREAD_SIZE - TASK_SIZE */
	i32.add
	global.set __stack_pointer
	call raise_exception_c
	end_function

	.section .text.get_user_stack_pointer,"",@
	.globl get_user_stack_pointer
	.type get_user_stack_pointer,@function
get_user_stack_pointer:
	.functype get_user_stack_pointer () -> (i32)
	global.get __user_stack_pointer
	end_function

	.section .text.get_user_tls_base,"",@
	.globl get_user_tls_base
	.type get_user_tls_base,@function
get_user_tls_base:
	.functype get_user_tls_base () -> (i32)
	global.get __user_tls_base
	end_function

	.section .text.set_user_regs_asm,"",@
	.globl set_user_regs_asm
	.type set_user_regs_asm,@function
set_user_regs_asm:
	.functype set_user_regs_asm (i32, i32) -> ()
	local.get 0
	global.set __user_stack_pointer
	local.get 1
	global.set __user_tls_base
	end_function

	.section .text.get_stack_pointer_asm,"",@
	.globl get_stack_pointer_asm
	.type get_stack_pointer_asm,@function
get_stack_pointer_asm:
	.functype get_stack_pointer_asm () -> (i32)
	global.get __stack_pointer
	end_function

/*
 * wasm_syscall_N(sp, tp, nr, a0..a(N-1)) (written out for N = 0..6): the C handler saves sp/tp in the
 * task's registers, runs the call, reloads __user_stack_pointer and
 * __user_tls_base; here the kernel stack pointer is restored, then the
 * user-mode tail is run if the kernel asked for it.
 */
	.section .text.wasm_syscall_0,"",@
	.globl wasm_syscall_0
	.type wasm_syscall_0,@function
wasm_syscall_0:
	.functype wasm_syscall_0 (i32, i32, i32) -> (i32)
	.local i32, i32, i32
	global.get __stack_pointer
	local.set 3
	i32.const 0
	local.get 0
	local.get 1
	local.get 2
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
	end_function

	.section .text.wasm_syscall_1,"",@
	.globl wasm_syscall_1
	.type wasm_syscall_1,@function
wasm_syscall_1:
	.functype wasm_syscall_1 (i32, i32, i32, i32) -> (i32)
	.local i32, i32, i32
	global.get __stack_pointer
	local.set 4
	i32.const 1
	local.get 0
	local.get 1
	local.get 2
	local.get 3
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
	end_function

	.section .text.wasm_syscall_2,"",@
	.globl wasm_syscall_2
	.type wasm_syscall_2,@function
wasm_syscall_2:
	.functype wasm_syscall_2 (i32, i32, i32, i32, i32) -> (i32)
	.local i32, i32, i32
	global.get __stack_pointer
	local.set 5
	i32.const 2
	local.get 0
	local.get 1
	local.get 2
	local.get 3
	local.get 4
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
	end_function

	.section .text.wasm_syscall_3,"",@
	.globl wasm_syscall_3
	.type wasm_syscall_3,@function
wasm_syscall_3:
	.functype wasm_syscall_3 (i32, i32, i32, i32, i32, i32) -> (i32)
	.local i32, i32, i32
	global.get __stack_pointer
	local.set 6
	i32.const 3
	local.get 0
	local.get 1
	local.get 2
	local.get 3
	local.get 4
	local.get 5
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
	end_function

	.section .text.wasm_syscall_4,"",@
	.globl wasm_syscall_4
	.type wasm_syscall_4,@function
wasm_syscall_4:
	.functype wasm_syscall_4 (i32, i32, i32, i32, i32, i32, i32) -> (i32)
	.local i32, i32, i32
	global.get __stack_pointer
	local.set 7
	i32.const 4
	local.get 0
	local.get 1
	local.get 2
	local.get 3
	local.get 4
	local.get 5
	local.get 6
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
	end_function

	.section .text.wasm_syscall_5,"",@
	.globl wasm_syscall_5
	.type wasm_syscall_5,@function
wasm_syscall_5:
	.functype wasm_syscall_5 (i32, i32, i32, i32, i32, i32, i32, i32) -> (i32)
	.local i32, i32, i32
	global.get __stack_pointer
	local.set 8
	i32.const 5
	local.get 0
	local.get 1
	local.get 2
	local.get 3
	local.get 4
	local.get 5
	local.get 6
	local.get 7
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
	end_function

	.section .text.wasm_syscall_6,"",@
	.globl wasm_syscall_6
	.type wasm_syscall_6,@function
wasm_syscall_6:
	.functype wasm_syscall_6 (i32, i32, i32, i32, i32, i32, i32, i32, i32) -> (i32)
	.local i32, i32, i32
	global.get __stack_pointer
	local.set 9
	i32.const 6
	local.get 0
	local.get 1
	local.get 2
	local.get 3
	local.get 4
	local.get 5
	local.get 6
	local.get 7
	local.get 8
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
	end_function

