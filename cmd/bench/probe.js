// Injected into every page load by bench (Page.addScriptToEvaluateOnNewDocument)
// before the page's own scripts. It never changes what the page does, except
// that it adds poolFloor (and classic, when asked) to the page's boot options.
// __POOL_FLOOR__, __INPUT_STAMPS__ and __CLASSIC__ are replaced by bench
// before injection.
(() => {
  'use strict';
  const floor = __POOL_FLOOR__;
  const inputStamps = __INPUT_STAMPS__;
  const classic = __CLASSIC__;
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
  globalThis.__bench = b;
  const mark = (k) => { if (!(k in b.t)) b.t[k] = performance.now(); };
  const dec = new TextDecoder('utf-8');

  // The host's clock, as the workers' hostmem helper computes it.
  const hostNs = () => BigInt(Math.trunc((performance.timeOrigin + performance.now()) * 1e6));

  function line(s) {
    if (s.endsWith('\r')) s = s.slice(0, -1);
    if (s.startsWith('conf: ') && / CPUs online/.test(s)) mark('ready');
    if (s.startsWith('BENCH-INPUT send ')) {
      if (inputStamps && globalThis.gohost) {
        // As a key event would: in a task of its own, not nested in the
        // host's console callback.
        queueMicrotask(() => {
          b.inputs++;
          const stamp = 'T' + hostNs().toString() + ';';
          const t0 = performance.now();
          globalThis.gohost.input(stamp);
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

  let host;
  Object.defineProperty(globalThis, 'gohost', {
    configurable: true,
    enumerable: true,
    get() { return host; },
    set(v) {
      host = v;
      if (!v || typeof v.boot !== 'function') return;
      mark('hostReady');
      wrapTerm();
      const boot = v.boot;
      v.boot = (opts) => {
        mark('boot');
        wrapTerm();
        return boot(Object.assign({}, opts || {}, { poolFloor: floor }, classic ? { classic: true } : {}));
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
  addEventListener('error', (e) => b.errors.push('page error: ' + e.message));
})();
