// Linux/Wasm page loader: checks the browser, reads the URL parameters,
// makes sure a kernel is there, then starts the Go host (gohost.wasm) and
// wires its JavaScript API (globalThis.gohost) to the terminal and panels.
// No inline scripts, no eval: this file runs under the server's CSP.
'use strict';

(() => {
  const DEFAULT_KERNEL = 'kernel/vmlinux.wasm';
  const DEFAULT_INITRD = 'kernel/initramfs.cpio.gz';
  const DEFAULT_CMDLINE = 'maxcpus=3 nohz_full=0,2-63 root=/dev/ram0 rootfstype=ramfs init=/init console=hvc console=ttyS0';
  const CONFORMANCE_KERNEL = '/conformance/vmlinux.wasm';
  const CONFORMANCE_LINK = '?kernel=/conformance/vmlinux.wasm&initrd=/conformance/initramfs.cpio&cmdline=conf%3Dall';
  const CMDLINE_MAX = 511; // COMMAND_LINE_SIZE 512 including the NUL
  const LOG_LIMIT = 32 << 20; // bytes of console output kept for "Download log"

  const $ = (id) => document.getElementById(id);
  const state = { term: null, fit: null, host: null, opts: null, files: [], log: [], logBytes: 0, timer: 0 };
  // Exposed for tests and debugging (read-only use).
  globalThis.linuxWasmPage = state;

  // ---------- panels ----------

  function setStage(stage, text) {
    const el = $('stage');
    el.dataset.stage = stage;
    el.textContent = text;
  }

  function setProgress(fraction, text) {
    const bar = $('progress');
    if (fraction === null) {
      bar.hidden = true;
    } else {
      bar.hidden = false;
      if (fraction < 0) bar.removeAttribute('value'); // indeterminate
      else bar.value = Math.min(1, fraction);
    }
    $('progress-text').textContent = text || '';
  }

  // showError fills the error panel. e: {title, message, details, stack, link:{href,text}, reboot:boolean}
  function showError(e) {
    $('error-title').textContent = e.title || 'Error';
    $('error-message').textContent = e.message || '';
    const ul = $('error-details');
    ul.replaceChildren();
    for (const d of e.details || []) {
      const li = document.createElement('li');
      li.textContent = String(d);
      ul.appendChild(li);
    }
    const stack = $('error-stack');
    stack.textContent = e.stack || '';
    stack.hidden = !e.stack;
    const link = $('error-link');
    if (e.link) {
      const a = $('error-link-a');
      a.href = e.link.href;
      a.textContent = e.link.text;
      link.hidden = false;
    } else {
      link.hidden = true;
    }
    $('reboot').hidden = !e.reboot;
    $('error-panel').hidden = false;
    if (e.stage !== false) setStage('failed', e.title || 'Failed');
  }

  function hideError() {
    $('error-panel').hidden = true;
  }

  // ---------- terminal ----------

  function setupTerminal() {
    if (typeof Terminal !== 'function' || typeof FitAddon !== 'object') {
      throw new Error('xterm.js did not load (www/vendor/xterm/ missing?)');
    }
    const term = new Terminal({
      theme: { background: '#013425', foreground: '#FFC012', cursor: '#FFC012' },
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
      fontSize: 15,
      convertEol: false,
      scrollback: 5000,
      allowProposedApi: false,
    });
    const fit = new FitAddon.FitAddon();
    term.loadAddon(fit);
    term.open($('terminal'));
    const refit = () => { try { fit.fit(); } catch (_) { /* not visible yet */ } };
    refit();
    new ResizeObserver(refit).observe($('terminal-box'));
    window.addEventListener('resize', refit);
    $('terminal-box').addEventListener('click', () => term.focus());

    term.attachCustomKeyEventHandler((ev) => {
      if (ev.type !== 'keydown') return true;
      const key = ev.key.toLowerCase();
      const copy = (ev.ctrlKey && ev.shiftKey && key === 'c') || (ev.ctrlKey && !ev.shiftKey && key === 'insert');
      const paste = (ev.ctrlKey && ev.shiftKey && key === 'v') || (ev.shiftKey && !ev.ctrlKey && key === 'insert');
      if (copy) {
        ev.preventDefault();
        if (term.hasSelection() && navigator.clipboard) {
          navigator.clipboard.writeText(term.getSelection()).catch((err) => hostLog('copy failed: ' + err.message));
        }
        return false;
      }
      if (paste) {
        ev.preventDefault();
        if (navigator.clipboard && navigator.clipboard.readText) {
          navigator.clipboard.readText().then((text) => term.paste(text), (err) => hostLog('paste failed: ' + err.message));
        }
        return false;
      }
      return true;
    });
    term.onData((data) => {
      if (state.host) state.host.input(data);
    });
    state.term = term;
    state.fit = fit;
    term.focus();
  }

  function hostLog(text) {
    if (state.term) state.term.write('\x1b[2m' + String(text).replace(/\r?\n/g, '\r\n') + '\x1b[0m\r\n');
  }

  function recordConsole(bytes) {
    state.log.push(bytes.slice());
    state.logBytes += bytes.length;
    while (state.logBytes > LOG_LIMIT && state.log.length > 1) {
      state.logBytes -= state.log.shift().length;
    }
  }

  function downloadLog() {
    const blob = new Blob(state.log, { type: 'text/plain;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = 'linux-wasm-console-' + new Date().toISOString().replace(/[:.]/g, '-') + '.txt';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // ---------- browser checks ----------

  const hex = (s) => new Uint8Array(s.trim().split(/\s+/).map((x) => parseInt(x, 16)));
  const WASM_HEADER = '00 61 73 6d 01 00 00 00';
  // A memory section declaring one shared memory (flags 3: max + shared).
  const THREADS_MODULE = WASM_HEADER + ' 05 04 01 03 01 01';
  // type ()->(), one function, one tag, body: try (catch 0) end (legacy EH encoding).
  const EH_MODULE = WASM_HEADER + ' 01 04 01 60 00 00 03 02 01 00 0d 03 01 00 00 0a 09 01 07 00 06 40 07 00 0b 0b';
  // Two memories in one module.
  const MULTI_MEMORY_MODULE = WASM_HEADER + ' 05 05 02 00 01 00 01';

  function validate(bytes) {
    try { return WebAssembly.validate(hex(bytes)); } catch (_) { return false; }
  }

  function missingFeatures() {
    const missing = [];
    if (typeof WebAssembly !== 'object') {
      return ['WebAssembly is not available in this browser.'];
    }
    if (!globalThis.crossOriginIsolated) {
      missing.push('Cross-origin isolation: the page must be served with "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp" (use make serve), over https or from localhost.');
    }
    if (typeof SharedArrayBuffer !== 'function') {
      missing.push('SharedArrayBuffer is not available (it needs cross-origin isolation).');
    }
    let threads = validate(THREADS_MODULE);
    if (threads) {
      try {
        const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
        threads = typeof SharedArrayBuffer === 'function' && m.buffer instanceof SharedArrayBuffer;
      } catch (_) { threads = false; }
    }
    if (!threads) missing.push('WebAssembly threads (shared memory and atomics).');
    if (!validate(EH_MODULE)) missing.push('WebAssembly exception handling (try/catch).');
    if (!validate(MULTI_MEMORY_MODULE)) missing.push('WebAssembly multi-memory.');
    return missing;
  }

  // ---------- URL parameters ----------

  // parseParams returns {kernel, initrd, cmdline} or throws an Error whose
  // .details lists every refused parameter.
  function parseParams(search) {
    const q = new URLSearchParams(search);
    const problems = [];
    const known = new Set(['cmdline', 'kernel', 'initrd', 'cpus', 'append']);
    for (const k of q.keys()) {
      if (!known.has(k)) problems.push(`Unknown parameter "${k}" (known: ${[...known].join(', ')}).`);
    }
    for (const k of known) {
      if (q.getAll(k).length > 1) problems.push(`Parameter "${k}" is given more than once.`);
    }
    const url = (name, def) => {
      const v = q.get(name);
      if (v === null) return def;
      if (v.trim() === '') { problems.push(`"${name}" is empty.`); return def; }
      let u;
      try { u = new URL(v, location.href); } catch (_) { problems.push(`"${name}" is not a URL: ${v}`); return def; }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        problems.push(`"${name}" must be an http(s) URL, not ${u.protocol}`);
        return def;
      }
      return u.href;
    };
    const kernel = url('kernel', new URL(DEFAULT_KERNEL, location.href).href);
    const initrd = url('initrd', new URL(DEFAULT_INITRD, location.href).href);
    const printable = (name, v) => {
      if (/[\x00-\x1f\x7f]/.test(v)) { problems.push(`"${name}" contains control characters.`); return false; }
      return true;
    };
    let cmdline = DEFAULT_CMDLINE;
    if (q.has('cmdline')) {
      const v = q.get('cmdline').trim();
      if (v === '') problems.push('"cmdline" is empty.');
      else if (printable('cmdline', v)) cmdline = v;
    }
    if (q.has('cpus')) {
      const v = q.get('cpus');
      if (!/^[0-9]{1,2}$/.test(v) || +v < 1 || +v > 64) {
        problems.push(`"cpus" must be a whole number from 1 to 64, not "${v}".`);
      } else {
        cmdline = cmdline.split(/\s+/).filter((w) => w && !w.startsWith('maxcpus=')).concat('maxcpus=' + (+v)).join(' ');
      }
    }
    if (q.has('append')) {
      const v = q.get('append').trim();
      if (v === '') problems.push('"append" is empty.');
      else if (printable('append', v)) cmdline += ' ' + v;
    }
    if (new TextEncoder().encode(cmdline).length > CMDLINE_MAX) {
      problems.push(`The kernel command line is longer than ${CMDLINE_MAX} bytes.`);
    }
    if (problems.length) {
      const err = new Error('The page was opened with URL parameters it cannot use.');
      err.details = problems;
      throw err;
    }
    return { kernel, initrd, cmdline };
  }

  // ---------- kernel presence ----------

  // probe reports whether url answers 2xx to HEAD (falls back to a GET that is
  // aborted as soon as the headers arrive, for servers without HEAD).
  async function probe(url) {
    try {
      const r = await fetch(url, { method: 'HEAD', cache: 'no-cache' });
      if (r.ok) return { ok: true, status: r.status };
      if (r.status !== 405 && r.status !== 501) return { ok: false, status: r.status };
    } catch (err) {
      return { ok: false, error: err.message };
    }
    const ctl = new AbortController();
    try {
      const r = await fetch(url, { cache: 'no-cache', signal: ctl.signal });
      ctl.abort();
      return { ok: r.ok, status: r.status };
    } catch (err) {
      return { ok: false, error: err.message };
    }
  }

  async function showNoKernel(which, url, result) {
    const why = result.error ? 'network error: ' + result.error : 'HTTP ' + result.status;
    const e = {
      title: which === 'kernel' ? 'No kernel found' : 'No initramfs found',
      message: `The ${which} could not be loaded from ${url} (${why}). ` +
        'Linux/Wasm needs a kernel (vmlinux.wasm) and an initramfs (initramfs.cpio.gz) built with the upstream linux-wasm project.',
      details: [
        'Build vmlinux.wasm and initramfs.cpio.gz with the upstream linux-wasm project.',
        'Put them in ./kernel/ (kernel/vmlinux.wasm and kernel/initramfs.cpio.gz) and run make serve,',
        'or pass their paths: make serve KERNEL=path/to/vmlinux.wasm INITRD=path/to/initramfs.cpio.gz',
        'or point the page at them: ?kernel=URL&initrd=URL',
      ],
    };
    setStage('failed', e.title);
    if ((await probe(CONFORMANCE_KERNEL)).ok) {
      e.link = { href: CONFORMANCE_LINK, text: 'Run the host self-test with the conformance kernel' };
    }
    showError(e);
  }

  // ---------- the Go host ----------

  // loadScript adds a same-origin script (allowed by script-src 'self').
  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = () => resolve();
      s.onerror = () => reject(new Error(src + ' did not load: run "make build" (make serve does it).'));
      document.head.appendChild(s);
    });
  }

  // The host (gohost.wasm) reaches the machine's shared memory through the
  // same wasm helper as its workers (hostmem), imported as gohost_mem. Its
  // imports are bound to delegates that call the helper instance the host
  // names in gohostMainHostmem.exports, one per machine.
  const mainHostmem = { exports: undefined, stage: undefined };
  globalThis.gohostMainHostmem = mainHostmem;
  function bindHostmemImports(module, importObject) {
    const imports = {};
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.module !== 'gohost_mem' || imp.kind !== 'function') continue;
      const name = imp.name;
      imports[name] = (a, b, c) => mainHostmem.exports[name](a, b, c);
    }
    importObject.gohost_mem = imports;
  }

  // fastInput makes gohost.input a direct call of the host's exports: the
  // text is encoded straight into the machine's input staging area (or, with
  // no machine yet, Go's staging buffer), so a key press reaches the console
  // input ring without a JS-to-Go callback or a copy through JS. Same
  // semantics as before: every byte is queued, in order.
  function fastInput(api, ex) {
    if (typeof ex.gohost_input !== 'function' || typeof ex.gohost_input_staged !== 'function') return;
    const addr = ex.gohost_input_stage();
    const size = ex.gohost_input_stage_size();
    const enc = new TextEncoder();
    const scratch = new Uint8Array(size);
    api.input = (text) => {
      let s = String(text);
      while (s.length > 0) {
        const stage = mainHostmem.stage;
        if (stage) {
          // encodeInto refuses shared memory: encode, then copy in.
          const { read, written } = enc.encodeInto(s, scratch);
          stage.set(scratch.subarray(0, written));
          ex.gohost_input_staged(written);
          s = s.slice(read);
        } else {
          // A fresh view each time: Go's memory may have grown.
          const { read, written } = enc.encodeInto(s, new Uint8Array(ex.mem.buffer, addr, size));
          ex.gohost_input(written);
          s = s.slice(read);
        }
      }
    };
  }

  async function startHost() {
    // wasm_exec.js comes from the Go that built gohost.wasm; it is only
    // needed once a kernel is there.
    if (typeof Go !== 'function') await loadScript('wasm_exec.js');
    return new Promise((resolve, reject) => {
      if (typeof Go !== 'function') {
        reject(new Error('wasm_exec.js did not define Go: run "make build".'));
        return;
      }
      let exports = null;
      const onReady = () => {
        if (!globalThis.gohost) {
          reject(new Error('gohost-ready fired but globalThis.gohost is missing.'));
          return;
        }
        if (exports) fastInput(globalThis.gohost, exports);
        resolve(globalThis.gohost);
      };
      window.addEventListener('gohost-ready', onReady, { once: true });
      const go = new Go();
      WebAssembly.compileStreaming(fetch('gohost.wasm'))
        .then((module) => {
          bindHostmemImports(module, go.importObject);
          return WebAssembly.instantiate(module, go.importObject);
        })
        .then((instance) => {
          exports = instance.exports;
          return go.run(instance).then(() => reject(new Error('The Go host exited.')));
        })
        .catch((err) => {
          window.removeEventListener('gohost-ready', onReady);
          reject(new Error('Could not start the host (gohost.wasm): ' + err.message + '. Run "make build".'));
        });
    });
  }

  const fmtBytes = (n) => {
    if (!(n >= 0)) return '–';
    if (n < 1024) return n + ' B';
    const units = ['KiB', 'MiB', 'GiB'];
    let i = -1;
    do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
    return n.toFixed(n < 10 ? 1 : 0) + ' ' + units[i];
  };
  const fmtUptime = (ms) => {
    if (!(ms >= 0)) return '–';
    const s = Math.floor(ms / 1000);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + (s % 60) + 's';
  };

  const STAGE_TEXT = {
    download: 'Downloading', compile: 'Compiling the kernel', boot: 'Booting', running: 'Running',
    ready: 'Shell ready', panic: 'Kernel panic', halted: 'Halted', failed: 'Failed',
  };

  function updateStatus() {
    if (!state.host || document.hidden) return;
    let s;
    try { s = state.host.status(); } catch (_) { return; }
    if (!s) return;
    const set = (id, v) => { const el = $(id); if (el.textContent !== v) el.textContent = v; };
    set('st-uptime', fmtUptime(s.uptimeMs));
    set('st-cpus', String(s.cpus ?? '–'));
    set('st-tasks', String(s.tasks ?? '–'));
    set('st-workers', String(s.workers ?? '–'));
    set('st-pool', String(s.pool ?? '–'));
    set('st-memory', fmtBytes(s.memoryBytes));
    set('st-in', fmtBytes(s.consoleIn));
    set('st-out', fmtBytes(s.consoleOut));
    // "CPUs online" stage: while the machine runs, the status bar says how
    // many CPUs the kernel has brought up.
    const stage = $('stage');
    if ((s.stage === 'running' || s.stage === 'ready') && stage.dataset.stage === s.stage && s.cpus > 0) {
      const v = STAGE_TEXT[s.stage] + ' · ' + s.cpus + (s.cpus === 1 ? ' CPU online' : ' CPUs online');
      if (stage.textContent !== v) stage.textContent = v;
    }
  }

  function wireHost(host) {
    state.host = host;
    host.on('stage', (ev) => {
      const text = (STAGE_TEXT[ev.stage] || ev.stage) + (ev.detail ? ': ' + ev.detail : '');
      setStage(ev.stage, text);
      // The download figures stay up while the kernel compiles.
      if (ev.stage !== 'download' && ev.stage !== 'compile') setProgress(null, '');
      if (ev.stage === 'ready' || ev.stage === 'running') state.term.focus();
    });
    host.on('progress', (ev) => {
      const what = ev.what === 'kernel' ? 'kernel' : 'initramfs';
      if (ev.cached) {
        setProgress(1, `${what}: from cache (${fmtBytes(ev.loaded)})`);
      } else if (ev.total > 0) {
        setProgress(ev.loaded / ev.total, `${what}: ${fmtBytes(ev.loaded)} / ${fmtBytes(ev.total)} (${Math.floor(100 * ev.loaded / ev.total)}%)`);
      } else {
        setProgress(-1, `${what}: ${fmtBytes(ev.loaded)}`);
      }
    });
    // Flow control: the host asks how much the terminal still has to
    // parse and keeps at most 4 MiB ahead of it, so xterm.js never queues
    // enough to discard a write.
    let termBacklog = 0;
    host.setConsoleBacklog(() => termBacklog);
    host.on('console', (bytes) => {
      recordConsole(bytes);
      const n = bytes.length;
      termBacklog += n;
      state.term.write(bytes, () => { termBacklog -= n; });
    });
    host.on('log', (text) => hostLog(text));
    host.on('error', (e) => showError({
      title: e.title, message: e.message, details: e.details, stack: e.stack, reboot: true,
    }));
    state.timer = setInterval(updateStatus, 250);
    $('boot-files').disabled = state.files.length === 0;
  }

  function boot(files) {
    hideError();
    const opts = Object.assign({}, state.opts);
    if (files && files.length) opts.files = files;
    return state.host.boot(opts).catch((err) => $('error-panel').hidden && showError({ // the host's error event may have said it first, with details
      title: 'Boot failed', message: err && err.message ? err.message : String(err),
      stack: err && err.stack, reboot: true,
    }));
  }

  // ---------- user files ----------

  function addFiles(list) {
    for (const f of list) state.files.push(f);
    const ul = $('file-list');
    ul.replaceChildren();
    for (const f of state.files) {
      const li = document.createElement('li');
      li.textContent = `${f.name} (${fmtBytes(f.size)})`;
      ul.appendChild(li);
    }
    $('boot-files').disabled = !state.host || state.files.length === 0;
  }

  function setupControls() {
    $('download-log').addEventListener('click', downloadLog);
    $('reboot').addEventListener('click', () => {
      if (!state.host) { location.reload(); return; }
      hideError();
      state.term.reset();
      state.host.reboot().catch((err) => showError({ title: 'Reboot failed', message: err.message, stack: err.stack, reboot: true }));
    });
    $('file-input').addEventListener('change', (ev) => { addFiles(ev.target.files); ev.target.value = ''; });
    const dz = $('dropzone');
    dz.addEventListener('dragover', (ev) => { ev.preventDefault(); dz.classList.add('over'); });
    dz.addEventListener('dragleave', () => dz.classList.remove('over'));
    dz.addEventListener('drop', (ev) => {
      ev.preventDefault();
      dz.classList.remove('over');
      if (ev.dataTransfer && ev.dataTransfer.files) addFiles(ev.dataTransfer.files);
    });
    $('boot-files').addEventListener('click', () => {
      if (!state.host) return;
      state.term.reset();
      boot(state.files.slice());
    });
    for (const code of document.querySelectorAll('#examples code')) {
      code.addEventListener('click', () => {
        if (state.host) state.host.input(code.textContent);
        if (state.term) state.term.focus();
      });
    }
  }

  // ---------- main ----------

  async function main() {
    setupControls();
    try {
      setupTerminal();
    } catch (err) {
      showError({ title: 'The terminal could not start', message: err.message, stack: err.stack });
      return;
    }
    const missing = missingFeatures();
    if (missing.length) {
      showError({
        title: 'This browser cannot run Linux/Wasm',
        message: 'Missing: ' + missing.length + ' required feature(s). Use a current Chromium/Chrome (120 or later), Firefox or Safari, and open the page from make serve.',
        details: missing,
      });
      return;
    }
    try {
      state.opts = parseParams(location.search);
      // The conformance kernel (test equipment) prints no shell prompt: its
      // last line is what "ready" means for it.
      if (state.opts.kernel && state.opts.kernel.endsWith(CONFORMANCE_KERNEL)) {
        state.opts.readyPattern = 'CONF DONE';
        STAGE_TEXT.ready = 'Self-test done';
        // Never present the test equipment as Linux.
        const tagline = document.querySelector('.tagline');
        if (tagline) tagline.textContent = 'Host self-test: the conformance kernel, test equipment that imitates the Linux/Wasm kernel\u2019s side of the host interface. It is not Linux; bring a real vmlinux.wasm to boot Linux.';
        const watching = document.getElementById('watching');
        if (watching) watching.textContent = 'The conformance kernel is a small C program compiled to WebAssembly that drives every path of the host the way the Linux/Wasm kernel does: CPUs, task switches, user programs, exec, signals, the console. Each line CONF \u2026 PASS is one check of this host; CONF DONE gives the totals.';
      }
    } catch (err) {
      showError({ title: 'Invalid URL parameters', message: err.message, details: err.details });
      return;
    }
    setStage('download', 'Looking for the kernel…');
    // Both downloads start now and run while the host starts: the host's
    // boot takes these pending responses (gohostPrefetch.take) instead of
    // fetching again. Their status lines answer "is there a kernel?".
    // The kernel also starts compiling as it arrives, on a clone of its
    // response (the clone keeps the URL: the code cache can serve a reload);
    // the host checks it and uses the compiled module (gohostPrefetch.compiled).
    const early = new Map();
    const compiling = new Map();
    for (const url of [state.opts.kernel, state.opts.initrd]) {
      let p = fetch(url);
      if (url === state.opts.kernel) {
        p = p.then((resp) => {
          if (resp.ok && /^application\/wasm\b/i.test(resp.headers.get('content-type') || '')) {
            const c = WebAssembly.compileStreaming(resp.clone());
            c.catch(() => {}); // a module that does not compile is the host's to report
            compiling.set(url, c);
          }
          return resp;
        });
      }
      p.catch(() => {}); // a failure is reported below or by the host, not as unhandled
      early.set(url, p);
    }
    globalThis.gohostPrefetch = {
      take(url) { const p = early.get(url); early.delete(url); return p; },
      compiled(url) { const c = compiling.get(url); compiling.delete(url); return c; },
    };
    for (const [which, url] of [['kernel', state.opts.kernel], ['initrd', state.opts.initrd]]) {
      const r = await early.get(url).then((resp) => ({ ok: resp.ok, status: resp.status }), (err) => ({ ok: false, error: err.message }));
      if (!r.ok) { await showNoKernel(which, url, r); return; }
    }
    setStage('download', 'Starting the host…');
    let host;
    try {
      host = await startHost();
    } catch (err) {
      showError({ title: 'The host could not start', message: err.message, stack: err.stack });
      return;
    }
    wireHost(host);
    await boot(state.files.slice());
  }

  // Exported for tests.
  state.parseParams = parseParams;
  state.missingFeatures = missingFeatures;

  main().catch((err) => showError({ title: 'Unexpected error', message: err.message, stack: err.stack }));
})();
