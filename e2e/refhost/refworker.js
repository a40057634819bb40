// Reference host, worker side: TEST EQUIPMENT, not the product (README.md).
//
// One of these runs per CPU (its boot/idle task) and per kernel task, as in
// the original host (linux-wasm-host-abi.md 1.2, 1.4). It receives a single
// `init` message from the main thread (Appendix B) and from then on talks to
// the main thread only by postMessage: every switch, release, CPU start and
// console call is a message, and the worker parks on its own park cell
// (section 5.1) until the main thread wakes it. Console input is a
// synchronous round trip: post `console_read`, block until the main thread
// has copied the bytes and stored the count (section 2.13, the original's
// cost, bug 10.4).
'use strict';

// Control exceptions thrown by host imports through the kernel's and the
// user program's wasm frames (sections 2.7, 2.10, 6.5-6.7).
class Trap extends Error {
  constructor(kind) {
    super('trap: ' + kind);
    this.kind = kind;
  }
}

let memory = null;
let vm = null; // this worker's vmlinux instance exports
let lock = null; // Int32Array(1): the park cell's lock (0 idle, 1 wake pending)
let lastTask = null; // Uint32Array(1): the task that switched to us
let name = '';
// Program waiting to be started by the user runner: {module: Promise, data_start, table_start}.
let pending = null;
// The running user instance (null until the runner made one) and its
// __stack_pointer global.
let user = null;
let userSP = null;
// One 4-byte answer cell for console reads: -1 while the main thread has
// not answered.
const consoleAnswer = new Int32Array(new SharedArrayBuffer(4));

const bytes = () => new Uint8Array(memory.buffer); // fresh: memory grows
const log = (message) => postMessage({ method: 'log', message: name + ': ' + message });

function cString(p, max) {
  const m = bytes();
  let end = p;
  while (end < p + max && m[end] !== 0) end++;
  return new TextDecoder().decode(m.slice(p, end));
}

// park blocks until someone switched to this task and returns that task
// (section 5.1).
function park() {
  Atomics.wait(lock, 0, 0);
  Atomics.store(lock, 0, 0);
  return lastTask[0];
}

function programOf(bin_start, bin_end, data_start, table_start) {
  // Compile APIs refuse shared buffers: copy the image out (section 6.2).
  const copy = bytes().slice(bin_start >>> 0, bin_end >>> 0);
  const module = WebAssembly.compile(copy);
  module.catch(() => {}); // reported by the runner when it awaits it
  return { module, data_start: data_start >>> 0, table_start: table_start >>> 0 };
}

// deliverSignal runs the pending signal handler in the current user
// instance (section 6.7, flow 1), as a nested call while the interrupted
// syscall's frames stay on the stack.
function deliverSignal() {
  // As the original: no check for a missing instance (a signal at a fresh
  // clone child's ret_from_fork fails here; bug 10.14).
  userSP.value = vm.get_user_stack_pointer();
  user.exports.__set_tls_base(vm.get_user_tls_base());
  try {
    user.exports.__libc_handle_signal();
    throw new Error('__libc_handle_signal returned');
  } catch (e) {
    if (!(e instanceof Trap) || e.kind !== 'signal_return') throw e;
  }
  userSP.value = vm.get_user_stack_pointer();
  user.exports.__set_tls_base(vm.get_user_tls_base());
}

