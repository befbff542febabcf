// Command segur checks, builds and submits Ségur numérique financing-request
// files (JSON-HOP), and serves the agency's portal.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/segur-numerique/segur/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
