/*
 * crt.S for wasm64 conformance programs (the 7.0 generation's wasm64 kind,
 * gen2-interface-facts.md sections 4 and 8): the same entries with the
 * wasm64 types. __stack_pointer, __tls_base and the syscall words are i64,
 * the clone block and the signal frame header hold pointer-sized words
 * (+0/+8; signo +0, siginfo* +8, ucontext* +16, handler +24), and function
 * pointers index clang-19's table64 with i64. The C side keeps its int
 * syscall words (the kernel's memory is below 4 GiB), widened here.
 */
.globaltype __stack_pointer, i64
.globaltype __tls_base, i64
.tabletype __indirect_function_table, funcref

.functype __wasm_syscall_0 (i64, i64, i64) -> (i64)
.functype __wasm_syscall_1 (i64, i64, i64, i64) -> (i64)
.functype __wasm_syscall_2 (i64, i64, i64, i64, i64) -> (i64)
.functype __wasm_syscall_3 (i64, i64, i64, i64, i64, i64) -> (i64)
.functype __wasm_syscall_4 (i64, i64, i64, i64, i64, i64, i64) -> (i64)
.functype __wasm_syscall_5 (i64, i64, i64, i64, i64, i64, i64, i64) -> (i64)
.functype __wasm_syscall_6 (i64, i64, i64, i64, i64, i64, i64, i64, i64) -> (i64)
.functype cstart (i32) -> ()

/* _start: hand the exact initial stack pointer (address of argc) to C */
	.section .text._start,"",@
	.globl _start
	.type _start,@function
_start:
	.functype _start () -> ()
	global.get __stack_pointer
	i32.wrap_i64
	call cstart
	unreachable
	end_function

	.section .text.__set_tls_base,"",@
	.globl __set_tls_base
	.type __set_tls_base,@function
__set_tls_base:
	.functype __set_tls_base (i64) -> ()
	local.get 0
	global.set __tls_base
	end_function

/* clone child entry: pop fn (+0) and arg (+8) from the 16-byte block at the
   stack pointer, call fn(arg), exit (nr 93) with its result */
	.section .text.__libc_clone_callback,"",@
	.globl __libc_clone_callback
	.type __libc_clone_callback,@function
__libc_clone_callback:
	.functype __libc_clone_callback () -> (i32)
	.local i64, i32
	global.get __stack_pointer
	local.set 0
	local.get 0
	i64.const 16
	i64.add
	global.set __stack_pointer
	local.get 0
	i64.load 8
	local.get 0
	i64.load 0
	call_indirect __indirect_function_table, (i64) -> (i32)
	local.set 1
	global.get __stack_pointer
	global.get __tls_base
	i64.const 93
	local.get 1
	i64.extend_i32_s
	call __wasm_syscall_1
	drop
	unreachable
	end_function

/* signal entry: frame header at the stack pointer: signo (i32 + 4 bytes of
   padding), siginfo*, ucontext*, handler; 3 arguments iff ucontext != 0;
   then rt_sigreturn (nr 139) */
	.section .text.__libc_handle_signal,"",@
	.globl __libc_handle_signal
	.type __libc_handle_signal,@function
__libc_handle_signal:
	.functype __libc_handle_signal () -> ()
	.local i64
	global.get __stack_pointer
	local.set 0
	local.get 0
	i64.load 16
	i64.eqz
	if
	local.get 0
	i32.load 0
	local.get 0
	i64.load 24
	call_indirect __indirect_function_table, (i32) -> ()
	else
	local.get 0
	i32.load 0
	local.get 0
	i64.load 8
	local.get 0
	i64.load 16
	local.get 0
	i64.load 24
	call_indirect __indirect_function_table, (i32, i64, i64) -> ()
	end_if
	global.get __stack_pointer
	global.get __tls_base
	i64.const 139
	call __wasm_syscall_0
	drop
	unreachable
	end_function

/* __clone(fn, stack, flags, arg, ptid, tls, ctid): push fn/arg onto the child
   stack (the parent's own stack when stack is NULL) and pass that pointer */
	.section .text.__clone,"",@
	.globl __clone
	.type __clone,@function
__clone:
	.functype __clone (i64, i64, i32, i64, i64, i64, i64) -> (i32)
	.local i64
	local.get 1
	i64.eqz
	if
	global.get __stack_pointer
	local.set 1
	end_if
	local.get 1
	i64.const 16
	i64.sub
	i64.const -16
	i64.and
	local.set 7
	local.get 7
	local.get 0
	i64.store 0
	local.get 7
	local.get 3
	i64.store 8
	global.get __stack_pointer
	global.get __tls_base
	i64.const 220
	local.get 2
	i64.extend_i32_u
	local.get 7
	local.get 4
	local.get 5
	local.get 6
	call __wasm_syscall_5
	i32.wrap_i64
	end_function

	.section .text.get_sp,"",@
	.globl get_sp
	.type get_sp,@function