function hostImports(module) {
  const env = {
    memory,
    wasm_start_cpu(cpu, idle_task, start_stack) {
      if (cpu <= 0) throw new Error('wasm_start_cpu: bad cpu ' + cpu);
      postMessage({ method: 'start_secondary', cpu, idle_task: idle_task >>> 0, start_stack: start_stack >>> 0 });
    },
    wasm_stop_cpu(cpu) {
      postMessage({ method: 'stop_secondary', cpu });
    },
    wasm_create_and_run_task(prev, next, namePtr, bin_start, bin_end, data_start, table_start) {
      const user_executable = bin_start ? { bin_start: bin_start >>> 0, bin_end: bin_end >>> 0, data_start: data_start >>> 0, table_start: table_start >>> 0 } : null;
      postMessage({ method: 'create_and_run_task', prev_task: prev >>> 0, new_task: next >>> 0, name: cString(namePtr >>> 0, 16), user_executable });
      return park();
    },
    wasm_release_task(dead) {
      postMessage({ method: 'release_task', dead_task: dead >>> 0 });
    },
    wasm_serialize_tasks(prev, next) {
      postMessage({ method: 'serialize_tasks', prev_task: prev >>> 0, next_task: next >>> 0 });
      return park();
    },
    wasm_panic(msg) {
      log('Kernel panic: ' + cString(msg >>> 0, 4096));
      throw new Trap('panic');
    },
    wasm_dump_stacktrace(buf, max) {
      const b = new TextEncoder().encode(new Error().stack || '').subarray(0, Math.max(0, max - 1));
      const m = bytes();
      m.set(b, buf >>> 0);
      m[(buf >>> 0) + b.length] = 0;
    },
    wasm_load_executable(bin_start, bin_end, data_start, table_start) {
      pending = programOf(bin_start, bin_end, data_start, table_start);
    },
    wasm_user_mode_tail(flow) {
      switch (flow) {
        case -1: throw new Trap('reload_program');
        case 1: deliverSignal(); return;
        case 2: throw new Trap('signal_return');
        case 3: deliverSignal(); throw new Trap('signal_return');
        default: throw new Error('wasm_user_mode_tail called with unknown flow ' + flow);
      }
    },
    // Epoch time in whole microseconds, in ns, per worker (section 2.11; not
    // monotonic across workers, bug 10.13).
    wasm_cpu_clock_get_monotonic() {
      return BigInt(Math.round(1000 * (performance.timeOrigin + performance.now()))) * 1000n;
    },
    // Each chunk decoded on its own (bug 10.5) and posted as a string.
    wasm_driver_hvc_put(buf, count) {
      const chunk = bytes().slice(buf >>> 0, (buf >>> 0) + count);
      postMessage({ method: 'console_write', message: new TextDecoder().decode(chunk) });
      return count;
    },
    // A synchronous round trip to the main thread (bug 10.4).
    wasm_driver_hvc_get(buf, count) {
      Atomics.store(consoleAnswer, 0, -1);
      postMessage({ method: 'console_read', buffer: buf >>> 0, count, console_read_messenger: consoleAnswer });
      Atomics.wait(consoleAnswer, 0, -1);
      return Atomics.load(consoleAnswer, 0);
    },
  };
  // Every sys_* import is an unimplemented syscall: -ENOSYS (section 2.14).
  // A plain JS function fits every shape, () -> () included.
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module === 'env' && imp.kind === 'function' && imp.name.startsWith('sys_')) env[imp.name] = () => -38;
  }
  return { env };
}

// userImports is a user instance's import object (section 6.3).
function userImports(prog) {
  userSP = new WebAssembly.Global({ value: 'i32', mutable: true }, vm.get_user_stack_pointer());
  const env = {
    memory,
    __stack_pointer: userSP,
    __memory_base: new WebAssembly.Global({ value: 'i32', mutable: false }, prog.data_start),
    __table_base: new WebAssembly.Global({ value: 'i32', mutable: false }, prog.table_start),
    // Hard-coded as in the original (bug 10.2).
    __indirect_function_table: new WebAssembly.Table({ initial: 4096, element: 'anyfunc' }),
    __wasm_abort() { throw new WebAssembly.RuntimeError('abort'); },
  };
  for (let n = 0; n <= 6; n++) env['__wasm_syscall_' + n] = vm['wasm_syscall_' + n];
  return { env };
}

