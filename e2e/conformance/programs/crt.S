/*
 * Minimal libc entry glue for the conformance user programs, behaving like
 * musl's wasm port as described in the host ABI (sections 6.5 and 6.7).
 */
.globaltype __stack_pointer, i32
.globaltype __tls_base, i32

.functype __wasm_syscall_0 (i32, i32, i32) -> (i32)
.functype __wasm_syscall_1 (i32, i32, i32, i32) -> (i32)
.functype __wasm_syscall_2 (i32, i32, i32, i32, i32) -> (i32)
.functype __wasm_syscall_3 (i32, i32, i32, i32, i32, i32) -> (i32)
.functype __wasm_syscall_4 (i32, i32, i32, i32, i32, i32, i32) -> (i32)
.functype __wasm_syscall_5 (i32, i32, i32, i32, i32, i32, i32, i32) -> (i32)
.functype __wasm_syscall_6 (i32, i32, i32, i32, i32, i32, i32, i32, i32) -> (i32)
.functype cstart (i32) -> ()

/* _start: hand the exact initial stack pointer (address of argc) to C */
	.section .text._start,"",@
	.globl _start
	.type _start,@function
_start:
	.functype _start () -> ()
	global.get __stack_pointer
	call cstart
	unreachable
	end_function

	.section .text.__set_tls_base,"",@
	.globl __set_tls_base
	.type __set_tls_base,@function
__set_tls_base:
	.functype __set_tls_base (i32) -> ()
	local.get 0
	global.set __tls_base
	end_function

/* clone child entry: pop fn (+0) and arg (+4) from the 16-byte block at the
   stack pointer, call fn(arg), exit (nr 93) with its result */
	.section .text.__libc_clone_callback,"",@
	.globl __libc_clone_callback
	.type __libc_clone_callback,@function
__libc_clone_callback:
	.functype __libc_clone_callback () -> (i32)
	.local i32, i32
	global.get __stack_pointer
	local.set 0
	local.get 0
	i32.const 16
	i32.add
	global.set __stack_pointer
	local.get 0
	i32.load 4
	local.get 0
	i32.load 0
	call_indirect (i32) -> (i32)
	local.set 1
	global.get __stack_pointer
	global.get __tls_base
	i32.const 93
	local.get 1
	call __wasm_syscall_1
	drop
	unreachable
	end_function

/* signal entry: frame header at the stack pointer: signo, siginfo*, ucontext*,
   handler; 3 arguments iff ucontext != 0; then rt_sigreturn (nr 139) */
	.section .text.__libc_handle_signal,"",@
	.globl __libc_handle_signal
	.type __libc_handle_signal,@function
__libc_handle_signal:
	.functype __libc_handle_signal () -> ()
	.local i32
	global.get __stack_pointer
	local.set 0
	local.get 0
	i32.load 8
	if
	local.get 0
	i32.load 0
	local.get 0
	i32.load 4
	local.get 0
	i32.load 8
	local.get 0
	i32.load 12
	call_indirect (i32, i32, i32) -> ()
	else
	local.get 0
	i32.load 0
	local.get 0
	i32.load 12
	call_indirect (i32) -> ()
	end_if
	global.get __stack_pointer
	global.get __tls_base
	i32.const 139
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
	.functype __clone (i32, i32, i32, i32, i32, i32, i32) -> (i32)
	.local i32
	local.get 1
	i32.eqz
	if
	global.get __stack_pointer
	local.set 1
	end_if
	local.get 1
	i32.const 16
	i32.sub
	i32.const -16
	i32.and
	local.set 7
	local.get 7
	local.get 0
	i32.store 0
	local.get 7
	local.get 3
	i32.store 4
	global.get __stack_pointer
	global.get __tls_base
	i32.const 220
	local.get 2
	local.get 7
	local.get 4
	local.get 5
	local.get 6
	call __wasm_syscall_5
	end_function

	.section .text.get_sp,"",@
	.globl get_sp
	.type get_sp,@function
get_sp:
	.functype get_sp () -> (i32)
	global.get __stack_pointer
	end_function

	.section .text.get_tls,"",@
	.globl get_tls
	.type get_tls,@function
get_tls:
	.functype get_tls () -> (i32)
	global.get __tls_base
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
	call __wasm_syscall_0
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
	local.get 1
	call __wasm_syscall_1
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
	local.get 1
	local.get 2
	call __wasm_syscall_2
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
	local.get 1
	local.get 2
	local.get 3
	call __wasm_syscall_3
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
	local.get 1
	local.get 2
	local.get 3
	local.get 4
	call __wasm_syscall_4
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
	local.get 1
	local.get 2
	local.get 3
	local.get 4
	local.get 5
	call __wasm_syscall_5
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
	local.get 1
	local.get 2
	local.get 3
	local.get 4
	local.get 5
	local.get 6
	call __wasm_syscall_6
	end_function
