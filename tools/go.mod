// Development tools, in a module of their own so their dependencies stay out
// of the main module's graph. jsguard (from safejs) needs a golang.org/x/tools
// newer than the one safejs v0.1.0 asks for, to read Go 1.26 export data.
module github.com/linuxwasm/gohost/tools

go 1.26.0

tool github.com/hack-pad/safejs/jsguard/cmd/jsguard

require (
	github.com/hack-pad/safejs v0.1.0 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
)
