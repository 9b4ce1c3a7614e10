// Package cli is the redthread command line: it parses flags, builds the
// store, server and ingest jobs, runs them and closes them. It is a package
// of its own, not main, so that end-to-end tests drive the real program.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"golang.org/x/term"

	"github.com/redthread-dev/redthread/server"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitFailure  = 1 // the command failed
	ExitUsage    = 2 // bad flags or arguments
	ExitRejected = 3 // an ingest job finished but rejected some records
)

// Main is the program with its environment injected.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

const usage = `redthread — graph investigation platform

Usage:
  redthread serve  [--addr HOST:PORT] [--store embedded|neo4j] [--data DIR] [--demo]
                   [--import-dir DIR] [--state-dir DIR] [--max-upload-size SIZE] [flags]
  redthread ingest [--store embedded|neo4j] [--data DIR] --format FORMAT [--checkpoint FILE] [--resume=false] [flags] FILE...
  redthread generate --scale S|M|L [--seed N] --out DIR
  redthread neo4j-import --format FORMAT --out DIR FILE...   (CSV files for a new Neo4j database: scripts/neo4j.sh import DIR)
  redthread agency add [--name TEXT] AGENCY      (and: agency list)
  redthread user add --agency AGENCY --role viewer|analyst|admin EMAIL   (and: user list --agency AGENCY)
  redthread token create --agency AGENCY --user EMAIL [--scope read] [--expires 720h]
  redthread token revoke ID                       (and: token list --agency AGENCY [--user EMAIL])
  redthread sharekey rotate|list                  (share links' signing keys)
  redthread version
  redthread help [COMMAND [VERB]]                  (a command's help, flags and environment)

Every flag is also set by the environment variable REDTHREAD_<FLAG> (dashes
as underscores: --max-upload-size is REDTHREAD_MAX_UPLOAD_SIZE) and by a
configuration file (--config FILE or REDTHREAD_CONFIG; "key = value" lines,
keys are flag names). A flag wins over the environment, which wins over
the file. The Neo4j store also reads NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD
and NEO4J_DATABASE.

The admin commands (agency, user, token) take serve's store flags: run
"redthread help user add" for them. Run "redthread help COMMAND" for a
command's flags.
`

// Run runs the command in args and returns the process exit code.
func (m Main) Run(ctx context.Context, args []string) int {
	if m.Getenv == nil {
		m.Getenv = func(string) string { return "" }
	}
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return ExitUsage
	}
	if !known(args[0]) {
		fmt.Fprintf(m.Stderr, "redthread: unknown command %q\n\n%s", args[0], usage)
		return ExitUsage
	}
	err := m.dispatch(ctx, args[0], args[1:])
	var ec exitCode
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &ec):
		return int(ec)
	case errors.As(err, new(usageError)):
		fmt.Fprintf(m.Stderr, "redthread %s: %v\n", args[0], err)
		return ExitUsage
	}
	fmt.Fprintf(m.Stderr, "redthread %s: %v\n", args[0], err)
	return ExitFailure
}

func known(cmd string) bool {
	switch cmd {
	case "serve", "ingest", "generate", "neo4j-import", "agency", "user", "token", "sharekey", "version", "help", "-h", "--help":
		return true
	}
	return false
}

// dispatch runs command cmd with its arguments.
func (m Main) dispatch(ctx context.Context, cmd string, args []string) error {
	switch cmd {
	case "serve":
		return m.serve(ctx, args)
	case "ingest":
		return m.ingest(ctx, args)
	case "generate":
		return m.generate(ctx, args)
	case "neo4j-import":
		return m.neo4jImport(ctx, args)
	case "agency", "user", "token":
		return m.admin(ctx, cmd, args)
	case "sharekey":
		return m.shareKey(ctx, args)
	case "version":
		fmt.Fprintln(m.Stdout, "redthread", version())
		return nil
	case "help":
		return m.help(ctx, args)
	case "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	return usageErrorf("unknown command %q", cmd)
}

// exitCode is an error that only sets the exit status; the command has
// already said what happened.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

type usageError struct{ error }

// closeInto closes c when a command ends and adds its error to the
// command's: a store that cannot sync on close has lost writes, which the
// exit status must say.
func closeInto(err *error, what string, c io.Closer) {
	if cerr := c.Close(); cerr != nil {
		*err = errors.Join(*err, fmt.Errorf("close %s: %w", what, cerr))
	}
}

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// newFlagSet returns a flag set that reports errors as usage errors, with
// the --config flag every command takes.
func (m Main) newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("redthread "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	// parse prints help itself: to stdout when asked, a hint on an error.
	fs.Usage = func() {}
	addConfigFlag(fs)
	return fs
}

// parse parses args, then sets the flags they left unset from the
// environment and the configuration file (config.go).
func (m Main) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			m.printHelp(m.Stdout, fs)
			return err
		}
		// flag has printed the error.
		fmt.Fprintf(m.Stderr, "Run \"redthread help %s\" for usage.\n", strings.TrimPrefix(fs.Name(), "redthread "))
		return exitCode(ExitUsage)
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	var known func(string) bool
	if fs.Name() != "redthread serve" {
		known = m.serveKeys()
	}
	return m.configure(fs, explicit, known)
}

// logger builds the process logger on stderr: text, JSON, or auto (text
// on a terminal, JSON for a log shipper). Records logged with a request's
// context carry its request_id.
func (m Main) logger(level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErrorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	f := strings.ToLower(format)
	if f == "auto" {
		f = "json"
		if m.stderrIsTerminal() {
			f = "text"
		}
	}
	switch f {
	case "text", "":
		return slog.New(server.LogHandler(slog.NewTextHandler(m.Stderr, opts))), nil
	case "json":
		return slog.New(server.LogHandler(slog.NewJSONHandler(m.Stderr, opts))), nil
	}
	return nil, usageErrorf("--log-format %q: want text, json or auto", format)
}

// stderrIsTerminal reports whether stderr is a terminal.
func (m Main) stderrIsTerminal() bool {
	f, ok := m.Stderr.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}
