// Command section writes a table read from stdin into its section of a
// markdown file (bench/RESULTS.md), for the benchmarks that are not Go
// (the browser's render bench):
//
//	node web/bench/render.mjs | go run ./bench/section -out bench/RESULTS.md -section browser -command "node web/bench/render.mjs"
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/redthread-dev/redthread/bench/internal/mdsection"
	"github.com/redthread-dev/redthread/bench/internal/results"
)

// maxTable bounds what is read: a table, not a log.
const maxTable = 1 << 20

func main() {
	out := flag.String("out", "", "the markdown file (required)")
	sec := flag.String("section", "", "the section to replace (required)")
	title := flag.String("title", "", "the section's heading (default: its name)")
	command := flag.String("command", "", "the command that made the table (required)")
	began := flag.String("began", "", "when that command started, RFC 3339 (default: now)")
	markdown := flag.Bool("markdown", false, "the table is markdown already: written as it is, not fenced as text")
	flag.Parse()
	write := results.Write
	if *markdown {
		write = results.WriteMarkdown
	}
	if err := run(os.Stdin, write, *out, *sec, *title, *command, *began); err != nil {
		fmt.Fprintln(os.Stderr, "section:", err)
		os.Exit(2)
	}
}

// writer is results.Write or results.WriteMarkdown.
type writer func(path, sec, title, command string, began time.Time, table string) error

func run(in io.Reader, write writer, out, sec, title, command, began string) error {
	if out == "" || command == "" || !mdsection.Valid(sec) {
		return errors.New("want -out FILE -section NAME -command CMD (a name such as browser)")
	}
	at := time.Now()
	if began != "" {
		t, err := time.Parse(time.RFC3339, began)
		if err != nil {
			return fmt.Errorf("-began %q: want RFC 3339, such as 2026-12-07T19:00:00Z", began)
		}
		at = t
	}
	table, err := io.ReadAll(io.LimitReader(in, maxTable+1))
	if err != nil {
		return fmt.Errorf("read the table: %w", err)
	}
	if len(table) > maxTable {
		return fmt.Errorf("the table is over %d bytes", maxTable)
	}
	if len(table) == 0 {
		return errors.New("no table on stdin: the benchmark printed nothing")
	}
	return write(out, sec, title, command, at, string(table))
}
