// Linux/Wasm page loader: checks the browser, starts the Go host
// (gohost.js), has it read the URL parameters, makes sure a kernel is there,
// then wires the host's JavaScript API to the terminal and panels.
// No inline scripts, no eval: this module runs under the server's CSP.

import { startGohost } from './gohost.js';
import * as userFiles from './userfiles.js';

{
  const CONFORMANCE_KERNEL = '/conformance/vmlinux.wasm';
  const SELFTEST_LINK = '?selftest';
  // The server's description of the conformance initramfs (initrd_len=,
  // initrd_fnv=), which the self-test's boot scenario checks.
  const SELFTEST_WORDS = '/conformance/selftest.txt';
  const LOG_LIMIT = 32 << 20; // bytes of console output kept for "Download log"

  const $ = (id) => document.getElementById(id);
  // files: the user's files (kept in IndexedDB, see userfiles.js), added to
  // every boot but the self-test's. conf: the conformance kernel's counts.
  // pendingTerm: what was written before the terminal existed (the boot
  // starts before xterm.js has run), written to it once it does.
  const state = { term: null, fit: null, pendingTerm: [], host: null, opts: null, files: [], log: [], logBytes: 0, timer: 0, conf: null };
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

  // showError fills the error panel. e: {title, message, details, stack,
  // link:{href,text}, reboot:boolean, help:boolean}. Only the actions that can
  // help are offered: Reboot when the machine ran (a kernel refused before
  // it booted would only fail again), how to use another kernel otherwise,
  // and the log when there is one.
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
    $('error-help').hidden = !e.help;
    $('error-download-log').hidden = state.logBytes === 0;
    $('error-panel').hidden = false;
    if (e.stage !== false) setStage('failed', e.title || 'Failed');
    // The status panel with it: until its next tick it would show the
    // machine before (its uptime, its workers) beside this error.
    updateStatus();
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
    for (const [data, done] of state.pendingTerm) term.write(data, done);
    state.pendingTerm = [];
    term.focus();
  }

  // termWrite writes to the terminal, or keeps the data for it until it
  // exists; done is called once xterm.js has processed it.
  function termWrite(data, done) {
    if (state.term) state.term.write(data, done);
    else state.pendingTerm.push([data, done]);
  }

  // whenScriptsRan resolves once the page's deferred scripts (xterm.js and
  // its fit addon) have run: this module is async, so that the boot starts
  // before them, and the terminal is made when they are there.
  function whenScriptsRan() {
    if (document.readyState === 'complete' || (typeof Terminal === 'function' && typeof FitAddon === 'object')) return Promise.resolve();
    return new Promise((resolve) => {
      document.addEventListener('DOMContentLoaded', resolve, { once: true });
      window.addEventListener('load', resolve, { once: true }); // a script that failed to load
    });
  }

  function hostLog(text) {
    termWrite('\x1b[2m' + String(text).replace(/\r?\n/g, '\r\n') + '\x1b[0m\r\n');
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

  // notIsolated explains a page that is not cross-origin isolated: that is
  // the server's doing (missing headers) or the address's (not a secure
  // context), never the browser's, so it is told apart from missing features.
  function notIsolated() {
    if (!globalThis.isSecureContext) {
      return {
        title: 'The page is not in a secure context',
        message: `It was opened from ${location.origin}, which is neither https nor localhost, so the browser withholds SharedArrayBuffer, which Linux/Wasm needs.`,
        details: [
          'Open it from http://localhost:8000/ or http://127.0.0.1:8000/ (make serve listens there), or serve it over https.',
        ],
      };
    }
    return {
      title: 'The server did not send the cross-origin isolation headers',
      message: 'Browsers give a page SharedArrayBuffer, which Linux/Wasm needs, only when the server sends two headers with it. This server did not; the browser itself is not the problem.',
      details: [
        'Cross-Origin-Opener-Policy: same-origin',
        'Cross-Origin-Embedder-Policy: require-corp',
        'Fix: serve the page with make serve (go run ./cmd/serve), which sends them, or add both headers to your server\u2019s responses.',
      ],
    };
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
    if ((await probe(CONFORMANCE_KERNEL)).ok && (await probe(SELFTEST_WORDS)).ok) {
      e.link = { href: SELFTEST_LINK, text: 'Run the host self-test with the conformance kernel' };
    }
    showError(e);
  }

  // ---------- the conformance kernel's counts ----------

  // The conformance kernel prints one line per check, "CONF <scenario>
  // <check> PASS|FAIL ...", and "CONF DONE <passed> <failed>" at the end. The
  // page counts them, shows FAIL lines in red and says "Self-test failed"
  // when any check failed. Console bytes go to the terminal as they came, in
  // runs as long as the chunks: only a line that starts with "CONF " is held
  // until it is whole (the kernel prints it at once), decoded (it is short)
  // and counted; bulk output costs one newline scan.
  const CONF_LINE = /^CONF (\S+) (\S+) (PASS|FAIL)\b/;
  const CONF_DONE = /^CONF DONE (\d+) (\d+)/;
  const NL = 10;
  const CONF_PREFIX = [67, 79, 78, 70, 32]; // "CONF "

  function confCounter() {
    return { pass: 0, fail: 0, done: null, held: null, atStart: true, decoder: new TextDecoder(), timer: 0 };
  }

  // confPrefix: 1 if b has "CONF " at i, 0 if not, -1 if b ends first with
  // a prefix of it.
  function confPrefix(b, i) {
    for (let k = 0; k < CONF_PREFIX.length; k++) {
      if (i + k >= b.length) return -1;
      if (b[i + k] !== CONF_PREFIX[k]) return 0;
    }
    return 1;
  }

  // confFilter takes console bytes and returns what to write now, as
  // [data, bytes] pairs (bytes: how many console bytes data stands for).
  function confFilter(c, bytes) {
    let b = bytes;
    if (c.held) {
      b = new Uint8Array(c.held.length + bytes.length);
      b.set(c.held);
      b.set(bytes, c.held.length);
      c.held = null;
    }
    const out = [];
    let pos = 0, from = 0;
    if (!c.atStart) {
      const nl = b.indexOf(NL);
      if (nl < 0) { out.push([b, b.length]); return out; }
      pos = nl + 1;
      c.atStart = true;
    }
    while (pos < b.length) { // pos starts a line
      const k = confPrefix(b, pos);
      const nl = b.indexOf(NL, pos);
      if (k === 0) {
        if (nl < 0) { c.atStart = false; break; }
        pos = nl + 1;
        continue;
      }
      if (pos > from) out.push([b.subarray(from, pos), pos - from]);
      if (k < 0 || nl < 0) { // hold the start of a CONF line
        c.held = b.slice(pos);
        return out;
      }
      const line = b.subarray(pos, nl + 1);
      out.push([confLine(c, line), line.length]);
      pos = from = nl + 1;
    }
    if (from < b.length) out.push([b.subarray(from), b.length - from]);
    return out;
  }

  // confLine counts one whole line and returns what to write for it: the
  // bytes as they are, or a FAIL line in red.
  function confLine(c, line) {
    const text = c.decoder.decode(line);
    const m = CONF_LINE.exec(text);
    if (m) {
      if (m[3] === 'PASS') return (c.pass++, line);
      c.fail++;
      const body = text.replace(/\r?\n$/, '');
      return '\x1b[1;31m' + body + '\x1b[0m' + text.slice(body.length);
    }
    const d = CONF_DONE.exec(text);
    if (d) c.done = { pass: +d[1], fail: +d[2] };
    return line;
  }

  // confFlush writes a held line that stays partial (a prompt) after a
  // moment, uncounted; the rest of its line passes through.
  function confFlush(c) {
    if (!c.held) return [];
    const b = c.held;
    c.held = null;
    c.atStart = false;
    return [[b, b.length]];
  }

  // confSummary is the status bar's text for the counts: while running, and
  // the verdict once CONF DONE arrived. The kernel's own totals and the
  // page's count must both be clean for a pass.
  function confSummary(c) {
    const text = `${c.pass} checks passed, ${c.fail} failed`;
    if (!c.done) return { failed: c.fail > 0, text };
    return { failed: c.fail > 0 || c.done.fail > 0 || c.done.pass !== c.pass, text };
  }

  function showConfSummary() {
    const c = state.conf;
    if (!c) return;
    const s = confSummary(c);
    const el = $('conf-summary');
    el.hidden = false;
    el.textContent = s.text;
    el.classList.toggle('failed', s.failed);
    if (c.done) {
      STAGE_TEXT.ready = s.failed ? 'Self-test failed' : 'Self-test passed';
      setStage(s.failed ? 'failed' : 'ready', STAGE_TEXT.ready);
    }
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
    set('st-kernel', s.kernelKind ?? '–');
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

  // resetScreen: every boot, the page's or one through the API (each
  // starts with the download stage), begins from a clean screen: a new
  // machine's terminal, no error panel, no stale progress, no old counts.
  function resetScreen() {
    if (state.term) state.term.reset();
    state.pendingTerm = [];
    hideError();
    setProgress(null, '');
    if (state.conf) {
      clearTimeout(state.conf.timer);
      state.conf = confCounter();
      $('conf-summary').hidden = true;
    }
  }

  function wireHost(host) {
    state.host = host;
    host.on('stage', (ev) => {
      performance.mark('gohost:stage:' + ev.stage);
      if (ev.stage === 'download') resetScreen();
      const text = (STAGE_TEXT[ev.stage] || ev.stage) + (ev.detail ? ': ' + ev.detail : '');
      setStage(ev.stage, text);
      // The download figures stay up while the kernel compiles.
      if (ev.stage !== 'download' && ev.stage !== 'compile') setProgress(null, '');
      if ((ev.stage === 'ready' || ev.stage === 'running') && state.term) state.term.focus();
      if (ev.stage === 'ready') showConfSummary();
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
    const write = (data, n) => termWrite(data, () => { termBacklog -= n; });
    host.on('console', (bytes) => {
      recordConsole(bytes);
      termBacklog += bytes.length;
      const c = state.conf;
      if (!c) {
        write(bytes, bytes.length);
        return;
      }
      clearTimeout(c.timer);
      for (const [data, n] of confFilter(c, bytes)) write(data, n);
      if (c.held) {
        c.timer = setTimeout(() => { for (const [data, n] of confFlush(c)) write(data, n); }, 250);
      }
      showConfSummary();
    });
    host.on('log', (text) => hostLog(text));
    // The hang watchdog (the machine stopped answering) or the kernel's own
    // fault report (an RCU stall, a lockup, an oops: source 'kernel'). The
    // state dump is already in the terminal (as a log line); keep it in the
    // log download too and say so in the status bar.
    host.on('stall', (ev) => {
      recordConsole(new TextEncoder().encode('\r\n[gohost] ' + ev.text.replace(/\r?\n/g, '\r\n')));
      const what = ev.source === 'kernel' ? ev.reason.charAt(0).toUpperCase() + ev.reason.slice(1) : 'Not answering: ' + ev.reason;
      setStage('stalled', what + ' (state dump in the terminal and the log download)');
    });
    host.on('error', (e) => showError({
      title: e.title, message: e.message, details: e.details, stack: e.stack, reboot: e.reboot, help: !e.reboot,
    }));
    state.timer = setInterval(updateStatus, 250);
    $('boot-files').disabled = state.files.length === 0;
  }

  // bootFiles: the files every boot gets (none for the self-test, which
  // checks the served initramfs byte for byte).
  function bootFiles() {
    return state.opts.selftest ? [] : state.files.slice();
  }

  function boot() {
    hideError();
    const opts = {
      kernel: state.opts.kernel, initrd: state.opts.initrd, cmdline: state.opts.cmdline,
      readyPattern: state.opts.readyPattern,
    };
    if (state.opts.memcheck) opts.memcheck = true;
    const files = bootFiles();
    if (files.length) opts.files = files;
    return state.host.boot(opts).catch((err) => $('error-panel').hidden && showError({ // the host's error event may have said it first, with details
      title: 'Boot failed', message: err && err.message ? err.message : String(err),
      stack: err && err.stack, help: true,
    }));
  }

  // ---------- user files ----------

  function renderFiles() {
    const ul = $('file-list');
    ul.replaceChildren();
    for (const f of state.files) {
      const li = document.createElement('li');
      const span = document.createElement('span');
      span.textContent = `${f.name} (${fmtBytes(f.size)})`;
      const rm = document.createElement('button');
      rm.type = 'button';
      rm.className = 'remove';
      rm.textContent = 'Remove';
      rm.title = 'Forget ' + f.name + ' (from the next boot on)';
      rm.dataset.name = f.name;
      rm.addEventListener('click', () => removeFile(f.name));
      li.append(span, ' ', rm);
      ul.appendChild(li);
    }
    $('files-note').hidden = !(state.opts && state.opts.selftest) || state.files.length === 0;
    $('boot-files').disabled = !state.host || state.files.length === 0;
  }

  function fileProblem(text) {
    const p = $('files-error');
    p.textContent = text;
    p.hidden = !text;
  }

  // addFiles keeps the files in the browser and lists them; a file the
  // browser refuses to store (full storage) is still used for this page's
  // boots, and the page says so.
  async function addFiles(list) {
    const problems = [];
    for (const f of Array.from(list)) {
      state.files = state.files.filter((g) => g.name !== f.name).concat(f);
      try {
        await userFiles.put(f);
      } catch (err) {
        problems.push(userFiles.storageError(f.name, err));
      }
    }
    state.files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    fileProblem(problems.join(' '));
    renderFiles();
  }

  async function removeFile(name) {
    state.files = state.files.filter((f) => f.name !== name);
    renderFiles();
    try {
      await userFiles.remove(name);
      fileProblem('');
    } catch (err) {
      fileProblem(`${name} could not be forgotten: ${err && err.message ? err.message : err}`);
    }
  }

  async function loadKeptFiles() {
    try {
      state.files = await userFiles.list();
    } catch (err) {
      fileProblem('Your files cannot be kept in this browser: ' + (err && err.message ? err.message : err));
    }
    renderFiles();
  }

  function setupControls() {
    $('download-log').addEventListener('click', downloadLog);
    $('error-download-log').addEventListener('click', downloadLog);
    $('reboot').addEventListener('click', () => {
      if (!state.host) { location.reload(); return; }
      hideError();
      if (state.term) state.term.reset();
      state.host.reboot().catch((err) => showError({ title: 'Reboot failed', message: err.message, stack: err.stack, help: true }));
    });
    $('file-input').addEventListener('change', (ev) => { addFiles(ev.target.files).finally(() => { ev.target.value = ''; }); });
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
      if (state.term) state.term.reset();
      boot();
    });
    for (const code of document.querySelectorAll('#examples code')) {
      code.addEventListener('click', () => {
        if (state.host) state.host.input(code.textContent);
        if (state.term) state.term.focus();
      });
    }
  }

  // ---------- main ----------

  // selfTestCmdline adds the server's description of the conformance
  // initramfs to the self-test's command line.
  async function selfTestCmdline(cmdline) {
    let words = '';
    try {
      const r = await fetch(SELFTEST_WORDS, { cache: 'no-cache' });
      if (r.ok) words = (await r.text()).trim();
    } catch (_) { /* refused below */ }
    if (!/^initrd_len=\d+ initrd_fnv=[0-9a-f]{8}$/.test(words)) {
      throw new Error(`The server does not describe its conformance initramfs at ${SELFTEST_WORDS} (is it cmd/serve with the conformance kernel built?).`);
    }
    return cmdline + ' ' + words;
  }

  // conformanceMode: the conformance kernel (test equipment) prints no
  // shell prompt: its last line is what "ready" means for it, and the page
  // never presents it as Linux.
  function conformanceMode() {
    state.opts.readyPattern = 'CONF DONE';
    state.conf = confCounter();
    STAGE_TEXT.ready = 'Self-test done';
    const tagline = document.querySelector('.tagline');
    if (tagline) tagline.textContent = 'Host self-test: the conformance kernel, test equipment that imitates the Linux/Wasm kernel\u2019s side of the host interface. It is not Linux; bring a real vmlinux.wasm to boot Linux.';
    const watching = document.getElementById('watching');
    if (watching) watching.textContent = 'The conformance kernel is a small C program compiled to WebAssembly that drives every path of the host the way the Linux/Wasm kernel does: CPUs, task switches, user programs, exec, signals, the console. Each line CONF \u2026 PASS is one check of this host, a FAIL line (in red) a check that failed; CONF DONE gives the totals.';
  }

  async function main() {
    setupControls();
    // The terminal is made once xterm.js has run, beside the host's start
    // and the boot, which do not wait for it (the kernel's compile is the
    // long pole, and the host's start and checks belong beside it, not
    // after xterm.js). Console output before then is kept for it.
    const terminal = whenScriptsRan().then(() => setupTerminal());
    let noTerminal = false;
    terminal.catch((err) => {
      noTerminal = true;
      showError({ title: 'The terminal could not start', message: err.message, stack: err.stack });
      if (state.host) state.host.stop();
    });
    if (typeof WebAssembly === 'object' && !globalThis.crossOriginIsolated) {
      showError(notIsolated());
      return;
    }
    const missing = missingFeatures();
    if (missing.length) {
      showError({
        title: 'This browser cannot run Linux/Wasm',
        message: 'Missing: ' + missing.length + ' required feature(s). Use a current Chromium/Chrome (120 or later), Firefox or Safari.',
        details: missing,
      });
      return;
    }
    const kept = loadKeptFiles();
    setStage('download', 'Starting the host…');
    let host;
    try {
      host = await startGohost();
    } catch (err) {
      showError({ title: 'The host could not start', message: err.message, stack: err.stack });
      return;
    }
    // The URL parameters are the host's to parse (host/params.go).
    const p = host.parseParams(location.search, location.href);
    if (p.problems.length) {
      if (globalThis.gohostPrefetch) globalThis.gohostPrefetch.cancel();
      showError({ title: 'Invalid URL parameters', message: p.message, details: p.problems });
      return;
    }
    state.opts = { kernel: p.kernel, initrd: p.initrd, cmdline: p.cmdline, selftest: p.selftest, memcheck: p.memcheck };
    if (p.selftest || new URL(p.kernel).pathname === CONFORMANCE_KERNEL) conformanceMode();
    if (p.selftest) {
      try {
        state.opts.cmdline = await selfTestCmdline(p.cmdline);
      } catch (err) {
        showError({ title: 'The self-test cannot start', message: err.message });
        return;
      }
    }
    setStage('download', 'Looking for the kernel…');
    // Both downloads started with the page (early.js), the kernel compiling
    // as it arrives; the host's boot takes them (gohostPrefetch.take and
    // .compiled) instead of fetching again. Their status lines answer "is
    // there a kernel?". Should early.js have guessed other URLs than the
    // host resolved (it reads the parameters more simply), they are
    // fetched now.
    const pf = globalThis.gohostPrefetch;
    for (const [which, url] of [['kernel', state.opts.kernel], ['initrd', state.opts.initrd]]) {
      const pending = (pf && pf.peek(url)) || fetch(url, { method: 'HEAD' });
      const r = await pending.then((resp) => ({ ok: resp.ok, status: resp.status }), (err) => ({ ok: false, error: err.message }));
      if (!r.ok) { if (pf) pf.cancel(); await showNoKernel(which, url, r); return; }
    }
    await kept;
    if (noTerminal) return;
    wireHost(host);
    renderFiles();
    // A terminal that could not start stops the boot (above) and no other.
    await Promise.all([boot(), terminal.catch(() => {})]);
  }

  // Exported for tests.
  state.missingFeatures = missingFeatures;

  main().catch((err) => showError({ title: 'Unexpected error', message: err.message, stack: err.stack }));
}
