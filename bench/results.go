package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/bench/internal/mdsection"
	"github.com/redthread-dev/redthread/bench/internal/results"
)

// resultsConfig is where a run's table goes besides stdout: a section of
// a markdown file (bench/RESULTS.md), so one `make bench` fills the whole
// file, part by part, and a rerun of one part replaces only its own.
type resultsConfig struct {
	out, section, title string
}

func (r *resultsConfig) flags() {
	flag.StringVar(&r.out, "out", "", "also write the table into this markdown file, in section -section")
	flag.StringVar(&r.section, "section", "latest", "-out: the section to replace (ingest-5m, queries-1m, ...)")
	flag.StringVar(&r.title, "title", "", "-out: the section's heading (default: the section's name)")
}

func (r *resultsConfig) check() error {
	if r.out != "" && !mdsection.Valid(r.section) {
		return fmt.Errorf("-section %q: want a name such as queries-1m", r.section)
	}
	return nil
}

// write puts the run's table into its section of -out.
func (r *resultsConfig) write(table string, began time.Time) error {
	if r.out == "" {
		return nil
	}
	return results.Write(r.out, r.section, r.title, "go run ./bench "+shellJoin(os.Args[1:]), began, table)
}

// shellJoin writes args as a shell would need them to run again.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`;&|<>()*?[]#~") {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}
