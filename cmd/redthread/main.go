// Command redthread runs the Redthread graph investigation platform:
// `redthread serve` for the GraphQL API and the web UI, `redthread ingest`
// to load evidence. See `redthread help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/redthread-dev/redthread/cli"
)

// exitInterrupted is the status of a process stopped by a second signal
// (128 + SIGINT, as a shell reports it).
const exitInterrupted = 130

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal starts a graceful stop (requests in flight
		// finish, ingest jobs checkpoint); a second one exits at once.
		<-sigs
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "redthread: second signal: exiting at once")
		os.Exit(exitInterrupted)
	}()
	code := cli.Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}.Run(ctx, os.Args[1:])
	signal.Stop(sigs)
	cancel()
	os.Exit(code)
}
