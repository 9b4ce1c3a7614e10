package jobs

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/visibility"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/formats"
	"github.com/redthread-dev/redthread/ingest/sameasjob"
)

func (m *Manager) work(ctx context.Context) {
	defer close(m.done)
	for {
		if ctx.Err() != nil {
			m.drain()
			return
		}
		if j := m.next(); j != nil {
			m.run(ctx, j)
			continue
		}
		select {
		case <-ctx.Done():
		case <-m.wake:
		}
	}
}

// next takes the first job still queued off the queue.
func (m *Manager) next() *job {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.queue) > 0 {
		j := m.queue[0]
		m.queue = m.queue[1:]
		if j.State == Queued {
			return j
		}
	}
	return nil
}

// drain handles the jobs still queued at shutdown: without a state
// directory they are cancelled; with one they stay queued on disk and run
// when the server starts again.
func (m *Manager) drain() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, j := range m.queue {
		switch {
		case j.State.Final():
		case m.state == nil:
			m.finish(j, Cancelled, "", "the server shut down")
		default:
			m.release(j)
		}
	}
	m.queue = nil
}

func (m *Manager) run(ctx context.Context, j *job) {
	m.mu.Lock()
	if j.State != Queued { // cancelled while queued
		m.mu.Unlock()
		return
	}
	// stopping ends when the Manager closes (a shutdown), unlike the job's
	// own context, which Cancel ends too.
	stopping := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	j.cancel = cancel
	j.State = Running
	if j.Started.IsZero() {
		j.Started = m.cfg.Now()
	}
	j.Progress.Phase = "reading"
	if err := m.save(j); err != nil {
		m.cfg.Logger.Error("record a running ingest job", "job", j.ID, "err", err)
	}
	m.notify(j)
	m.mu.Unlock()

	log := m.cfg.Logger.With("job", j.ID, "format", j.Format, "files", len(j.Inputs))
	if j.Resumed > 0 {
		log.Info("ingest job resuming after a server restart", "resumed", j.Resumed)
	} else {
		log.Info("ingest job started")
	}
	var res ingest.Result
	var rec *sameasjob.Recorder
	w := m.w
	if m.cfg.SameAs != nil {
		rec = sameasjob.Record(m.w)
		w = rec
	}
	sources, err := j.format.SourcesFrom(ctx, m.files(), j.paths...)
	if err == nil {
		res, err = m.ingest(ctx, j, w, sources, log)
	}
	var sameAs *sameasjob.Summary
	if err == nil && rec != nil {
		sameAs = m.reviewSameAs(ctx, j.Stamp, rec, log)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	names := j.names()
	j.Rejected = res.Rejected
	j.Rejections = make([]ingest.RecordError, len(res.Report))
	for i, e := range res.Report {
		e.Pos.File = names.of(e.Pos.File)
		j.Rejections[i] = e
	}
	j.Skipped = res.Skipped
	j.Progress.Skipped = ingest.SkippedTotal(res.Skipped)
	switch {
	case err == nil:
		j.SameAs = sameAs
		m.finish(j, Succeeded, "", "")
		m.removeCheckpoint(j)
		log.Info("ingest job finished", "records", res.Records, "rejected", res.Rejected, "skipped", j.Progress.Skipped)
	case m.closed && m.state != nil && stopping.Err() != nil:
		// Left RUNNING on disk with its checkpoint: the next start resumes
		// it. Whatever the error: a store cut off mid-write by the shutdown
		// may report a lost connection rather than the cancellation.
		j.cancel = nil
		m.release(j)
		log.Info("ingest job interrupted by the shutdown: it resumes from its checkpoint when the server starts again", "records", res.Records)
	case errors.Is(err, context.Canceled):
		msg := "cancelled"
		if m.closed {
			msg = "the server shut down"
		}
		m.finish(j, Cancelled, "", msg)
		m.removeCheckpoint(j)
		log.Info("ingest job cancelled", "records", res.Records)
	default:
		code, msg := failure(err, names)
		m.finish(j, Failed, code, msg)
		m.removeCheckpoint(j)
		log.Error("ingest job failed", "err", err, "code", code, "reason", msg)
	}
}

// ingest runs the job's sources into the store, checkpointing when there
// is a state directory, and publishing progress.
func (m *Manager) ingest(ctx context.Context, j *job, w ingest.Writer, sources []ingest.Source, log *slog.Logger) (ingest.Result, error) {
	names := j.names()
	opts := ingest.Options{
		JobID:         j.ID,
		Stamp:         j.Stamp,
		BatchSize:     m.cfg.BatchSize,
		MaxReport:     m.cfg.MaxRejections,
		MaxValueBytes: m.cfg.MaxValueBytes,
		Logger:        log,
		Now:           m.cfg.Now,
		Progress: func(p ingest.Progress) {
			// Progress names the file as the client gave it.
			p.File = names.of(p.File)
			m.mu.Lock()
			j.Progress = p
			j.Rejected = p.Rejected
			m.notify(j)
			m.mu.Unlock()
		},
	}
	if m.state != nil {
		// The job's end is recorded before its checkpoint goes (see run).
		opts.Checkpoint, opts.KeepCheckpoint = m.state.checkpoint(j.ID), true
	}
	return ingest.Run(ctx, w, sources, opts)
}

// reviewSameAs looks up the same-actor candidates of what a job wrote; a
// failure is logged and leaves the job's SameAs unset: the job is done.
// The report is read by the job's agency, so it is looked up as the job's
// user sees the graph: it never names an entity they may not see.
func (m *Manager) reviewSameAs(ctx context.Context, st ingest.Stamp, rec *sameasjob.Recorder, log *slog.Logger) *sameasjob.Summary {
	owner := visibility.Viewer{Agency: st.Agency, User: st.User}
	if owner.Agency == "" {
		owner.Agency = visibility.HomeAgency
	}
	sum, err := sameasjob.Review(visibility.WithViewer(ctx, owner), m.cfg.SameAs, rec, investigate.Limits{})
	if err != nil {
		log.Warn("same-actor candidates of the job not looked up", "err", err)
		return nil
	}
	if line := sum.String(); line != "" {
		log.Info("ingest job: " + line)
	}
	return &sum
}

// failure returns the code and message of the error that ended a job, for
// users: the coded message a format, the store or the file opener gave,
// after the client's name of the file it concerns; never the server's
// paths nor Go's error text, which the log has.
func failure(err error, names fileNames) (graph.Code, string) {
	var se *ingest.SourceError
	file := ""
	if errors.As(err, &se) {
		file = names.of(se.File)
	}
	code, msg := graph.ErrorCode(err), graph.ErrorMessage(err)
	var ge *graph.Error
	switch {
	case errors.As(err, &ge):
	case file != "":
		msg = "the file could not be read (the server log says why)"
	default:
		msg = "internal error (the server log says why)"
	}
	if file != "" {
		msg = file + ": " + msg
	}
	return code, ingest.BoundReason(msg)
}

// fileNames maps the server's paths of a job's files to the names the
// client knows them by.
type fileNames map[string]string

func (j *job) names() fileNames {
	out := make(fileNames, len(j.paths))
	for i, p := range j.paths {
		out[p] = j.Inputs[i].Name
	}
	return out
}

// of returns the client's name of path; never the server's path.
func (n fileNames) of(path string) string {
	if path == "" {
		return ""
	}
	if name, ok := n[path]; ok {
		return name
	}
	return filepath.Base(path)
}

// restore loads the jobs kept in the state directory: the finished ones
// into the history, the others into the queue, the one that was running
// first. A job whose files are gone fails.
func (m *Manager) restore(recs []record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var running, queued []*job
	for _, r := range recs {
		j := r.job()
		m.jobs[j.ID] = j
		m.order = append(m.order, j.ID)
		m.seq = max(m.seq, j.seq)
		if j.State.Final() {
			continue
		}
		if err := m.reopen(j); err != nil {
			j.Progress.Phase = "done"
			m.finish(j, Failed, graph.ErrorCode(err), "the server restarted during the job, which cannot go on: "+graph.ErrorMessage(err))
			m.cfg.Logger.Warn("ingest job cannot resume after the restart", "job", j.ID, "err", err)
			continue
		}
		if j.State == Running {
			j.Resumed++
			running = append(running, j)
			m.cfg.Logger.Info("ingest job interrupted by a server stop: resuming it from its checkpoint", "job", j.ID, "format", j.Format, "resumed", j.Resumed)
		} else {
			queued = append(queued, j)
		}
		j.State = Queued
		j.Progress.Phase = "queued"
	}
	m.queue = append(running, queued...)
	if len(m.queue) > 0 {
		m.signal()
	}
	// The history may be longer than KeepFinished allows now.
	if dropped := m.forget(); len(dropped) > 0 {
		if err := m.state.delete(dropped); err != nil {
			return err
		}
	}
	known, live := map[string]bool{}, map[string]bool{}
	for id, j := range m.jobs {
		known[id] = true
		live[id] = !j.State.Final()
	}
	m.state.sweep(known, live, m.cfg.Logger)
	return nil
}

// reopen finds again the format and files of a job read from disk.
func (m *Manager) reopen(j *job) error {
	f, ok := formats.Lookup(j.Format)
	if !ok {
		return graph.Errorf(graph.CodeInvalid, "format %q is no longer known", j.Format)
	}
	j.format = f
	j.paths = make([]string, len(j.Inputs))
	for i, in := range j.Inputs {
		if !in.Upload {
			real, err := m.resolve(in.Name)
			if err != nil {
				return err
			}
			j.paths[i] = real
			continue
		}
		p := m.state.upload(j.ID, in.Name)
		if in.Name != UploadName(in.Name, i) {
			return graph.Errorf(graph.CodeInvalid, "upload %q has an unsafe name", in.Name)
		}
		if _, err := os.Stat(p); err != nil {
			return graph.Errorf(graph.CodeNotFound, "upload %q is gone", in.Name)
		}
		j.paths[i] = p
	}
	return nil
}
