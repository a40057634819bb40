// Reference host, main-thread side: TEST EQUIPMENT, not the product
// (README.md). It behaves like the original JavaScript host as
// linux-wasm-host-abi.md describes it (1.4, 4, 5, Appendix B): the main thread
// runs no WebAssembly; it creates one fresh worker per CPU and per task
// (no pool, none started ahead), relays every context switch by
// postMessage + Atomics.notify, answers every console poll, terminates the
// workers of released tasks and writes console output to the page.
'use strict';

// The original hard-codes initial: 30 pages (bug 10.1). The conformance
// kernel declares 43 precisely so that a hard-coded 30 fails, so this test
// equipment hard-codes 64 instead: still a constant, read from nothing, and
// the kernel grows the memory to ~512 MiB at _start either way (a real
// kernel declares 15).
const MEMORY_INITIAL_PAGES = 64;

// linux is the original's page-facing entry point (section 1.4): it resolves
// once CPU 0's worker has been created, not booted.
// eslint-disable-next-line no-unused-vars
function linux(workerURL, vmlinux, bootCmdline, initrd, log, consoleWrite) {
  const memory = new WebAssembly.Memory({ initial: MEMORY_INITIAL_PAGES, maximum: 0x10000, shared: true });
  // task pointer -> {worker, lock, last_task, released, parked}
  const tasks = new Map();
  const cpus = new Map(); // cpu -> task record of its idle task
  let input = new Uint8Array(0); // console input not yet read by the kernel
  const encoder = new TextEncoder();

  function spawn(runnerType, runnerName, extra) {
    const worker = new Worker(workerURL, { name: runnerName });
    const rec = {
      worker,
      name: runnerName,
      lock: new Int32Array(new SharedArrayBuffer(4)),
      last_task: new Uint32Array(new SharedArrayBuffer(4)),
      released: false,
      parked: false,
    };
    worker.onmessage = (ev) => handle(rec, ev.data);
    worker.onerror = (ev) => log(runnerName + ': ' + (ev.message || 'worker error'));
    worker.postMessage(Object.assign({
      method: 'init', runner_type: runnerType, runner_name: runnerName, vmlinux, memory,
      locks: { lock: rec.lock, last_task: rec.last_task },
    }, extra));
    return rec;
  }

  // A released task's worker goes once it has made its final switch
  // (section 2.5's rule). The original terminates at once on release, which
  // races with that switch (bug 10.6) and can wedge a CPU; test equipment
  // that must boot every time keeps the same cost without the race.
  function reap(task, rec) {
    if (rec.released && rec.parked) {
      rec.worker.terminate();
      if (tasks.get(task) === rec) tasks.delete(task);
    }
  }

  function wake(task, from) {
    const rec = tasks.get(task);
    if (!rec) {
      log('switch to unknown task ' + task);
      return;
    }
    rec.parked = false;
    rec.last_task[0] = from;
    Atomics.store(rec.lock, 0, 1);
    Atomics.notify(rec.lock, 0, 1);
  }

  function parked(task) {
    const rec = tasks.get(task);
    if (!rec) return;
    rec.parked = true;
    reap(task, rec);
  }

  function handle(from, msg) {
    switch (msg.method) {
      case 'start_primary':
        tasks.set(msg.init_task, from);
        cpus.set(0, from);
        break;
      case 'start_secondary': {
        const rec = spawn('secondary_cpu', 'CPU ' + msg.cpu + ' [boot+idle] (' + msg.idle_task + ')', { start_stack: msg.start_stack });
        tasks.set(msg.idle_task, rec);
        cpus.set(msg.cpu, rec);
        break;
      }
      case 'stop_secondary': {
        // The original asks confirm() for CPU 0 (bug 10.8); no dialogs here.
        const rec = cpus.get(msg.cpu);
        if (rec) rec.worker.terminate();
        cpus.delete(msg.cpu);
        break;
      }
      case 'create_and_run_task': {
        const old = tasks.get(msg.new_task);
        if (old) old.worker.terminate(); // a reused task address (section 5.6)
        const rec = spawn('task', msg.name + ' (' + msg.new_task + ')', {
          prev_task: msg.prev_task, new_task: msg.new_task, user_executable: msg.user_executable,
        });
        tasks.set(msg.new_task, rec);
        parked(msg.prev_task);
        break;
      }
      case 'serialize_tasks':
        wake(msg.next_task, msg.prev_task);
        parked(msg.prev_task);
        break;
      case 'release_task': {
        const rec = tasks.get(msg.dead_task);
        if (!rec) {
          log('release of unknown task ' + msg.dead_task);
          break;
        }
        rec.released = true;
        reap(msg.dead_task, rec);
        break;
      }
      case 'console_write':
        consoleWrite(msg.message);
        break;
      case 'console_read': {
        const n = Math.min(msg.count, input.length);
        if (n > 0) {
          new Uint8Array(memory.buffer).set(input.subarray(0, n), msg.buffer);
          input = input.slice(n);
        }
        Atomics.store(msg.console_read_messenger, 0, n);
        Atomics.notify(msg.console_read_messenger, 0);
        break;
      }
      case 'log':
        log(msg.message);
        break;
      default:
        log('unknown message ' + msg.method);
    }
  }

  spawn('primary_cpu', 'CPU 0 [boot+idle]', { boot_cmdline: bootCmdline, initrd });
  return Promise.resolve({
    key_input(data) {
      const b = encoder.encode(data);
      const grown = new Uint8Array(input.length + b.length);
      grown.set(input);
      grown.set(b, input.length);
      input = grown;
    },
    workers: () => tasks.size,
    cpus: () => cpus.size,
  });
}
