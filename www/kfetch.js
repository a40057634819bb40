// kfetch.js: a Web Worker that downloads the kernel and compiles it as it
// arrives (WebAssembly.compileStreaming), started by early.js. A 30 MB
// stream fed through the page's main thread kept that thread busy until the
// download ended, and everything the host does on it (starting Go, checking
// the kernel, starting CPU 0) waited behind it; here the stream never
// touches the main thread. The page asks for what the host reads: the
// response's status and headers, then chunks at the offsets it needs (the
// kernel's head, then its end, see gohostSkipTo in gohost.js);
// the bytes in between are passed over here, with progress reports. The
// host's branch is read here as it arrives (pump), not when the host asks:
// its bytes are buffered either way (a tee keeps what one branch has not
// read), and a host that asked for the end once the head was checked then
// waited for this thread to read 30 MB of chunks after the download (~300
// ms), after the compile had finished.
//
// The kernel's URL is the fragment of this script's URL: the download starts
// with the script, not with a message the page's busy main thread would
// hand over later (see early.js).
//
// Messages in: {op: 'read', id, target} (the chunk
// holding byte target, or the next chunk if target is -1), {op: 'cancel'}.
// Messages out: {op: 'response', ...} once, {op: 'module', module | error}
// once, {op: 'chunk', id, done, at, value} per read, {op: 'progress', loaded}.
'use strict';

let reader = null;
let url = '';
let chunks = []; // {at, value}: read from the host's branch, not yet handed over or passed
let received = 0; // bytes read from the host's branch
let ended = false; // the branch ended (or failed: failure)
let failure = null;
let waiters = []; // reads waiting for more of the branch

function notify() {
  const w = waiters;
  waiters = [];
  for (const f of w) f();
}

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
  if (m.op === 'read') read(m.id, m.target).catch((err) => postMessage({ op: 'chunk', id: m.id, error: String(err && err.message || err) }));
  else if (m.op === 'cancel' && reader) { chunks = []; reader.cancel().catch(() => {}); }
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
  pump();
}

// pump reads the host's branch to its end as it arrives, reporting progress.
async function pump() {
  let said = performance.now();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      chunks.push({ at: received, value: r.value });
      received += r.value.length;
      notify();
      const now = performance.now();
      if (now - said >= 50) {
        said = now;
        postMessage({ op: 'progress', loaded: received });
      }
    }
  } catch (err) {
    failure = err;
  }
  ended = true;
  notify();
}

// read answers the host with the chunk holding byte target (the next chunk
// if target is -1), passing over the chunks before it.
async function read(id, target) {
  for (;;) {
    while (target >= 0 && chunks.length > 0 && chunks[0].at + chunks[0].value.length <= target) chunks.shift();
    if (chunks.length > 0) {
      const c = chunks.shift();
      const from = target < 0 ? 0 : Math.max(0, target - c.at);
      const value = c.value.slice(from); // its own buffer, to transfer
      postMessage({ op: 'chunk', id, done: false, at: c.at + from, value }, [value.buffer]);
      return;
    }
    if (failure) throw failure;
    if (ended) {
      postMessage({ op: 'chunk', id, done: true, at: received, timing: timing() });
      return;
    }
    await new Promise((resolve) => waiters.push(resolve));
  }
}

start(decodeURIComponent(location.hash.slice(1)));
