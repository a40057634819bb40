// early.js: the page's first script, run while the HTML is still parsed.
// It starts everything the boot will wait for before anything else asks for
// it: the kernel's download and WebAssembly.compileStreaming (the longest
// job; in a worker, kfetch.js, so that the 30 MB stream does not keep the
// main thread busy), the initramfs, and the two Go programs (gohost.wasm for
// the page, gohost-worker.wasm for the workers). The Go host starts
// meanwhile and takes these pending results (globalThis.gohostPrefetch)
// instead of asking again, so nothing it does delays the kernel's compile;
// it still checks the kernel's interface from the stream's leading sections
// and refuses a kernel before anything is instantiated.
//
// The URL parameters are the Go host's to check (host/params.go). Only the
// two it needs early are read here, the same way, and a guess that the host
// then does not confirm costs a download and nothing else: the host fetches
// what it resolved, and the page cancels what nobody took.
'use strict';
(() => {
  if (!globalThis.crossOriginIsolated || typeof WebAssembly !== 'object' || typeof fetch !== 'function') return;
  const here = location.href;
  const abs = (u) => new URL(u, here).href;
  let kernel = 'kernel/vmlinux.wasm';
  let initrd = 'kernel/initramfs.cpio.gz';
  try {
    const q = new URLSearchParams(location.search);
    if (q.has('selftest')) {
      kernel = '/conformance/vmlinux.wasm';
      initrd = '/conformance/initramfs.cpio';
    } else {
      if (q.get('kernel')) kernel = q.get('kernel').trim();
      if (q.get('initrd')) initrd = q.get('initrd').trim();
    }
    kernel = abs(kernel);
    initrd = abs(initrd);
  } catch (_) {
    return; // a URL the host will refuse with a readable message
  }

  const abort = new AbortController();
  const responses = new Map(); // URL -> promise of its Response, until taken
  const compiles = new Map(); // URL -> promise of its compiled module, until taken
  const wasmType = (resp) => /^application\/wasm\b/i.test(resp.headers.get('content-type') || '');
  const quiet = (p) => { p.catch(() => {}); return p; }; // failures are reported by whoever takes them
  // mark names a moment of the early downloads in the page's timeline
  // (gohost:early:...), for profiles and the bench.
  const mark = (what) => { try { performance.mark('gohost:early:' + what); } catch (_) { /* no timeline */ } };

  // fetchCompiling fetches url and, if it is wasm, compiles it as it
  // arrives (the Go programs: nothing else reads them). On the page, not in
  // the kernel's worker: there a compile's end waits behind the kernel's
  // stream on the worker's thread. With gohost.wasm there, the Go host got
  // its module only with the kernel's (all three at 1480 ms, the page idle
  // from 619 ms); with the workers' program there, the stock waited for it
  // and CPU 0's worker started cold (440-540 ms from its post to the first
  // output, against ~160 ms warm). Both cost the page's thread ~200 ms of
  // compile and ~20-30 MiB of memory here (-ab, realboot).
  function fetchCompiling(url) {
    let resolveCompile;
    const compiled = quiet(new Promise((resolve) => { resolveCompile = resolve; }));
    quiet(fetch(url, { signal: abort.signal }).then((r) => {
      if (!r.ok) {
        resolveCompile(undefined);
        return;
      }
      // compileStreaming wants application/wasm; a server that labels it
      // otherwise still gets it compiled (without the code cache).
      const src = wasmType(r) ? r : new Response(r.body, { headers: { 'content-type': 'application/wasm' } });
      resolveCompile(quiet(WebAssembly.compileStreaming(src).then((m) => { mark('compiled ' + url.slice(url.lastIndexOf('/') + 1)); return m; })));
    }, () => resolveCompile(undefined)));
    compiles.set(url, compiled);
  }

  // fetchKernelInWorker has kfetch.js download and compile the kernel, off
  // the main thread, and gives the host a stand-in for the Response: its
  // status and headers, and a body reader that asks the worker for chunks
  // (read) or for the chunk at an offset, passing over the bytes before it
  // there (skipTo, used by gohost.js's gohostSkipTo).
  function fetchKernelInWorker(url) {
    // The URL travels in the script URL's fragment (never sent, not part of
    // the cache key), so the worker fetches from its first statement: a
    // 'start' message is delivered only once the page's main thread has
    // handed it over, and that thread is busy in these first hundreds of
    // milliseconds (layout, the Go programs' compiles): the kernel's request
    // went out at 750-780 ms, against the reference host's 131 ms.
    const w = new Worker('kfetch.js#' + encodeURIComponent(url), { name: 'gohost kernel download' });
    const waiting = new Map(); // read id -> resolve
    let nextID = 0;
    let onProgress = null;
    let settle, fail, resolveCompile, rejectCompile;
    let streamDone = false, moduleDone = false;
    let stand = null; // the stand-in Response, once the worker has one
    const finish = () => { if (streamDone && moduleDone) w.terminate(); };
    const resp = quiet(new Promise((res, rej) => { settle = res; fail = rej; }));
    const compiled = quiet(new Promise((res, rej) => { resolveCompile = res; rejectCompile = rej; }));
    const ask = (target, progress) => new Promise((res, rej) => {
      const id = nextID++;
      onProgress = progress || null;
      waiting.set(id, { res, rej });
      w.postMessage({ op: 'read', id, target });
    });
    const reader = {
      read: () => ask(-1).then((c) => (c.done ? { done: true } : { done: false, value: c.value })),
      skipTo: (from, target, progress) => ask(target, progress),
      cancel: () => { streamDone = true; w.postMessage({ op: 'cancel' }); finish(); return Promise.resolve(); },
    };
    w.onmessage = (ev) => {
      const m = ev.data;
      if (m.op === 'response') {
        mark('kernel-response');
        if (m.error !== undefined) {
          streamDone = moduleDone = true;
          finish();
          resolveCompile(undefined);
          fail(new TypeError(m.error));
          return;
        }
        const h = m.headers;
        if (!m.ok) { streamDone = moduleDone = true; finish(); resolveCompile(undefined); }
        settle(stand = {
          ok: m.ok, status: m.status, statusText: m.statusText, url: m.url,
          headers: { get: (k) => (Object.prototype.hasOwnProperty.call(h, k.toLowerCase()) ? h[k.toLowerCase()] : null) },
          body: { getReader: () => reader },
        });
      } else if (m.op === 'module') {
        mark('kernel-compiled');
        moduleDone = true;
        finish();
        if (m.error !== undefined) rejectCompile(new WebAssembly.CompileError(m.error));
        else resolveCompile(m.module);
      } else if (m.op === 'progress') {
        if (onProgress) onProgress(m.loaded);
      } else if (m.op === 'chunk') {
        const wt = waiting.get(m.id);
        waiting.delete(m.id);
        if (m.done) { mark('kernel-downloaded'); streamDone = true; finish(); if (stand) stand.timing = m.timing; }
        if (wt) (m.error !== undefined ? wt.rej(new TypeError(m.error)) : wt.res(m));
      }
    };
    w.onerror = (ev) => { ev.preventDefault(); fail(new TypeError('the kernel download worker failed')); resolveCompile(undefined); };
    abort.signal.addEventListener('abort', () => w.terminate());
    responses.set(url, resp);
    compiles.set(url, compiled);
  }

  // Only what the host would fetch too: the page's own server, or HTTPS
  // (the page's Content-Security-Policy allows no other; the host refuses
  // other schemes with a message).
  const fetchable = (u) => { const p = new URL(u); return p.origin === location.origin || p.protocol === 'https:'; };
  if (fetchable(kernel)) fetchKernelInWorker(kernel);
  fetchCompiling(abs('gohost.wasm'));
  fetchCompiling(abs('gohost-worker.wasm'));
  if (fetchable(initrd)) responses.set(initrd, quiet(fetch(initrd, { signal: abort.signal })));

  globalThis.gohostPrefetch = {
    // peek: the pending response of url without taking it (the page's
    // "is there a kernel?" check), or undefined.
    peek(url) { return responses.get(url); },
    // take: the pending response of url, once; undefined if there is none.
    take(url) { const p = responses.get(url); responses.delete(url); return p; },
    // compiled: a promise of the module compiled from url (undefined when
    // it was not wasm or could not be fetched), once; undefined if url was
    // not fetched early.
    compiled(url) { const c = compiles.get(url); compiles.delete(url); return c; },
    // cancel: stop every download nobody took (the page will not boot).
    cancel() { responses.clear(); compiles.clear(); abort.abort(); },
  };
})();
