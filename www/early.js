// early.js: the page's first script, run while the HTML is still parsed.
// It starts everything the boot will wait for before anything else asks for
// it: the kernel's download and WebAssembly.compileStreaming (the longest
// job, on the browser's compile threads), the initramfs, and the two Go
// programs (gohost.wasm for the page, gohost-worker.wasm for the workers).
// The Go host starts meanwhile and takes these pending results
// (globalThis.gohostPrefetch) instead of asking again, so nothing it does
// delays the kernel's compile; it still checks the kernel's interface from
// its own copy of the stream and refuses a kernel before anything is
// instantiated.
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

  // fetchCompiling fetches url and, if it is wasm, compiles it as it
  // arrives from a clone of the response (a clone keeps its URL, so the
  // browser's code cache can serve a reload). keep: the response itself is
  // also wanted (the host reads the kernel's head and progress from it).
  function fetchCompiling(url, keep) {
    let resolveCompile;
    const compiled = quiet(new Promise((resolve) => { resolveCompile = resolve; }));
    const resp = quiet(fetch(url, { signal: abort.signal }).then((r) => {
      if (!r.ok) {
        resolveCompile(undefined);
      } else {
        let src = keep ? r.clone() : r;
        // compileStreaming wants application/wasm; a server that labels it
        // otherwise still gets it compiled (without the code cache).
        if (!wasmType(r)) src = new Response(src.body, { headers: { 'content-type': 'application/wasm' } });
        resolveCompile(quiet(WebAssembly.compileStreaming(src)));
      }
      return r;
    }, (err) => { resolveCompile(undefined); throw err; }));
    if (keep) responses.set(url, resp);
    compiles.set(url, compiled);
  }

  // Only what the host would fetch too: the page's own server, or HTTPS
  // (the page's Content-Security-Policy allows no other; the host refuses
  // other schemes with a message).
  const fetchable = (u) => { const p = new URL(u); return p.origin === location.origin || p.protocol === 'https:'; };
  if (fetchable(kernel)) fetchCompiling(kernel, true);
  fetchCompiling(abs('gohost.wasm'), false);
  fetchCompiling(abs('gohost-worker.wasm'), false);
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
