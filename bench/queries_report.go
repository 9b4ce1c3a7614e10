package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// print writes the query table (rows grouped by question, in the order
// first measured), the one-shot measures and the notes.
func (r *qreport) print(w io.Writer) error {
	var order []string
	byQuery := map[string][]*qrow{}
	base := map[string]*qrow{} // query|impl → embedded row
	for _, row := range r.rows {
		if _, ok := byQuery[row.query]; !ok {
			order = append(order, row.query)
		}
		byQuery[row.query] = append(byQuery[row.query], row)
		if k := row.query + "|" + row.impl; strings.HasPrefix(row.system, "embedded") && base[k] == nil {
			base[k] = row
		}
	}
	for _, h := range r.header {
		fmt.Fprintln(w, h)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "query\tsystem\tp50\tp99\tmax\tfound\ttruncated\ttimed out\terrors\tp50 / p99 vs embedded\tnote\n")
	fmt.Fprintf(tw, "---\t---\t---\t---\t---\t---\t---\t---\t---\t---\t---\n")
	var errs []string
	for _, query := range order {
		for _, row := range byQuery[query] {
			ratio := ""
			impl := row.impl
			if impl == "networkx" || impl == "reference" {
				impl = "native" // networkx and the reference, like Store.ShortestPath, go through hubs
			}
			if b := base[row.query+"|"+impl]; b != nil && !strings.HasPrefix(row.system, "embedded") && b.pct(50) > 0 {
				ratio = fmt.Sprintf("%.1f× / %.1f×", float64(row.pct(50))/float64(b.pct(50)), float64(row.pct(99))/float64(b.pct(99)))
				if row.impl != b.impl {
					ratio += " (vs " + b.system + ")"
				}
			}
			note := row.note
			if b := base[row.query+"|"+impl]; row.impl == "reference" && b != nil && b.found != row.found {
				note = join(fmt.Sprintf("FOUND DIFFERS from %s (%d)", b.system, b.found), note)
			}
			if row.found > 0 && row.sizeOf != "" {
				note = join(fmt.Sprintf("mean %.1f %s", float64(row.size)/float64(row.found), row.sizeOf), note)
			}
			if row.hubbed > 0 {
				note = join(fmt.Sprintf("hubs skipped in %d", row.hubbed), note)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d/%d\t%d\t%d\t%d\t%s\t%s\n", row.query, row.system,
				fmtDur(row.pct(50)), fmtDur(row.pct(99)), fmtDur(row.pct(100)), row.found, len(row.d), row.truncated, row.timedOut, row.errs, ratio, note)
			if row.firstErr != "" {
				errs = append(errs, fmt.Sprintf("%s / %s: first error: %s", row.query, row.system, row.firstErr))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "measured once\tsystem\ttime\tvs embedded\tnote\n---\t---\t---\t---\t---\n")
	for _, s := range r.shots {
		ratio := ""
		for _, b := range r.shots {
			if b.measure == s.measure && b.system == "embedded" && s.system != "embedded" && b.took > 0 && strings.HasPrefix(s.system, "networkx") {
				ratio = fmt.Sprintf("%.1f×", float64(s.took)/float64(b.took))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.measure, s.system, fmtDur(s.took), ratio, s.note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, e := range errs {
		fmt.Fprintln(w, e)
	}
	for _, n := range r.notes {
		fmt.Fprintln(w, n)
	}
	return nil
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}

func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < 100*time.Microsecond: // the reference's p50 is a few µs
		return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	case d < time.Minute:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// memTotal reads the machine's RAM from /proc/meminfo.
func memTotal() string {
	return meminfo("MemTotal:")
}

func meminfo(key string) string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			if kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64); err == nil {
				return fmt.Sprintf("%.1f GiB", kb/(1<<20))
			}
		}
	}
	return "unknown"
}

// procStatus reads a memory figure of the bench process (VmRSS: now,
// VmHWM: its peak) from /proc/self/status.
func procStatus(key string) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			if kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64); err == nil {
				return fmt.Sprintf("%.0f MiB", kb/1024)
			}
		}
	}
	return "unknown"
}
