// Package results writes one measured table into its section of
// bench/RESULTS.md, headed by the command that made it, when, the commit
// and the machine, so every figure in the file says where it comes from.
package results

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/bench/internal/mdsection"
)

// Write replaces section sec of the markdown file at path with table
// (fenced as text) under a heading title, saying that command made it,
// starting at began.
func Write(path, sec, title, command string, began time.Time, table string) error {
	return write(path, sec, title, command, began, "```text\n"+strings.TrimRight(table, "\n")+"\n```")
}

// WriteMarkdown is Write for a table already in markdown: not fenced.
func WriteMarkdown(path, sec, title, command string, began time.Time, table string) error {
	return write(path, sec, title, command, began, strings.TrimRight(table, "\n"))
}

func write(path, sec, title, command string, began time.Time, table string) error {
	if title == "" {
		title = sec
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", title)
	fmt.Fprintf(&b, "`%s` — %s, %s; commit %s.\n\n", command,
		began.UTC().Format("2006-01-02 15:04 MST"), time.Since(began).Round(time.Second), commit())
	fmt.Fprintf(&b, "Machine: %s.\n\n", Machine())
	fmt.Fprintf(&b, "%s\n", table)
	return mdsection.Update(path, "bench", sec, b.String())
}

// commit names the checked-out revision (with "+changes" when a file other
// than markdown differs from it: this file itself is written by the run),
// or "unknown" outside a git work tree.
func commit() string {
	rev, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(rev))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)*.md").Output(); err == nil && len(st) > 0 {
		c += "+changes"
	}
	return c
}

// Machine describes the hardware and the Go version the bench runs with.
func Machine() string {
	return Hardware() + ", " + runtime.Version()
}

// Hardware describes the CPUs, the memory and the kernel.
func Hardware() string {
	model := procField("/proc/cpuinfo", "model name")
	mem := "unknown memory"
	if kb, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 10, 64); err == nil {
		mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	kernel := "unknown"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%d CPUs (%s), %s, %s %s/%s", runtime.NumCPU(), model, mem, runtime.GOOS, kernel, runtime.GOARCH)
}

// procField reads "key : value" from a /proc file; "unknown" when absent.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer func() { _ = f.Close() }() // read only
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
