package main

import (
	"debug/buildinfo"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/bench/internal/results"
)

// machine describes where a report was measured.
type machine struct {
	cpus      int
	hardware  string // results.Hardware: CPUs, memory, kernel
	goVersion string // the server binary's toolchain
	commit    string // what the server binary was built from
	date      time.Time
}

func describeMachine(bin, commit string) machine {
	m := machine{
		cpus:      runtime.NumCPU(),
		hardware:  results.Hardware(),
		goVersion: runtime.Version(),
		commit:    commit,
		date:      time.Now().UTC(),
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
