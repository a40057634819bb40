// Bootstrap of every gohost Web Worker. It only wires modules together at
// start-up; afterwards Go (gohost-worker.wasm) runs the worker and calls back
// here for rare events only (program loading, instantiation, diagnostics).
// Nothing here runs per context switch, syscall, console poll or clock read.
//
// Two messages start a worker. 'go' starts its Go runtime as soon as the
// worker exists, before any machine does (the host keeps a stock of such
// workers, so that a boot does not wait for Go to start); Go reaches the
// hostmem helper through a forwarder whose table is still empty. 'machine'
// then instantiates hostmem on the machine's memories, fills that table, adds
// the shims and the kernel, and hands the worker to Go for good.
'use strict';
// make build puts wasm_exec.js in front of this file (gohost-worker.js, the
// script the host starts its workers with); loaded alone, this file fetches it.
if (typeof Go !== 'function') importScripts('wasm_exec.js');

self.onmessage = (e) => {
  try {
    if (e.data.kind === 'go') {
      startGo(e.data);
    } else if (e.data.kind === 'machine') {
      self.onmessage = null;
      startMachine(e.data);
    }
  } catch (err) {
    // Reported to the page through the worker's error event.
    setTimeout(() => { throw err; });
  }
};

const tag = new WebAssembly.Tag({ parameters: ['i32'] });
const targets = [];
let lastError = null;
let goInstance = null;
let hostmemTable = null;
let hostmemNames = null;

function startGo(d) {
  // The hostmem forwarder: Go's gohost_mem imports, calling through a table
  // that startMachine fills.
  hostmemNames = d.hostmemNames;
  hostmemTable = new WebAssembly.Table({ element: 'anyfunc', initial: hostmemNames.length });
  const forwarder = new WebAssembly.Instance(d.forwarderModule, { env: { hostmem: hostmemTable } });

  // Go. `call` is the guard through which Go enters wasm code: it returns
  // the callee's result as an unsigned number, or -code when a shim's unwind
  // exception (or a trap, as code 5) ended the call. Go frames therefore never
  // see an exception.
  const TRAP = 5;
  const go = new Go();
  go.importObject.gohost_mem = forwarder.exports;
  go.importObject.gohost_js = {
    call(slot, a, b, c, dd, ee) {
      try {
        const r = targets[slot](a, b, c, dd, ee);
        // Number(): a wasm64 kernel's i64 results arrive as BigInts (below
        // 2^32: the kernel's memory stays under 4 GiB).
        return r === undefined ? 0 : Number(r) >>> 0;
      } catch (err) {
        if (err instanceof WebAssembly.Exception && err.is(tag)) {
          return -err.getArg(tag, 0);
        }
        lastError = err;
        return -TRAP;
      }
    },
  };
  goInstance = new WebAssembly.Instance(d.goModule, go.importObject);
  self.gohostWorker = {
    lastError() { return lastError === null ? null : String(lastError && lastError.stack || lastError); },
    stack() { return String(new Error('wasm_dump_stacktrace').stack); },
  };
  // Go's main sets gohostWorker.assign and waits for it to be called.
  go.run(goInstance);
}

