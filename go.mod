module github.com/linuxwasm/gohost

go 1.26
