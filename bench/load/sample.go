package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sample is the server's state at one moment of a run.
type sample struct {
	at         time.Duration // since the load started
	rss        int64         // bytes
	goroutines int
	cpu        time.Duration // the server process's CPU time so far, user and system
	busy       time.Duration // the whole machine's busy CPU time so far, every process's
	storeCPU   time.Duration // the database's (Neo4j's), when it runs apart
	storeRSS   int64
}

// sampler reads the server's debug listener (`serve --debug-addr`) and,
// the server being our child, its CPU time from /proc.
type sampler struct {
	client   *http.Client
	varsURL  string // http://HOST:PORT/debug/vars
	pid      int
	storePID int // a database process to sample too (Neo4j's JVM), or 0
}

func (s sampler) once(ctx context.Context) (sample, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.varsURL, nil)
	if err != nil {
		return sample{}, err
	}
	res, err := s.client.Do(req)
	if err != nil {
		return sample{}, fmt.Errorf("debug vars: %w", err)
	}
	defer func() { _ = res.Body.Close() }() // read-only: nothing to lose
	if res.StatusCode != http.StatusOK {
		return sample{}, fmt.Errorf("debug vars: %s", res.Status)
	}
	var vars struct {
		Goroutines *int   `json:"goroutines"`
		RSS        *int64 `json:"rss_bytes"`
	}
	if err := json.NewDecoder(res.Body).Decode(&vars); err != nil {
		return sample{}, fmt.Errorf("debug vars: %w", err)
	}
	if vars.Goroutines == nil || vars.RSS == nil {
		return sample{}, errors.New("debug vars: no goroutines or rss_bytes (a server without them?)")
	}
	sm := sample{rss: *vars.RSS, goroutines: *vars.Goroutines}
	if cpu, err := procCPU(s.pid); err == nil {
		sm.cpu = cpu
	}
	if busy, err := machineBusy(); err == nil {
		sm.busy = busy
	}
	if s.storePID > 0 {
		sm.storeCPU, _ = procCPU(s.storePID)
		sm.storeRSS, _ = procRSS(s.storePID)
	}
	return sm, nil
}

// run samples every period until ctx ends; failed samples are counted,
// not fatal (a server under load may answer slowly).
func (s sampler) run(ctx context.Context, start time.Time, every time.Duration) (samples []sample, failed int) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if sm, err := s.once(ctx); err == nil {
			sm.at = time.Since(start)
			samples = append(samples, sm)
		} else if ctx.Err() == nil {
			failed++
		}
		select {
		case <-ctx.Done():
			return samples, failed
		case <-tick.C:
		}
	}
}

// procRSS is a process's resident set from /proc/PID/status.
func procRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("proc status: no VmRSS")
}

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat's times: 100
// on every architecture Go supports.
const clockTicks = 100

// procCPU is a process's CPU time, user and system, from /proc/PID/stat.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

// parseStatCPU reads utime and stime, fields 14 and 15 of a
// /proc/PID/stat line. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from its closing one.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("proc stat: no command name")
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, errors.New("proc stat: too few fields")
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// machineBusy is the CPU time all cores have spent busy since boot, from
// /proc/stat: the server, the load and whatever else runs on the machine.
func machineBusy() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return parseProcStatBusy(line)
}

// parseProcStatBusy reads the first line of /proc/stat, "cpu user nice
// system idle iowait irq softirq steal ...": the ticks not idle or waiting.
func parseProcStatBusy(line string) (time.Duration, error) {
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("proc stat: %q is not the cpu line", line)
	}
	var ticks int64
	for i, s := range f[1:9] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc stat: %w", err)
		}
		if i != 3 && i != 4 { // idle, iowait
			ticks += n
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// selfCPU is this process's CPU time, user and system: what the load
// generator takes from the cores it shares with the server.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// curve thins samples to one per period of every: the last sample of each
// period (periods counted from the start of the load), so a 10 s curve of
// 1 s samples shows the ones at about 9 s, 19 s, ... and the very last.
func curve(samples []sample, every time.Duration) []sample {
	var out []sample
	for i, sm := range samples {
		if i == len(samples)-1 || samples[i+1].at/every > sm.at/every {
			out = append(out, sm)
		}
	}
	return out
}

// sparkline draws values as a line of block characters, from the least
// (lowest block) to the most (highest).
func sparkline(values []float64) string {
	const blocks = "▁▂▃▄▅▆▇█"
	runes := []rune(blocks)
	if len(values) == 0 {
		return ""
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	var b strings.Builder
	for _, v := range values {
		i := 0
		if hi > lo {
			i = int((v - lo) / (hi - lo) * float64(len(runes)-1))
		}
		b.WriteRune(runes[i])
	}
	return b.String()
}
