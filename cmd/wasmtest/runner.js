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
    const module = await WebAssembly.compileStreaming(fetch('/__wasmtest/program.wasm'));
    // Imports of the host's own helper modules (gohost_mem: hostmem, bound
    // to a machine's memories at run time) have no machine here: a test that
    // reaches one fails with this error instead of the program not loading.
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.kind !== 'function' || imp.module in go.importObject && imp.name in go.importObject[imp.module]) continue;
      go.importObject[imp.module] = go.importObject[imp.module] || {};
      go.importObject[imp.module][imp.name] = () => { throw new Error(imp.module + '.' + imp.name + ' is not bound in a unit test'); };
    }
    await go.run(await WebAssembly.instantiate(module, go.importObject));
  } catch (err) {
    text(2, 'wasmtest: ' + (err && err.stack ? err.stack : String(err)) + '\n');
    exit(1);
  }
})();
