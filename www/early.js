// early.js: the page's first script, run while the HTML is still parsed.
// It starts everything the boot will wait for before anything else asks for
// it: the kernel's download and WebAssembly.compileStreaming (the longest
// job), the initramfs, and the two Go programs (gohost.wasm for the page,
// gohost-worker.wasm for the workers). The kernel and the workers' program
// download and compile in a worker, kfetch.js, so that neither the 30 MB
// stream nor those compiles keep the main thread busy while it starts the
// Go host (loader.js, an async module). The Go host starts
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

  // The worker, kfetch.js (one for all the downloads it compiles), lives until the kernel's stream and
  // module and every program compile are taken care of.
  let w = null;
  let busy = 0; // jobs the worker still has
  const settled = () => { if (--busy === 0) w.terminate(); };
  const moduleWaiters = new Map(); // URL -> {res} of compileInWorker
  let onKernelMessage = null;
  function worker() {
    if (w) return w;
    w = new Worker('kfetch.js', { name: 'gohost downloads' });
    w.onmessage = (ev) => {
      const m = ev.data;
      if (m.op === 'compiled') {
        const c = moduleWaiters.get(m.url);
        moduleWaiters.delete(m.url);
        mark('compiled ' + m.url.slice(m.url.lastIndexOf('/') + 1));
        c.res(m.module); // undefined when it failed: the host compiles it itself
        settled();
      } else if (onKernelMessage) {
        onKernelMessage(m);
      }
    };
    w.onerror = (ev) => {
      ev.preventDefault();
      for (const c of moduleWaiters.values()) c.res(undefined);
      moduleWaiters.clear();
      if (onKernelMessage) onKernelMessage({ op: 'failed' });
    };
    abort.signal.addEventListener('abort', () => w.terminate());
    return w;
  }

  // compileInWorker has the worker fetch and compile a Go program (wasm);
  // the module comes back (a compiled module is shared, not copied). Its
  // compile then does not share the page's thread with the host's start,
  // and the page holds less memory, but the module arrives only about when
  // the kernel's compile ends (the worker's thread is busy with the
  // kernel's stream until then). So the workers' program compiles there,
  // and the host's own (gohost.wasm) on the page, where the host can start
  // long before the kernel is compiled. -ab, realboot, 4-5 alternated
  // rounds each: both here: PSS 479 against 512 MiB with both on the page,
  // first output 2510 against 2421 ms, but CPU 0's worker started cold (the
  // stock waits for the host); gohost.wasm on the page: first output 3352
  // against 3687 ms and host ready 1379 against 2708 ms (load ~6), PSS 543
  // against 522 MiB.
  function compileInWorker(url) {
    busy++;
    compiles.set(url, quiet(new Promise((res) => {
      moduleWaiters.set(url, { res });
      worker().postMessage({ op: 'compile', url });
    })));
  }

  // fetchCompiling fetches url and, if it is wasm, compiles it as it
  // arrives (gohost.wasm: nothing else reads it). On the page, not in the
  // kernel's worker: there a compile's end waits behind the kernel's stream
  // on the worker's thread, and the Go host, which is ready to start long
  // before, got its module only with the kernel's (measured: all three at
  // 1480 ms, the page idle from 619 ms).
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
    busy += 2; // the stream, the module
    const w = worker();
    const waiting = new Map(); // read id -> resolve
    let nextID = 0;
    let onProgress = null;
    let settle, fail, resolveCompile, rejectCompile;
    let streamDone = false, moduleDone = false;
    let stand = null; // the stand-in Response, once the worker has one
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
      cancel: () => { endStream(); w.postMessage({ op: 'cancel' }); return Promise.resolve(); },
    };
    const endStream = () => { if (!streamDone) { streamDone = true; settled(); } };
    const endModule = () => { if (!moduleDone) { moduleDone = true; settled(); } };
    onKernelMessage = (m) => {
      if (m.op === 'failed') {
        for (const wt of waiting.values()) wt.rej(new TypeError('the kernel download worker failed'));
        waiting.clear();
        fail(new TypeError('the kernel download worker failed'));
        resolveCompile(undefined);
        return;
      }
      if (m.op === 'response') {
        mark('kernel-response');
        if (m.error !== undefined) {
          endStream();
          endModule();
          resolveCompile(undefined);
          fail(new TypeError(m.error));
          return;
        }
        const h = m.headers;
        if (!m.ok) { endStream(); endModule(); resolveCompile(undefined); }
        settle(stand = {
          ok: m.ok, status: m.status, statusText: m.statusText, url: m.url,
          headers: { get: (k) => (Object.prototype.hasOwnProperty.call(h, k.toLowerCase()) ? h[k.toLowerCase()] : null) },
          body: { getReader: () => reader },
        });
      } else if (m.op === 'module') {
        mark('kernel-compiled');
        endModule();
        if (m.error !== undefined) rejectCompile(new WebAssembly.CompileError(m.error));
        else resolveCompile(m.module);
      } else if (m.op === 'progress') {
        if (onProgress) onProgress(m.loaded);
      } else if (m.op === 'chunk') {
        const wt = waiting.get(m.id);
        waiting.delete(m.id);
        if (m.done) { mark('kernel-downloaded'); endStream(); if (stand) stand.timing = m.timing; }
        if (wt) (m.error !== undefined ? wt.rej(new TypeError(m.error)) : wt.res(m));
      }
    };
    w.postMessage({ op: 'start', url });
    responses.set(url, resp);
    compiles.set(url, compiled);
  }

  // Only what the host would fetch too: the page's own server, or HTTPS
  // (the page's Content-Security-Policy allows no other; the host refuses
  // other schemes with a message).
  const fetchable = (u) => { const p = new URL(u); return p.origin === location.origin || p.protocol === 'https:'; };
  if (fetchable(kernel)) fetchKernelInWorker(kernel);
  fetchCompiling(abs('gohost.wasm'));
  compileInWorker(abs('gohost-worker.wasm'));
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
