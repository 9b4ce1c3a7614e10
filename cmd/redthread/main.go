// Command redthread runs the Redthread graph investigation platform:
// `redthread serve` for the GraphQL API and the web UI, `redthread ingest`
// to load evidence. See `redthread help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/redthread-dev/redthread/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
