// Reference host page: TEST EQUIPMENT, not the product (README.md).
//
// The page's first script, as in the original page (section 4 step 1): it
// requests the kernel and starts WebAssembly.compileStreaming at once,
// fetches the initramfs, and once the document (refhost.js, xterm.js) is
// there calls linux() with a terminal to write to. URL parameters as the
// gohost page's: kernel=, initrd=, cmdline=.
//
// globalThis.refhost is for tests and benchmarks only: the console output
// as a string, input, marks (ms since navigation start) and listeners.
'use strict';
(() => {
  const marks = { script: performance.now() };
  const params = new URLSearchParams(location.search);
  const kernelURL = params.get('kernel') || '/kernel/vmlinux.wasm';
  const initrdURL = params.get('initrd') || '/kernel/initramfs.cpio.gz';
  // The original page's command line (section 4).
  const cmdline = params.get('cmdline') ||
    'maxcpus=3 nohz_full=0,2-63 root=/dev/ram0 rootfstype=ramfs init=/init console=hvc console=ttyS0';

  // Both requests now. The original awaits the compile before it fetches
  // the initramfs; starting both at once can only make this reference faster.
  const kernel = WebAssembly.compileStreaming(fetch(kernelURL).then((r) => {
    marks.kernelResponse = performance.now();
    return r;
  })).then((m) => { marks.compiled = performance.now(); return m; });
  const initrd = fetch(initrdURL).then((r) => {
    if (!r.ok) throw new Error(initrdURL + ': ' + r.status + ' ' + r.statusText);
    return r.arrayBuffer();
  }).then((b) => { marks.initrd = performance.now(); return b; });
  kernel.catch(() => {});
  initrd.catch(() => {});

  let output = '';
  const logs = [];
  const listeners = { console: [], error: [] };
  let host = null;
  let pendingInput = '';
  const emit = (ev, v) => { for (const f of listeners[ev]) f(v); };
  const fail = (e) => {
    const msg = String(e && e.message || e);
    logs.push('error: ' + msg);
    emit('error', msg);
  };
  globalThis.refhost = {
    marks,
    output: () => output,
    logs: () => logs.slice(),
    input(s) {
      if (host) host.key_input(s);
      else pendingInput += s;
    },
    on(ev, f) {
      if (!listeners[ev]) throw new Error('refhost.on: unknown event ' + ev);
      listeners[ev].push(f);
    },
    status: () => ({ workers: host ? host.workers() : 0, cpus: host ? host.cpus() : 0 }),
  };
  if (!crossOriginIsolated) fail('the page is not cross-origin isolated: SharedArrayBuffer is not available');

  async function boot() {
    const term = new Terminal({ convertEol: false, scrollback: 5000 });
    term.open(document.getElementById('terminal'));
    term.onData((d) => globalThis.refhost.input(d));
    const log = (text) => {
      logs.push(text);
      term.write('\x1b[2m' + text.replace(/\n/g, '\r\n') + '\x1b[0m\r\n');
    };
    const write = (text) => {
      if (output.length === 0) marks.firstOutput = performance.now();
      output += text;
      term.write(text);
      emit('console', text);
    };
    const [module, initrdBytes] = await Promise.all([kernel, initrd]);
    marks.linux = performance.now();
    host = await linux('refworker.js', module, cmdline, initrdBytes, log, write);
    if (pendingInput) {
      host.key_input(pendingInput);
      pendingInput = '';
    }
  }
  addEventListener('DOMContentLoaded', () => { boot().catch(fail); });
})();