get_sp:
	.functype get_sp () -> (i32)
	global.get __stack_pointer
	i32.wrap_i64
	end_function

	.section .text.get_tls,"",@
	.globl get_tls
	.type get_tls,@function
get_tls:
	.functype get_tls () -> (i32)
	global.get __tls_base
	i32.wrap_i64
	end_function

/* sc0(nr, ...): syscall with the caller's sp and tp */
	.section .text.sc0,"",@
	.globl sc0
	.type sc0,@function
sc0:
	.functype sc0 (i32) -> (i32)
	global.get __stack_pointer
	global.get __tls_base
	local.get 0
	i64.extend_i32_s
	call __wasm_syscall_0
	i32.wrap_i64
	end_function

/* sc1(nr, ...): syscall with the caller's sp and tp */
	.section .text.sc1,"",@
	.globl sc1
	.type sc1,@function
sc1:
	.functype sc1 (i32, i32) -> (i32)
	global.get __stack_pointer
	global.get __tls_base
	local.get 0
	i64.extend_i32_s
	local.get 1
	i64.extend_i32_s
	call __wasm_syscall_1
	i32.wrap_i64
	end_function

/* sc2(nr, ...): syscall with the caller's sp and tp */
	.section .text.sc2,"",@
	.globl sc2
	.type sc2,@function
sc2:
	.functype sc2 (i32, i32, i32) -> (i32)
	global.get __stack_pointer
	global.get __tls_base
	local.get 0
	i64.extend_i32_s
	local.get 1
	i64.extend_i32_s
	local.get 2
	i64.extend_i32_s
	call __wasm_syscall_2
	i32.wrap_i64
	end_function

/* sc3(nr, ...): syscall with the caller's sp and tp */
	.section .text.sc3,"",@
	.globl sc3
	.type sc3,@function
sc3:
	.functype sc3 (i32, i32, i32, i32) -> (i32)
	global.get __stack_pointer
	global.get __tls_base
	local.get 0
	i64.extend_i32_s
	local.get 1
	i64.extend_i32_s
	local.get 2
	i64.extend_i32_s
	local.get 3
	i64.extend_i32_s
	call __wasm_syscall_3
	i32.wrap_i64
	end_function

/* sc4(nr, ...): syscall with the caller's sp and tp */
	.section .text.sc4,"",@
	.globl sc4
	.type sc4,@function
sc4:
	.functype sc4 (i32, i32, i32, i32, i32) -> (i32)
	global.get __stack_pointer
	global.get __tls_base
	local.get 0
	i64.extend_i32_s
	local.get 1
	i64.extend_i32_s
	local.get 2
	i64.extend_i32_s
	local.get 3
	i64.extend_i32_s
	local.get 4
	i64.extend_i32_s
	call __wasm_syscall_4
	i32.wrap_i64
	end_function

/* sc5(nr, ...): syscall with the caller's sp and tp */
	.section .text.sc5,"",@
	.globl sc5
	.type sc5,@function
sc5:
	.functype sc5 (i32, i32, i32, i32, i32, i32) -> (i32)
	global.get __stack_pointer
	global.get __tls_base
	local.get 0
	i64.extend_i32_s
	local.get 1
	i64.extend_i32_s
	local.get 2
	i64.extend_i32_s
	local.get 3
	i64.extend_i32_s
	local.get 4
	i64.extend_i32_s
	local.get 5
	i64.extend_i32_s
	call __wasm_syscall_5
	i32.wrap_i64
	end_function

/* sc6(nr, ...): syscall with the caller's sp and tp */
	.section .text.sc6,"",@
	.globl sc6
	.type sc6,@function
sc6:
	.functype sc6 (i32, i32, i32, i32, i32, i32, i32) -> (i32)
	global.get __stack_pointer
	global.get __tls_base
	local.get 0
	i64.extend_i32_s
	local.get 1
	i64.extend_i32_s
	local.get 2
	i64.extend_i32_s
	local.get 3
	i64.extend_i32_s
	local.get 4
	i64.extend_i32_s
	local.get 5
	i64.extend_i32_s
	local.get 6
	i64.extend_i32_s
	call __wasm_syscall_6
	i32.wrap_i64
	end_function
