package cli

import (
	"flag"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	readmeRow  = regexp.MustCompile("^\\| `--([a-z0-9-]+)` \\| ([^|]*) \\| ([^|]*) \\|")
	backquoted = regexp.MustCompile("`([^`]*)`")
)

// TestReadmeConfigurationTable checks the README's table of serve's flags
// against the program: one row per flag, in order, each with its
// environment variables and its default.
func TestReadmeConfigurationTable(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := Main{Stdout: io.Discard, Stderr: io.Discard}
	fs := m.newFlagSet("serve")
	m.serveFlags(fs)
	var want []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { want = append(want, f) })

	section, _, _ := strings.Cut(string(b)[strings.Index(string(b), "## Configuration"):], "### The configuration file")
	var rows [][]string
	for line := range strings.SplitSeq(section, "\n") {
		if r := readmeRow.FindStringSubmatch(line); r != nil {
			rows = append(rows, r[1:])
		}
	}
	if len(rows) != len(want) {
		t.Errorf("README lists %d serve flags, the program has %d", len(rows), len(want))
	}
	for i, f := range want {
		if i >= len(rows) {
			t.Errorf("--%s missing from the README", f.Name)
			continue
		}
		name, env, def := rows[i][0], rows[i][1], strings.TrimSpace(rows[i][2])
		if name != f.Name {
			t.Errorf("row %d is --%s, want --%s (rows in flag order)", i+1, name, f.Name)
			continue
		}
		var envs []string
		for _, e := range envNames(f.Name) {
			envs = append(envs, "`"+e+"`")
		}
		if got := strings.TrimSpace(env); got != strings.Join(envs, ", ") {
			t.Errorf("--%s environment %q, want %q", f.Name, got, strings.Join(envs, ", "))
		}
		if !sameDefault(def, f.DefValue) {
			t.Errorf("--%s default %q in the README, the program's is %q", f.Name, def, f.DefValue)
		}
	}
}

// sameDefault compares a README default cell with a flag's: an unset
// default reads as prose (none, off, the --data directory), a set one as
// its value in backquotes first (sizes without their space, durations as
// written).
func sameDefault(cell, def string) bool {
	if def == "" || def == "false" {
		return !strings.HasPrefix(cell, "`")
	}
	m := backquoted.FindStringSubmatch(cell)
	if m == nil || !strings.HasPrefix(cell, "`") {
		return false
	}
	v := m[1]
	if strings.ReplaceAll(v, " ", "") == strings.ReplaceAll(def, " ", "") {
		return true
	}
	dv, err1 := time.ParseDuration(v)
	dd, err2 := time.ParseDuration(def)
	return err1 == nil && err2 == nil && dv == dd
}
