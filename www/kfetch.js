// kfetch.js: a Web Worker that downloads the kernel and compiles it as it
// arrives (WebAssembly.compileStreaming), started by early.js. A 30 MB
// stream fed through the page's main thread kept that thread busy until the
// download ended, and everything the host does on it (starting Go, checking
// the kernel, starting CPU 0) waited behind it; here the stream never
// touches the main thread. The page asks for what the host reads: the
// response's status and headers, then chunks at the offsets it needs (the
// kernel's head and its section headers, see gohostSkipTo in gohost.js);
// the bytes in between are passed over here, with progress reports.
//
// Messages in: {op: 'start', url}, {op: 'read', id, target} (the chunk
// holding byte target, or the next chunk if target is -1), {op: 'cancel'}.
// Messages out: {op: 'response', ...} once, {op: 'module', module | error}
// once, {op: 'chunk', id, done, at, value} per read, {op: 'progress', loaded}.
'use strict';

let reader = null;
let url = '';
let at = 0; // offset of the next byte the reader gives

// timing is this worker's Resource Timing entry of the download (the page's
// timeline has none): the host tells a download served from the browser's
// cache by its sizes.
function timing() {
  const es = performance.getEntriesByName(url);
  const e = es[es.length - 1];
  return e ? { transferSize: e.transferSize, encodedBodySize: e.encodedBodySize, decodedBodySize: e.decodedBodySize } : undefined;
}

onmessage = (ev) => {
  const m = ev.data;
  if (m.op === 'start') start(m.url);
  else if (m.op === 'read') read(m.id, m.target).catch((err) => postMessage({ op: 'chunk', id: m.id, error: String(err && err.message || err) }));
  else if (m.op === 'cancel' && reader) reader.cancel().catch(() => {});
};

async function start(u) {
  url = u;
  let r;
  try {
    r = await fetch(url);
  } catch (err) {
    postMessage({ op: 'response', error: String(err && err.message || err) });
    return;
  }
  const headers = {};
  for (const k of ['content-type', 'content-length', 'content-encoding', 'x-decoded-length', 'etag']) {
    const v = r.headers.get(k);
    if (v !== null) headers[k] = v;
  }
  postMessage({ op: 'response', ok: r.ok, status: r.status, statusText: r.statusText, url: r.url, headers });
  if (!r.ok) return;
  let src = r.clone(); // a clone keeps the URL: the code cache can serve a reload
  // compileStreaming wants application/wasm; a server that labels the kernel
  // otherwise still gets it compiled (without the code cache).
  if (!/^application\/wasm\b/i.test(headers['content-type'] || '')) {
    src = new Response(src.body, { headers: { 'content-type': 'application/wasm' } });
  }
  WebAssembly.compileStreaming(src).then(
    (module) => postMessage({ op: 'module', module }),
    (err) => postMessage({ op: 'module', error: String(err && err.message || err) }));
  reader = r.body.getReader();
}

async function read(id, target) {
  let said = performance.now();
  for (;;) {
    const r = await reader.read();
    if (r.done) {
      postMessage({ op: 'chunk', id, done: true, at, timing: timing() });
      return;
    }
    const c = r.value;
    if (target < 0 || at + c.length > target) {
      const from = Math.max(0, target - at);
      const value = c.slice(from); // its own buffer, to transfer
      const start = at + from;
      at += c.length;
      postMessage({ op: 'chunk', id, done: false, at: start, value }, [value.buffer]);
      return;
    }
    at += c.length;
    const now = performance.now();
    if (now - said >= 50) {
      said = now;
      postMessage({ op: 'progress', loaded: at });
    }
  }
}
