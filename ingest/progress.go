package ingest

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// Progress is a snapshot of a running job, for a progress bar or a stream
// to an API client.
type Progress struct {
	JobID      string
	Phase      string // "reading", "linking" (retrying deferred edges), "done"
	File       string // source being read
	Records    int    // records read so far
	Rejected   int
	Skipped    int // input passed over on purpose (Skipper), all reasons
	Nodes      Counts
	Edges      Counts
	Prices     Counts
	Bytes      int64 // bytes read so far
	TotalBytes int64 // -1 when unknown
	Elapsed    time.Duration
	Rate       float64       // records per second
	ETA        time.Duration // -1 when unknown
	Done       bool
	ResumedAt  int // records done before this run of a resumed job
}

func (j *job) progress(done bool) {
	if j.opts.Progress == nil {
		return
	}
	now := j.opts.Now()
	if !done && now.Sub(j.lastProgress) < j.opts.ProgressInterval {
		return
	}
	j.lastProgress = now
	p := Progress{
		JobID: j.res.JobID, Phase: j.phase, File: j.file,
		Records: j.res.Records, Rejected: j.res.Rejected, Skipped: SkippedTotal(j.skipped()),
		Nodes: j.res.Nodes, Edges: j.res.Edges, Prices: j.res.Prices,
		Bytes: j.res.Bytes, TotalBytes: j.total,
		Elapsed: now.Sub(j.start), ETA: -1, Done: done, ResumedAt: j.baseRecords,
	}
	if done {
		p.Phase, p.File, p.ETA = "done", "", 0
	}
	// Rates count this run only: a resumed job did the rest earlier.
	if s := p.Elapsed.Seconds(); s > 0 {
		p.Rate = float64(p.Records-j.baseRecords) / s
		// Bytes predict the remaining time better than records: the
		// number of records is unknown until the end.
		if read := p.Bytes - j.baseBytes; !done && p.TotalBytes > 0 && read > 0 {
			rest := float64(p.TotalBytes-p.Bytes) / (float64(read) / s)
			p.ETA = time.Duration(max(rest, 0) * float64(time.Second)).Round(time.Second)
		}
	}
	j.opts.Progress(p)
}

// Bar draws progress on a terminal as one line redrawn in place, and prints
// only the final summary line when its output is not a terminal (a log file,
// a pipe, CI).
type Bar struct {
	w        io.Writer
	terminal bool
	width    func() int
}

// NewBar returns a Bar writing to f, typically os.Stderr. Pass its Update as
// Options.Progress; the runner already limits redraws to ~10 per second.
func NewBar(f *os.File) *Bar {
	fd := int(f.Fd())
	return &Bar{w: f, terminal: term.IsTerminal(fd), width: func() int {
		w, _, err := term.GetSize(fd)
		if err != nil || w <= 0 {
			return 80
		}
		return w
	}}
}

// Update draws p.
func (b *Bar) Update(p Progress) {
	if p.Done {
		clear := ""
		if b.terminal {
			clear = "\r\x1b[K"
		}
		fmt.Fprintf(b.w, "%s%s\n", clear, p.Summary())
		return
	}
	if !b.terminal {
		return
	}
	line := p.Line(b.width())
	fmt.Fprintf(b.w, "\r%s\x1b[K", line)
}

// Line renders p in at most width columns:
//
//	[=========>          ]  48%  51,200 rec  3.1 MB/6.4 MB  25,600 rec/s  ETA 2s
func (p Progress) Line(width int) string {
	var b strings.Builder
	stats := fmt.Sprintf("%s rec  %s", thousands(int64(p.Records)), size(p.Bytes))
	if p.TotalBytes > 0 {
		stats += "/" + size(p.TotalBytes)
	}
	stats += fmt.Sprintf("  %s rec/s", thousands(int64(p.Rate)))
	if p.ETA >= 0 {
		stats += "  ETA " + p.ETA.String()
	}
	if p.Rejected > 0 {
		stats += fmt.Sprintf("  %s rejected", thousands(int64(p.Rejected)))
	}
	if p.Skipped > 0 {
		stats += fmt.Sprintf("  %s skipped", thousands(int64(p.Skipped)))
	}
	if p.Phase == "linking" {
		stats += "  linking deferred edges"
	}
	if p.TotalBytes > 0 {
		frac := min(max(float64(p.Bytes)/float64(p.TotalBytes), 0), 1)
		barWidth := min(width-len(stats)-8, 30)
		if barWidth >= 10 {
			filled := int(frac * float64(barWidth))
			b.WriteString("[" + strings.Repeat("=", filled))
			if filled < barWidth {
				b.WriteString(">" + strings.Repeat(" ", barWidth-filled-1))
			}
			b.WriteString("] ")
		}
		fmt.Fprintf(&b, "%3d%%  ", int(frac*100))
	}
	b.WriteString(stats)
	s := b.String()
	if width > 0 && len(s) > width-1 {
		s = s[:max(width-1, 0)]
	}
	return s
}

// Summary is a one-line account of a finished job.
func (p Progress) Summary() string {
	return summary(p.JobID, p.Records, p.ResumedAt, p.Rejected, p.Skipped, p.Nodes, p.Edges, p.Prices, p.Elapsed)
}

// Summary is a one-line account of the job.
func (r Result) Summary() string {
	return summary(r.JobID, r.Records, r.ResumedAt, r.Rejected, SkippedTotal(r.Skipped), r.Nodes, r.Edges, r.Prices, r.Elapsed)
}

// summary ends with "; N skipped" only when the formats skipped something,
// which most never do, and names prices only when there were some.
func summary(job string, records, resumedAt, rejected, skipped int, n, e, p Counts, elapsed time.Duration) string {
	rate := ""
	if s := elapsed.Seconds(); s > 0 {
		rate = fmt.Sprintf(" (%s rec/s)", thousands(int64(float64(records-resumedAt)/s)))
	}
	if resumedAt > 0 {
		rate += fmt.Sprintf(", resumed at record %s", thousands(int64(resumedAt)))
	}
	s := fmt.Sprintf("ingest %s: %s records in %s%s; nodes %d created, %d updated, %d unchanged; edges %d created, %d updated, %d unchanged; %d rejected",
		job, thousands(int64(records)), elapsed.Round(time.Millisecond), rate,
		n.Created, n.Updated, n.Unchanged, e.Created, e.Updated, e.Unchanged, rejected)
	if p.Total() > 0 {
		s += fmt.Sprintf("; prices %d created, %d updated, %d unchanged", p.Created, p.Updated, p.Unchanged)
	}
	if skipped > 0 {
		s += fmt.Sprintf("; %s skipped", thousands(int64(skipped)))
	}
	return s
}

// WriteSkipped writes one line per skip reason, most frequent first:
// `skipped 12: zero value`.
func (r Result) WriteSkipped(w io.Writer) error {
	for _, s := range SkipList(r.Skipped) {
		if _, err := fmt.Fprintf(w, "skipped %s: %s\n", thousands(int64(s.Count)), s.Reason); err != nil {
			return err
		}
	}
	return nil
}

// WriteReport writes one line per rejected record, `file:line: field "x":
// reason`, and a last line when the report was capped.
func (r Result) WriteReport(w io.Writer) error {
	for _, e := range r.Report {
		if _, err := fmt.Fprintln(w, e.Error()); err != nil {
			return err
		}
	}
	if more := r.Rejected - len(r.Report); more > 0 {
		if _, err := fmt.Fprintf(w, "... and %d more rejected records not listed\n", more); err != nil {
			return err
		}
	}
	return nil
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
