// gohost.js: starts the Go host (gohost.wasm) for any page and returns its
// JavaScript API. The page (loader.js) uses it; so can another page that
// embeds Linux/Wasm (docs/embedding.md):
//
//   import { startGohost } from './gohost.js';
//   const gohost = await startGohost();
//   gohost.on('console', (bytes) => term.write(bytes));
//   await gohost.boot({ kernel: 'kernel/vmlinux.wasm', initrd: 'kernel/initramfs.cpio.gz' });
//
// What it does besides loading: binds the host's hostmem imports (the host
// reaches the machine's shared memory through the same wasm helper as its
// workers), makes input() a direct call of the host's exports (no JS-to-Go
// callback per key), and turns the API's refusals into exceptions.
//
// The page must be cross-origin isolated (COOP/COEP headers) and sit in the
// directory that serves gohost.wasm, gohost-worker.wasm, gohost-worker.js
// (make build's wasm_exec.js + worker.js) and wasm_exec.js: the host starts
// its workers from URLs relative to the page.

let started = null;

// startGohost loads and starts the host once per page; later calls return
// the same API. base is where gohost.wasm and wasm_exec.js are (default:
// beside this module).
export function startGohost({ base = new URL('.', import.meta.url).href } = {}) {
  if (!started) started = start(base);
  return started;
}

// gohostSkipTo reads a download's stream forward to byte offset target
// without handing the bytes to Go: the host wants only the kernel's head
// (its leading sections), and a trip
// into Go for every one of a 30 MB kernel's ~500 chunks cost seconds on a
// busy page. at is the offset of the reader's next byte; progress(loaded) is
// called at most every 50 ms. It resolves with {done, at, value}: value is
// the chunk holding target, from target on (at: its offset), or done once
// the stream ended first (at: the stream's length).
globalThis.gohostSkipTo = async function skipTo(reader, at, target, progress) {
  // The page's early.js may read the kernel in a worker (kfetch.js): the
  // bytes are passed over there, not brought here.
  if (typeof reader.skipTo === 'function') return reader.skipTo(at, target, progress);
  let said = performance.now();
  for (;;) {
    const r = await reader.read();
    if (r.done) return { done: true, at };
    const c = r.value;
    if (at + c.length > target) {
      const from = Math.max(0, target - at);
      return { done: false, at: at + from, value: from > 0 ? c.subarray(from) : c };
    }
    at += c.length;
    const now = performance.now();
    if (now - said >= 50) { said = now; progress(at); }
  }
};

// The host's imports of module gohost_mem are bound to delegates that call
// the helper instance the host names in gohostMainHostmem.exports, one per
// machine; stage is the machine's input staging area.
const mainHostmem = { exports: undefined, stage: undefined };

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(src + ' did not load: run "make build" (make serve does it).'));
    document.head.appendChild(s);
  });
}

function bindHostmemImports(module, importObject) {
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== 'gohost_mem' || imp.kind !== 'function') continue;
    const name = imp.name;
    imports[name] = (a, b, c) => mainHostmem.exports[name](a, b, c);
  }
  importObject.gohost_mem = imports;
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return 'a ' + typeof v;
}

// wrap returns the API with the host's refusals (a TypeError returned by a
// method, see refusal in host/api_js.go) thrown.
function wrap(raw) {
  const api = {};
  for (const name of Object.keys(raw)) {
    const f = raw[name];
    if (typeof f !== 'function') continue;
    api[name] = (...args) => {
      const r = f.apply(raw, args);
      if (r instanceof Error) throw r;
      return r;
    };
  }
  // The host releases an unsubscribe function when it is called; calling
  // it again must do nothing, not call a released Go function.
  api.on = (...args) => {
    const off = raw.on(...args);
    if (off instanceof Error) throw off;
    let done = false;
    return () => {
      if (!done) { done = true; off(); }
    };
  };
  return api;
}

// fastInput makes input a direct call of the host's exports: the text is
// encoded straight into the machine's input staging area (or, with no
// machine yet, Go's staging buffer), so a key press reaches the console input
// ring without a JS-to-Go callback or a copy through JS. Every byte is
// queued, in order.
function fastInput(api, ex) {
  if (typeof ex.gohost_input !== 'function' || typeof ex.gohost_input_staged !== 'function') return;
  const addr = ex.gohost_input_stage();
  const size = ex.gohost_input_stage_size();
  const enc = new TextEncoder();
  const scratch = new Uint8Array(size);
  api.input = (text) => {
    if (typeof text !== 'string') throw new TypeError('gohost.input takes a string, not ' + describe(text));
    let s = text;
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

// mark names a moment of the host's start-up in the page's performance
// timeline (gohost:...), for profiles and the bench.
const mark = (what) => { try { performance.mark('gohost:' + what); } catch (_) { /* no timeline */ } };

async function start(base) {
  mark('start');
  if (!globalThis.crossOriginIsolated) {
    throw new Error('The page is not cross-origin isolated: the server must send "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp" (make serve does).');
  }
  globalThis.gohostMainHostmem = mainHostmem;
  // wasm_exec.js comes from the Go that built gohost.wasm.
  if (typeof Go !== 'function') await loadScript(new URL('wasm_exec.js', base).href);
  if (typeof Go !== 'function') throw new Error('wasm_exec.js did not define Go: run "make build".');
  return new Promise((resolve, reject) => {
    let exports = null;
    const onReady = () => {
      mark('ready');
      const raw = globalThis.gohost;
      if (!raw) {
        reject(new Error('gohost-ready fired but globalThis.gohost is missing.'));
        return;
      }
      const api = wrap(raw);
      if (exports) fastInput(api, exports);
      globalThis.gohost = api;
      resolve(api);
    };
    window.addEventListener('gohost-ready', onReady, { once: true });
    const go = new Go();
    // The page's early.js may have started compiling it already.
    const url = new URL('gohost.wasm', base).href;
    const early = globalThis.gohostPrefetch ? globalThis.gohostPrefetch.compiled(url) : undefined;
    Promise.resolve(early)
      .then((module) => module || WebAssembly.compileStreaming(fetch(url)))
      .then((module) => {
        mark('compiled');
        bindHostmemImports(module, go.importObject);
        return WebAssembly.instantiate(module, go.importObject);
      })
      .then((instance) => {
        mark('instantiated');
        exports = instance.exports;
        return go.run(instance).then(() => reject(new Error('The Go host exited.')));
      })
      .catch((err) => {
        window.removeEventListener('gohost-ready', onReady);
        reject(new Error('Could not start the host (gohost.wasm): ' + err.message + '. Run "make build".'));
      });
  });
}
