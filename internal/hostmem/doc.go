// Package hostmem is bridge.Mem over the hostmem helper module
// (wasmgen.HostMem) that Go imports with //go:wasmimport: every bridge
// operation is one direct wasm call, no JavaScript. Workers bind the import
// through the generated forwarder (worker.js), the page's main thread through
// the loader's delegates; both point it at the machine's hostmem instance
// once the machine's memories exist, and nothing may call it before that.
package hostmem
