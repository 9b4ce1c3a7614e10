package main

import (
	"bufio"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine describes where a report was measured.
type machine struct {
	cpus      int
	cpuModel  string
	memory    string
	kernel    string
	goVersion string // the server binary's toolchain
	commit    string // what the server binary was built from
	date      time.Time
}

func describeMachine(bin, commit string) machine {
	m := machine{
		cpus:      runtime.NumCPU(),
		cpuModel:  procField("/proc/cpuinfo", "model name"),
		memory:    "unknown",
		kernel:    "unknown",
		goVersion: runtime.Version(),
		commit:    commit,
		date:      time.Now().UTC(),
	}
	if kb, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 10, 64); err == nil {
		m.memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = runtime.GOOS + " " + strings.TrimSpace(string(b))
	}
	if info, err := buildinfo.ReadFile(bin); err == nil {
		m.goVersion = info.GoVersion
		if m.commit == "" {
			var rev, modified string
			for _, s := range info.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value[:min(len(s.Value), 7)]
				case "vcs.modified":
					modified = s.Value
				}
			}
			if rev != "" {
				m.commit = rev
				if modified == "true" {
					m.commit += " with uncommitted changes"
				}
			}
		}
	}
	if m.commit == "" {
		m.commit = gitCommit()
	}
	return m
}

// gitCommit describes the working tree's commit, for a binary built
// without VCS stamping: read-only git commands only.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		c += " with uncommitted changes (working tree)"
	} else {
		c += " (working tree)"
	}
	return c
}

// procField returns the value of the first "key: value" line of a /proc
// file, or "unknown".
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
