// Injected into every page load by bench (Page.addScriptToEvaluateOnNewDocument)
// before the page's own scripts. It never changes what the page does, except
// that it adds poolFloor to gohost's boot options. It listens to whichever
// host the page has: gohost (globalThis.gohost) or the reference host
// (globalThis.refhost, e2e/refhost). __POOL_FLOOR__, __INPUT_STAMPS__ and
// __SHELL__ are replaced by bench before injection.
(() => {
  'use strict';
  const floor = __POOL_FLOOR__;
  const inputStamps = __INPUT_STAMPS__;
  const shell = __SHELL__; // the page boots to a shell prompt (realboot)
  const b = {
    floor,
    t: {}, // event name -> performance.now() (ms since navigation start)
    received: 0, // console bytes delivered by gohost.on('console')
    handed: 0, // bytes handed to xterm's term.write
    processed: 0, // bytes whose term.write callback has fired
    doneAt: -1, // bytes received when CONF DONE was seen
    lines: [], // BENCH and CONF DONE/FAIL lines
    fails: 0,
    errors: [],
    stages: [],
    inputs: 0,
    inputCallMs: 0, // time spent in gohost.input(): until the bytes are in the ring
  };
  // The last bytes of the console, to see the shell prompt "/ # " arrive
  // (t.prompt: the first time the output ends with it).
  let tail = '';
  // A typed line waiting for its answer (b.shell).
  let watch = null;
  const shellDec = new TextDecoder('utf-8');
  // Typing into the page's host (gohost.input or refhost.input).
  let input = null;
  globalThis.__bench = b;
  b.lineTimes = [];
  const mark = (k) => { if (!(k in b.t)) b.t[k] = performance.now(); };
  const dec = new TextDecoder('utf-8');

  // The host's clock, as the workers' hostmem helper computes it.
  const hostNs = () => BigInt(Math.trunc((performance.timeOrigin + performance.now()) * 1e6));

  function line(s) {
    if (s.endsWith('\r')) s = s.slice(0, -1);
    if (s.startsWith('conf: ') && / CPUs online/.test(s)) mark('ready');
    if (b.lineTimes.length < 200 && (s.startsWith('CONF') || s.startsWith('conf'))) b.lineTimes.push([performance.now(), s.slice(0, 70)]);
    if (s.startsWith('BENCH-INPUT send ')) {
      if (inputStamps && input) {
        // As a key event would: in a task of its own, not nested in the
        // host's console callback.
        queueMicrotask(() => {
          b.inputs++;
          const stamp = 'T' + hostNs().toString() + ';';
          const t0 = performance.now();
          input(stamp);
          b.inputCallMs += performance.now() - t0;
        });
      }
      return;
    }
    if (s.startsWith('BENCH ')) b.lines.push(s);
    if (/^CONF \S+ \S+ FAIL/.test(s)) { b.fails++; b.lines.push(s); }
    if (s.startsWith('CONF DONE ')) {
      b.lines.push(s);
      b.doneAt = b.received;
      mark('done');
    }
  }

  // Only lines starting with B or C (BENCH, CONF) or "co" (conf:) matter; the
  // 8 MiB output benchmark is lower-case letters, so most lines are skipped
  // after one indexOf and a byte compare, keeping the probe's own cost on
  // the main thread small.
  let carry = null;
  function interesting(u, i) {
    const c = u[i];
    return c === 66 || c === 67 || (c === 99 && u[i + 1] === 111);
  }
  function onConsole(bytes) {
    if (b.received === 0) mark('firstByte');
    b.received += bytes.length;
    if (shell && (watch !== null || !('prompt' in b.t))) {
      const s = shellDec.decode(bytes, { stream: true });
      tail = (tail + s).slice(-8);
      if (tail.endsWith('/ # ')) mark('prompt');
      if (watch !== null) answer(s);
    }
    let start = 0;
    let nl = bytes.indexOf(10);
    if (carry !== null) {
      if (nl < 0) {
        if (carry.length < 4096) {
          const c = new Uint8Array(carry.length + bytes.length);
          c.set(carry);
          c.set(bytes, carry.length);
          carry = c;
        }
        return;
      }
      const c = new Uint8Array(carry.length + nl);
      c.set(carry);
      c.set(bytes.subarray(0, nl), carry.length);
      carry = null;
      if (interesting(c, 0)) line(dec.decode(c));
      start = nl + 1;
      nl = bytes.indexOf(10, start);
    }
    while (nl >= 0) {
      if (interesting(bytes, start)) line(dec.decode(bytes.subarray(start, nl)));
      start = nl + 1;
      nl = bytes.indexOf(10, start);
    }
    if (start < bytes.length) carry = bytes.slice(start, Math.min(bytes.length, start + 4096));
  }

  // Count what xterm.js has really processed: the loader writes each console
  // chunk with term.write(bytes); the write callback fires once xterm has
  // parsed it.
  function wrapTerm() {
    const page = globalThis.linuxWasmPage;
    const term = page && page.term;
    if (!term || term.__benchWrapped) return;
    const write = term.write.bind(term);
    term.write = (data, cb) => {
      const n = data.length;
      b.handed += n;
      write(data, () => {
        b.processed += n;
        if (b.doneAt >= 0 && b.processed >= b.doneAt) mark('xtermDone');
        if (cb) cb();
      });
    };
    term.__benchWrapped = true;
  }

  // shell types line (with gohost.input, as a key event would) and resolves
  // with {ms, runMs}: ms from just before the call until want and, after it,
  // the next prompt "/ # " have arrived on the console after the typed line's
  // echo; runMs from the echo's end (the kernel has read the line: the wait
  // for khvcd's next poll, up to 30 ms even when busy, is behind) to the
  // same point, which is the command's own cost. Timed in the page, on the
  // console callback, so the harness's polling plays no part.
  function answer(s) {
    const w = watch;
    w.text += s;
    let from = w.text.indexOf(w.echo);
    if (from >= 0 && w.echoAt < 0) w.echoAt = performance.now();
    from = from < 0 ? 0 : from + w.echo.length;
    const i = w.text.indexOf(w.want, from);
    if (i >= 0 && w.text.indexOf('/ # ', i + w.want.length) >= 0) {
      watch = null;
      clearTimeout(w.timer);
      const now = performance.now();
      w.resolve({ ms: now - w.t0, runMs: w.echoAt < 0 ? -1 : now - w.echoAt });
    }
  }
  b.shell = (line, want, timeoutMs) => new Promise((resolve, reject) => {
    if (watch !== null) { reject(new Error('b.shell: a line is already waiting')); return; }
    const w = { text: '', want, echo: line.replace(/\r$/, '') + '\r\n', resolve, t0: 0, echoAt: -1 };
    w.timer = setTimeout(() => {
      watch = null;
      reject(new Error('no answer ' + JSON.stringify(want) + ' to ' + JSON.stringify(line) + ' within ' + timeoutMs + ' ms; console since: ' + JSON.stringify(w.text)));
    }, timeoutMs);
    watch = w;
    w.t0 = performance.now();
    input(line);
  });

  let host, hooked = false;
  Object.defineProperty(globalThis, 'gohost', {
    configurable: true,
    enumerable: true,
    get() { return host; },
    set(v) {
      host = v;
      if (!v || typeof v.boot !== 'function' || hooked) return;
      // Once: gohost.js sets globalThis.gohost twice (the host's object,
      // then its wrapper, which calls the first one's methods, the boot
      // wrapper below included), and a second console subscription counted
      // every byte twice, so the output benchmark never saw xterm.js catch up.
      hooked = true;
      mark('hostReady');
      // The latest object's input (gohost.js's wrapper types without a
      // JS-to-Go callback).
      input = (s) => globalThis.gohost.input(s);
      wrapTerm();
      const boot = v.boot;
      v.boot = (opts) => {
        mark('boot');
        wrapTerm();
        return boot(Object.assign({}, opts || {}, { poolFloor: floor }));
      };
      v.on('console', onConsole);
      v.on('stage', (ev) => {
        b.stages.push(ev.stage);
        mark('stage_' + ev.stage);
        if (ev.stage === 'failed' || ev.stage === 'panic') b.errors.push('stage ' + ev.stage + ': ' + (ev.detail || ''));
      });
      v.on('error', (e) => b.errors.push('error: ' + (e && e.title) + ': ' + (e && e.message)));
    },
  });

  // The reference host: plain JavaScript, ready when the page's first
  // script has run; its console arrives as decoded strings.
  let ref;
  Object.defineProperty(globalThis, 'refhost', {
    configurable: true,
    enumerable: true,
    get() { return ref; },
    set(v) {
      ref = v;
      if (!v || typeof v.on !== 'function') return;
      mark('hostReady');
      input = (s) => v.input(s);
      const enc = new TextEncoder();
      v.on('console', (text) => onConsole(enc.encode(text)));
      v.on('error', (msg) => b.errors.push('error: ' + msg));
    },
  });

  // collect adds the boot's waterfall to b.t, from the browser's own
  // timings where both hosts have them: page = DOMContentLoaded; the
  // kernel's request start and end of download from Resource Timing (the
  // entry whose URL names the kernel); compiled = the reference host's mark
  // or gohost's stage 'boot' (kernel compiled, initrd and memories ready).
  b.collect = (kernelPath) => {
    const nav = performance.getEntriesByType('navigation')[0];
    if (nav) b.t.page = nav.domContentLoadedEventStart;
    const k = performance.getEntriesByType('resource').find((e) => new URL(e.name).pathname === kernelPath);
    if (k) {
      b.t.kernelRequest = k.requestStart || k.startTime;
      b.t.kernelDownloaded = k.responseEnd;
    }
    if (ref && ref.marks && 'compiled' in ref.marks) b.t.compiled = ref.marks.compiled;
    else if ('stage_boot' in b.t) b.t.compiled = b.t.stage_boot;
    // Every performance mark of the page (gohost:* from early.js,
    // gohost.js and loader.js), for -marks.
    b.marks = {};
    for (const e of performance.getEntriesByType('mark')) if (!(e.name in b.marks)) b.marks[e.name] = e.startTime;
    for (const [t, l] of b.lineTimes) b.marks['line ' + l] = t;
    for (const [t, d] of b.longTasks) b.marks['longtask ' + Math.round(d) + ' ms'] = t;
    for (const e of performance.getEntriesByType('resource')) {
      const name = new URL(e.name).pathname.split('/').pop();
      b.marks['res ' + name + ' start'] = e.startTime;
      b.marks['res ' + name + ' end'] = e.responseEnd;
    }
    if (nav) { b.marks['nav responseEnd'] = nav.responseEnd; b.marks['nav domInteractive'] = nav.domInteractive; }
    b.status = ref ? ref.status() : (globalThis.gohost ? globalThis.gohost.status() : {});
    return b;
  };
  addEventListener('error', (e) => b.errors.push('page error: ' + e.message));
  // The main thread's long tasks (over 50 ms), for -marks: what keeps it
  // busy during the start-up.
  b.longTasks = [];
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) b.longTasks.push([e.startTime, e.duration]); })
      .observe({ type: 'longtask', buffered: true });
  } catch (_) { /* not in this browser */ }
})();
