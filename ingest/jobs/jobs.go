// Package jobs runs ingest jobs for the API: one at a time per store, in a
// worker that stops with the server, on files inside one configured import
// directory, with their state and progress kept in memory for status
// queries and progress streams.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/formats"
)

// State is where a job is in its life.
type State string

// Job states; the last three are final.
const (
	Queued    State = "QUEUED"
	Running   State = "RUNNING"
	Succeeded State = "SUCCEEDED" // read to the end; some records may have been rejected
	Failed    State = "FAILED"
	Cancelled State = "CANCELLED"
)

// Final reports whether a job in state s is over.
func (s State) Final() bool { return s == Succeeded || s == Failed || s == Cancelled }

// Config configures a Manager. Zero values take defaults.
type Config struct {
	// ImportDir is the only directory jobs may read files from (symbolic
	// links resolved); empty disables server-side files.
	ImportDir string
	// MaxRejections is the number of rejected records kept per job
	// (all are counted); default 100.
	MaxRejections int
	// MaxQueued bounds the jobs waiting to run; default 16.
	MaxQueued int
	// KeepFinished is the number of finished jobs remembered; default 100.
	KeepFinished int
	BatchSize    int              // records per write; 0: ingest's default
	Logger       *slog.Logger     // nil discards
	Now          func() time.Time // nil: time.Now
}

// Job is a snapshot of a job.
type Job struct {
	ID, Format string
	Path       string // as asked, relative to the import directory
	State      State
	Progress   ingest.Progress
	Rejected   int
	Rejections []ingest.RecordError // the first Config.MaxRejections, by file and line
	Error      string               // why a job failed or was cancelled
	Created    time.Time
	Started    time.Time // zero until it runs
	Finished   time.Time // zero until it is over
}

// Manager queues and runs jobs.
type Manager struct {
	w     ingest.Writer
	cfg   Config
	dir   string // ImportDir, absolute with links resolved
	queue chan *job
	stop  context.CancelFunc
	done  chan struct{}

	mu     sync.Mutex
	jobs   map[string]*job
	order  []string // IDs, oldest first
	closed bool
}

type job struct {
	Job
	cancel context.CancelFunc
	format formats.Format
	real   string // resolved path
	subs   map[chan Job]struct{}
}

// New returns a Manager writing to w; its worker runs until Close.
func New(w ingest.Writer, cfg Config) (*Manager, error) {
	if cfg.MaxRejections <= 0 {
		cfg.MaxRejections = 100
	}
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = 16
	}
	if cfg.KeepFinished <= 0 {
		cfg.KeepFinished = 100
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Manager{w: w, cfg: cfg, queue: make(chan *job, cfg.MaxQueued), done: make(chan struct{}), jobs: map[string]*job{}}
	if cfg.ImportDir != "" {
		abs, err := filepath.Abs(cfg.ImportDir)
		if err == nil {
			abs, err = filepath.EvalSymlinks(abs)
		}
		if err != nil {
			return nil, fmt.Errorf("import directory: %w", err)
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("import directory %s is not a directory", cfg.ImportDir)
		}
		m.dir = abs
	}
	ctx, stop := context.WithCancel(context.Background())
	m.stop = stop
	go m.work(ctx)
	return m, nil
}

// Close cancels the running and queued jobs and waits for the worker.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	m.mu.Unlock()
	m.stop()
	<-m.done
}

