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

The Neo4j store reads --neo4j-uri, --neo4j-user, --neo4j-password and
--neo4j-database, or NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE.

The admin commands (agency, user, token) take serve's store flags: run
"redthread agency -h" for them. Run "redthread COMMAND -h" for a command's
flags.
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
	var err error
	switch args[0] {
	case "serve":
		err = m.serve(ctx, args[1:])
	case "ingest":
		err = m.ingest(ctx, args[1:])
	case "generate":
		err = m.generate(ctx, args[1:])
	case "neo4j-import":
		err = m.neo4jImport(ctx, args[1:])
	case "agency", "user", "token":
		err = m.admin(ctx, args[0], args[1:])
	case "sharekey":
		err = m.shareKey(ctx, args[1:])
	case "version":
		fmt.Fprintln(m.Stdout, "redthread", version())
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
	default:
		fmt.Fprintf(m.Stderr, "redthread: unknown command %q\n\n%s", args[0], usage)
		return ExitUsage
	}
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

// newFlagSet returns a flag set that reports errors as usage errors and
// prints its help to stderr.
func (m Main) newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("redthread "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	return fs
}

func (m Main) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return exitCode(ExitUsage) // flag has printed the error and usage
	}
	return nil
}

// env returns the environment variable name or def.
func (m Main) env(name, def string) string {
	if v := m.Getenv(name); v != "" {
		return v
	}
	return def
}

// logger builds the process logger: text on stderr by default, JSON when
// asked (for log shippers).
func (m Main) logger(level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErrorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text", "":
		return slog.New(slog.NewTextHandler(m.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(m.Stderr, opts)), nil
	}
	return nil, usageErrorf("--log-format %q: want text or json", format)
}