// runUser is the user runner (section 6.5): start the pending program (or,
// for a clone child, the parent's program at __libc_clone_callback), and
// start again whenever an exec unwinds it.
async function runUser(cloneChild) {
  for (;;) {
    const prog = pending;
    try {
      const module = await prog.module;
      const tls = vm.get_user_tls_base();
      user = new WebAssembly.Instance(module, userImports(prog));
      const ex = user.exports;
      ex.__wasm_apply_data_relocs();
      if (cloneChild) {
        ex.__set_tls_base(tls);
        cloneChild = false; // an exec inside the child starts at _start
        ex.__libc_clone_callback();
      } else {
        if (ex.__wasm_call_ctors) ex.__wasm_call_ctors();
        ex._start();
      }
      throw new Error('user program returned');
    } catch (e) {
      if (e instanceof Trap && e.kind === 'reload_program') continue;
      if (e instanceof Trap && e.kind === 'panic') return;
      log('user program: ' + (e && e.stack || e));
      try {
        vm.raise_exception();
      } catch (e2) {
        if (e2 instanceof Trap && e2.kind === 'reload_program') continue;
        if (!(e2 instanceof Trap && e2.kind === 'panic')) log('raise_exception: ' + (e2 && e2.stack || e2));
        return;
      }
      log('raise_exception() returned');
      return;
    }
  }
}

// kernelOnly runs kernel code that never returns normally (_start,
// _start_secondary) and reports how it ended.
function kernelOnly(f) {
  try {
    f();
    log('kernel entry returned');
  } catch (e) {
    if (e instanceof Trap && e.kind === 'panic') return;
    log('kernel: ' + (e && e.stack || e));
    try { vm.raise_exception(); } catch (e2) { log('raise_exception: ' + (e2 && e2.stack || e2)); }
  }
}

function startPrimary(msg) {
  postMessage({ method: 'start_primary', init_task: vm.init_task.value >>> 0 });
  // The command line after the one-time data initialisation (section 1.3),
  // at most 511 bytes and a NUL.
  const cmd = new TextEncoder().encode(msg.boot_cmdline).subarray(0, 511);
  let m = bytes();
  m.set(cmd, vm.boot_command_line.value);
  m[vm.boot_command_line.value + cmd.length] = 0;
  // The initrd right above the memory as it stands (section 4 step 7).
  const initrd = new Uint8Array(msg.initrd);
  const old = memory.grow(Math.ceil(initrd.length / 65536));
  const start = old * 65536;
  m = bytes();
  m.set(initrd, start);
  const dv = new DataView(memory.buffer);
  dv.setUint32(vm.initrd_start.value, start, true);
  dv.setUint32(vm.initrd_end.value, start + initrd.length, true);
  kernelOnly(() => {
    vm._start();
    throw new Error('could not allocate 16 pages');
  });
}

async function startTask(msg) {
  if (msg.user_executable) {
    const u = msg.user_executable;
    // As the original: the child copies and compiles the parent's program
    // itself, in its start-up (section 2.4, 6.2).
    pending = programOf(u.bin_start, u.bin_end, u.data_start, u.table_start);
  }
  let r;
  try {
    r = vm.ret_from_fork(msg.prev_task, msg.new_task);
  } catch (e) {
    if (e instanceof Trap && e.kind === 'reload_program') {
      r = 0; // exec'ed before ever returning: start the new program
    } else if (e instanceof Trap && e.kind === 'panic') {
      return;
    } else {
      log('ret_from_fork: ' + (e && e.stack || e));
      try { vm.raise_exception(); } catch (e2) { log('raise_exception: ' + (e2 && e2.stack || e2)); }
      return;
    }
  }
  if (!pending) {
    log('ret_from_fork returned ' + r + ' with no program loaded');
    return;
  }
  await runUser(r === 1);
}

onmessage = (ev) => {
  const msg = ev.data;
  if (msg.method !== 'init') return;
  name = msg.runner_name;
  memory = msg.memory;
  lock = msg.locks.lock;
  lastTask = msg.locks.last_task;
  try {
    vm = new WebAssembly.Instance(msg.vmlinux, hostImports(msg.vmlinux)).exports;
  } catch (e) {
    log('instantiating vmlinux: ' + (e && e.stack || e));
    return;
  }
  switch (msg.runner_type) {
    case 'primary_cpu': startPrimary(msg); break;
    case 'secondary_cpu': kernelOnly(() => vm._start_secondary(msg.start_stack)); break;
    case 'task': startTask(msg); break;
  }
};