// Start queues a job reading the file at path, relative to the import
// directory, in format.
func (m *Manager) Start(format, path string) (Job, error) {
	f, ok := formats.Lookup(format)
	if !ok {
		return Job{}, graph.Errorf(graph.CodeInvalid, "unknown format %q: the formats are %s", format, strings.Join(formats.Names(), ", "))
	}
	real, err := m.resolve(path)
	if err != nil {
		return Job{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Job{}, graph.Errorf(graph.CodeUnavailable, "the server is shutting down")
	}
	now := m.cfg.Now()
	j := &job{Job: Job{ID: ingest.NewJobID(now), Format: format, Path: path, State: Queued, Created: now}, format: f, real: real, subs: map[chan Job]struct{}{}}
	j.Progress = ingest.Progress{JobID: j.ID, Phase: "queued", TotalBytes: -1, ETA: -1}
	select {
	case m.queue <- j:
	default:
		return Job{}, graph.Errorf(graph.CodeUnavailable, "%d jobs are queued already: try again when one has finished", m.cfg.MaxQueued)
	}
	m.jobs[j.ID] = j
	m.order = append(m.order, j.ID)
	m.forget()
	return j.snapshot(), nil
}

// resolve maps a path given by a client to a regular file inside the
// import directory, refusing anything outside it, through symbolic links
// too. Errors quote the client's path, never the server's.
func (m *Manager) resolve(path string) (string, error) {
	if m.dir == "" {
		return "", graph.Errorf(graph.CodeForbidden, "reading files on the server is disabled: start the server with --import-dir DIR and put the files there")
	}
	if strings.TrimSpace(path) == "" || strings.ContainsRune(path, 0) {
		return "", graph.Errorf(graph.CodeInvalid, "path: want a file name inside the import directory")
	}
	full := path
	if !filepath.IsAbs(full) {
		full = filepath.Join(m.dir, full)
	}
	// Refuse on the path as written first, so that nothing outside the
	// directory is even looked at.
	if !inside(m.dir, filepath.Clean(full)) {
		return "", graph.Errorf(graph.CodeForbidden, "path %q is outside the import directory", path)
	}
	real, err := filepath.EvalSymlinks(full)
	if errors.Is(err, fs.ErrNotExist) {
		return "", graph.Errorf(graph.CodeNotFound, "no file %q in the import directory", path)
	}
	if err != nil {
		return "", graph.WrapError(graph.CodeInvalid, err, "path %q cannot be read", path)
	}
	if !inside(m.dir, real) {
		return "", graph.Errorf(graph.CodeForbidden, "path %q leads outside the import directory", path)
	}
	if fi, err := os.Stat(real); err != nil || !fi.Mode().IsRegular() {
		return "", graph.Errorf(graph.CodeInvalid, "path %q is not a regular file", path)
	}
	return real, nil
}

func inside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// forget drops the oldest finished jobs beyond KeepFinished; m.mu held.
func (m *Manager) forget() {
	finished := 0
	for _, id := range m.order {
		if m.jobs[id].State.Final() {
			finished++
		}
	}
	for i := 0; finished > m.cfg.KeepFinished && i < len(m.order); {
		id := m.order[i]
		if !m.jobs[id].State.Final() {
			i++
			continue
		}
		delete(m.jobs, id)
		m.order = slices.Delete(m.order, i, i+1)
		finished--
	}
}

// Job returns the job with id.
func (m *Manager) Job(id string) (Job, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return Job{}, false
	}
	return j.snapshot(), true
}

// Jobs returns the jobs remembered, newest first.
func (m *Manager) Jobs() []Job {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Job, 0, len(m.order))
	for i := len(m.order) - 1; i >= 0; i-- {
		out = append(out, m.jobs[m.order[i]].snapshot())
	}
	return out
}

// Cancel stops a queued or running job; a finished job is returned as it
// is.
func (m *Manager) Cancel(id string) (Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return Job{}, graph.NotFound("ingest job", id)
	}
	switch j.State {
	case Queued:
		m.finish(j, Cancelled, "cancelled before it started")
	case Running:
		j.cancel() // the worker records the end
	}
	return j.snapshot(), nil
}

