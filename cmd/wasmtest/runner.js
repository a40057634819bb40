// Runs /__wasmtest/program.wasm with Go's wasm_exec.js, reporting output and
// the exit code to cmd/wasmtest through CDP bindings.
'use strict';
(async () => {
  const out = (fd, bytes) => {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    globalThis.__wasmtestOut(JSON.stringify({ fd, data: btoa(s) }));
  };
  const text = (fd, str) => out(fd, new TextEncoder().encode(str));
  const exit = (code) => globalThis.__wasmtestExit(String(code));
  try {
    globalThis.fs.writeSync = (fd, buf) => { out(fd, buf); return buf.length; };
    const cfg = await (await fetch('/__wasmtest/config.json')).json();
    const go = new Go();
    go.argv = cfg.argv;
    go.env = cfg.env;
    go.exit = (code) => exit(code);
    const r = await WebAssembly.instantiateStreaming(fetch('/__wasmtest/program.wasm'), go.importObject);
    await go.run(r.instance);
  } catch (err) {
    text(2, 'wasmtest: ' + (err && err.stack ? err.stack : String(err)) + '\n');
    exit(1);
  }
})();
