// Command gohost is the page's main-thread program: it installs the gohost
// API (package host) and then serves the page's events forever.
package main

import "github.com/linuxwasm/gohost/host"

func main() {
	host.Install("gohost-worker.wasm")
	select {} // a returning main would break every callback
}
