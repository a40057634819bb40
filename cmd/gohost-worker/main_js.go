// Command gohost-worker is the Go program inside every Web Worker of the host:
// see package worker.
package main

import "github.com/linuxwasm/gohost/worker"

func main() { worker.Main() }