function startMachine(d) {
  const memory = d.memory;
  if (!self.gohostWorker || typeof self.gohostWorker.assign !== 'function') {
    throw new Error('the worker\'s Go runtime did not start');
  }

  // 1. hostmem: atomics on the bridge memory, bridge<->kernel copies, clock;
  // from now on Go's forwarder reaches it.
  const hostmem = new WebAssembly.Instance(d.hostmemModule, {
    env: {
      now: performance.now.bind(performance),
      origin: new WebAssembly.Global({ value: 'f64', mutable: false }, performance.timeOrigin),
      bridge: d.bridge,
      memory,
    },
  });
  hostmemNames.forEach((name, i) => hostmemTable.set(i, hostmem.exports[name]));

  // 2. Throw shims for the imports that may unwind, importing Go's exports.
  const shims = new WebAssembly.Instance(d.shimsModule, {
    gohost_go: goInstance.exports,
    gohost_js: { unwind: tag },
  });

  // 3. The kernel: its host imports are Go's exports (or their shims), its
  // unimplemented syscalls answer -ENOSYS (2.14). hostImpls[i] names the
  // export implementing hostImports[i]: an import whose type a kernel
  // generation changed has its own (abi.Symbol.Impl).
  // A wasm64 kernel (gen2-interface-facts.md section 8) takes and returns
  // BigInts wherever it has i64: its entry points Go calls through the guard
  // take i64 only (pointers, the syscall words), so wide() gives them Go's
  // 32-bit words as BigInts. Entry calls only, never per switch or syscall.
  const wasm64 = d.wasm64 === true;
  const wide = (f) => (wasm64 && typeof f === 'function'
    ? (...a) => f(...a.map((x) => BigInt(x >>> 0))) : f);
  const word = (v) => Number(v) >>> 0; // an address global's value, either width
  const env = { memory };
  d.hostImports.forEach((name, i) => {
    const impl = d.hostImpls[i];
    env[name] = shims.exports[impl] || goInstance.exports[impl];
    if (typeof env[name] !== 'function') throw new Error('the worker has no implementation ' + impl + ' of kernel import ' + name);
  });
  for (const name of d.sysStubs) env[name] = wasm64 ? () => -38n : () => -38;
  const kernel = new WebAssembly.Instance(d.kernelModule, { env }).exports;
  // The guard slots belong to Go (worker/codes.go): it listed them here.
  const slots = self.gohostWorker.targets;
  slots.kernel.forEach((name, i) => { targets[i] = wide(kernel[name]); });
  const userSlots = slots.user;
  const userBase = slots.userBase;
  let userSP = null;
  const bytes = () => new Uint8Array(memory.buffer); // fresh: memory grows

  Object.assign(self.gohostWorker, {
    // The machine message as the host sent it (bridge.MachineStart): Go
    // reads the keys this file does not.
    start: d,
    initTask: kernel.init_task ? word(kernel.init_task.value) : 0,
    kernelBytes(start, end) { return bytes().slice(start, end); },
    kernelView(start, end) { return new Uint8Array(memory.buffer, start, end - start); },
    writeKernel(addr, u8) { bytes().set(u8, addr); },
    // wasm_random_get_bytes: getRandomValues takes no view of shared memory.
    randomFill(addr, count) {
      const t = new Uint8Array(count);
      crypto.getRandomValues(t);
      bytes().set(t, addr);
      return count;
    },
    cString(addr, max) {
      const b = bytes();
      let end = addr;
      while (end < b.length && end < addr + max && b[end] !== 0) end++;
      return new TextDecoder().decode(b.slice(addr, end));
    },
    // Section 4 steps 6-7, after the one-time data initialisation. Go
    // writes the command line and the initrd words itself (through
    // writeKernel, where the memcheck mode sees them); here only what needs
    // the memory object: the parameters' addresses, the growth for the
    // initrd and its copy.
    bootAddrs() {
      return {
        cmdline: word(kernel.boot_command_line.value),
        initrdStart: word(kernel.initrd_start.value),
        initrdEnd: word(kernel.initrd_end.value),
        wordSize: wasm64 ? 8 : 4, // unsigned long
      };
    },
    // growForInitrd grows the memory by the initrd's pages and answers
    // where they start, how long the initrd is and where the grown pages
    // end (or an error).
    growForInitrd() {
      try {
        const len = d.initrd ? d.initrd.byteLength : 0;
        if (len === 0) return { start: 0, len: 0, end: 0 };
        const pages = Math.ceil(len / 65536);
        // memory64 grows by a BigInt and answers one
        const start = Number(memory.grow(wasm64 ? BigInt(pages) : pages)) * 65536;
        return { start, len, end: start + pages * 65536 };
      } catch (err) {
        return { error: String(err) };
      }
    },
    copyInitrd(start) { bytes().set(new Uint8Array(d.initrd), start); },
    compile(u8) {
      try {
        return { module: new WebAssembly.Module(u8) };
      } catch (err) {
        return { error: String(err) };
      }
    },
    // Section 6.3: a new instance of a user program. Returns a bitmask of the
    // exports present, in userSlots order.
    // On wasm64 (section 4 of the gen2 facts) __stack_pointer, __memory_base
    // and __table_base are i64, plus an i32 __table_base32; the table is
    // 32-bit as upstream's programs import it, or a table64 where the
    // program imports one (tableSize has TABLE64 set: worker/codes.go).
    instantiate(module, tableSize, sp, dataStart, tableStart) {
      try {
        const TABLE64 = 0x80000000;
        const n = (tableSize & ~TABLE64) >>> 0;
        const table = (tableSize & TABLE64) !== 0
          ? new WebAssembly.Table({ element: 'anyfunc', initial: BigInt(n), address: 'i64' })
          : new WebAssembly.Table({ element: 'anyfunc', initial: n });
        const L = wasm64 ? 'i64' : 'i32';
        const iL = (v) => (wasm64 ? BigInt(v >>> 0) : v);
        userSP = new WebAssembly.Global({ value: L, mutable: true }, iL(sp));
        const uenv = {
          memory,
          __indirect_function_table: table,
          __stack_pointer: userSP,
          __memory_base: new WebAssembly.Global({ value: L, mutable: false }, iL(dataStart)),
          __table_base: new WebAssembly.Global({ value: L, mutable: false }, iL(tableStart)),
          __wasm_abort() { throw new WebAssembly.RuntimeError('abort'); },
        };
        if (wasm64) uenv.__table_base32 = new WebAssembly.Global({ value: 'i32', mutable: false }, tableStart);
        for (let n = 0; n <= 6; n++) uenv['__wasm_syscall_' + n] = kernel['wasm_syscall_' + n];
        const inst = new WebAssembly.Instance(module, { env: uenv });
        let mask = 0;
        userSlots.forEach((name, i) => {
          const f = inst.exports[name];
          targets[userBase + i] = typeof f === 'function' ? wide(f) : missing(name);
          if (typeof f === 'function') mask |= 1 << i;
        });
        return { exports: mask };
      } catch (err) {
        return { error: String(err) };
      }
    },
    setUserSP(v) { userSP.value = wasm64 ? BigInt(v >>> 0) : v; },
    dropUser() {
      userSP = null;
      for (let i = 0; i < userSlots.length; i++) targets[userBase + i] = undefined;
    },
  });

  // Go's main runs from here on and never returns control to this event loop.
  self.gohostWorker.assign();
}

function missing(name) {
  return () => { throw new Error('user program has no export ' + name); };
}