// Watch returns a channel of snapshots of job id: the current one at once,
// then the latest after each change (intermediate ones may be skipped),
// closed after the final one. stop releases the channel early.
func (m *Manager) Watch(id string) (updates <-chan Job, stop func(), err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return nil, nil, graph.NotFound("ingest job", id)
	}
	ch := make(chan Job, 1)
	ch <- j.snapshot()
	if j.State.Final() {
		close(ch)
		return ch, func() {}, nil
	}
	j.subs[ch] = struct{}{}
	return ch, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if _, ok := j.subs[ch]; ok {
			delete(j.subs, ch)
			close(ch)
		}
	}, nil
}

func (j *job) snapshot() Job {
	s := j.Job
	s.Rejections = slices.Clone(j.Rejections)
	return s
}

// notify sends the job's latest snapshot to its watchers, replacing one
// they have not read yet; m.mu held.
func (m *Manager) notify(j *job) {
	s := j.snapshot()
	for ch := range j.subs {
		select {
		case <-ch:
		default:
		}
		ch <- s // the only sender, and the buffer was just emptied
		if j.State.Final() {
			close(ch)
			delete(j.subs, ch)
		}
	}
}

// finish records the end of a job; m.mu held.
func (m *Manager) finish(j *job, st State, msg string) {
	j.State, j.Error, j.Finished = st, msg, m.cfg.Now()
	j.Progress.Done = true
	m.notify(j)
	m.forget()
}

func (m *Manager) work(ctx context.Context) {
	defer close(m.done)
	for {
		select {
		case <-ctx.Done():
			m.drain()
			return
		case j := <-m.queue:
			m.run(ctx, j)
		}
	}
}

// drain cancels the jobs still queued at shutdown.
func (m *Manager) drain() {
	for {
		select {
		case j := <-m.queue:
			m.mu.Lock()
			if !j.State.Final() {
				m.finish(j, Cancelled, "the server shut down")
			}
			m.mu.Unlock()
		default:
			return
		}
	}
}

func (m *Manager) run(ctx context.Context, j *job) {
	m.mu.Lock()
	if j.State != Queued { // cancelled while queued
		m.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	j.cancel = cancel
	j.State, j.Started = Running, m.cfg.Now()
	j.Progress.Phase = "reading"
	m.notify(j)
	m.mu.Unlock()

	log := m.cfg.Logger.With("job", j.ID, "format", j.Format, "path", j.Path)
	log.Info("ingest job started")
	var res ingest.Result
	sources, err := j.format.Sources(ctx, j.real)
	if err == nil {
		res, err = m.ingest(ctx, j, sources, log)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	j.Rejected = res.Rejected
	j.Rejections = make([]ingest.RecordError, len(res.Report))
	for i, e := range res.Report {
		e.Pos.File = j.Path
		j.Rejections[i] = e
	}
	switch {
	case err == nil:
		m.finish(j, Succeeded, "")
		log.Info("ingest job finished", "records", res.Records, "rejected", res.Rejected)
	case errors.Is(err, context.Canceled):
		msg := "cancelled"
		if m.closed {
			msg = "the server shut down"
		}
		m.finish(j, Cancelled, msg)
		log.Info("ingest job cancelled", "records", res.Records)
	default:
		m.finish(j, Failed, graph.ErrorMessage(err))
		log.Error("ingest job failed", "err", err)
	}
}

// ingest runs the job's sources into the store, publishing progress.
func (m *Manager) ingest(ctx context.Context, j *job, sources []ingest.Source, log *slog.Logger) (ingest.Result, error) {
	return ingest.Run(ctx, m.w, sources, ingest.Options{
		JobID:     j.ID,
		BatchSize: m.cfg.BatchSize,
		MaxReport: m.cfg.MaxRejections,
		Logger:    log,
		Now:       m.cfg.Now,
		Progress: func(p ingest.Progress) {
			// Report names the file as the client gave it.
			p.File = j.Path
			m.mu.Lock()
			j.Progress = p
			j.Rejected = p.Rejected
			m.notify(j)
			m.mu.Unlock()
		},
	})
}
