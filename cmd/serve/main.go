//go:build !js

// Command serve is the development web server for the Linux/Wasm page: it
// serves www/ plus a kernel and initrd with the cross-origin isolation,
// Content-Security-Policy and caching headers the page needs.
//
//	go run ./cmd/serve -kernel path/to/vmlinux.wasm -initrd path/to/initramfs.cpio.gz
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/linuxwasm/gohost/e2e/conformance"
	"github.com/linuxwasm/gohost/internal/devserver"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("serve: ")
	if err := run(os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}

func run(args []string) error {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fl.String("addr", "127.0.0.1:8000", "listen address (loopback by default)")
	dir := fl.String("dir", "www", "static root: the page")
	kernel := fl.String("kernel", "kernel/vmlinux.wasm", "kernel served at "+devserver.KernelURL)
	initrd := fl.String("initrd", "kernel/initramfs.cpio.gz", "initrd served at "+devserver.InitrdURL)
	conf := fl.String("conformance", conformance.Dir(), "directory served at "+devserver.ConformanceURL+" if it exists")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fl.Args())
	}
	// The conformance kernel padded to a real kernel's size, made on first
	// use into a cache directory (only when the default directory is used:
	// it is made from that directory's vmlinux.wasm).
	var real string
	if *conf == conformance.Dir() {
		if p, err := conformance.RealKernelFile(); err == nil {
			real = p
			log.Printf("conformance kernel padded to a real kernel's size at %s", devserver.RealKernelURL)
		}
	}
	h, err := devserver.NewHandler(devserver.Config{Dir: *dir, Kernel: *kernel, Initrd: *initrd, Conformance: *conf, ConformanceReal: real})
	if err != nil {
		return err
	}
	for _, f := range []struct{ what, name, url string }{{"kernel", *kernel, devserver.KernelURL}, {"initrd", *initrd, devserver.InitrdURL}} {
		if fi := devserver.Describe(f.name); fi.Exists {
			log.Printf("%s: %s (%d bytes) at %s", f.what, f.name, fi.Size, f.url)
		} else {
			log.Printf("%s: %q not found; %s answers 404 until it exists", f.what, f.name, f.url)
		}
	}
	if devserver.HasConformance(h) {
		log.Printf("conformance kernel directory %s at %s", *conf, devserver.ConformanceURL)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Printf("Linux/Wasm: open http://%s/\n", displayAddr(ln.Addr()))

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stop()
	log.Print("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// displayAddr turns a listen address into one a browser can open
// (an unspecified host becomes localhost).
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
