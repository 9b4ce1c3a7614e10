// Package jobs runs ingest jobs for the API: one at a time, in a worker
// that stops with the server, on files inside one configured import
// directory or uploaded with the request.
//
// With a state directory (Config.StateDir) the job list, each job's
// checkpoint and its uploads live on disk: the list survives a restart, and
// a job the server stopped during (a crash, kill -9, a shutdown) goes on
// from its last checkpoint when the server starts again, under the same ID,
// and ends with the graph and counts of an uninterrupted run. Without one,
// jobs live in memory and a shutdown cancels them.
package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/formats"
	"github.com/redthread-dev/redthread/ingest/sameasjob"
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

// DefaultMaxUploadBytes bounds the bytes uploaded for one job unless
// Config says otherwise: large enough for a blockchain-etl export of a few
// million transactions, small enough that a mistaken upload does not fill
// a disk.
const DefaultMaxUploadBytes = 1 << 30

// MaxFiles is the most files one job reads, paths and uploads together.
const MaxFiles = 64

// Config configures a Manager. Zero values take defaults.
type Config struct {
	// ImportDir is the only directory jobs may read server files from
	// (symbolic links resolved); empty disables them.
	ImportDir string
	// StateDir holds the jobs (StateDir/jobs/: the job list, checkpoints
	// and uploads). Empty keeps jobs in memory only, and disables uploads
	// and resumption.
	StateDir string
	// MaxUploadBytes bounds the bytes uploaded for one job, all files
	// together; 0 means DefaultMaxUploadBytes, negative disables uploads.
	MaxUploadBytes int64
	// MaxRejections is the number of rejected records kept per job
	// (all are counted); default 100.
	MaxRejections int
	// MaxValueBytes bounds each value of a record a job loads (a cell, a
	// property, a label): a record with a longer one is rejected
	// (ingest.Options.MaxValueBytes); 0 means ingest.DefaultMaxValueBytes,
	// negative means no limit.
	MaxValueBytes int
	// MaxQueued bounds the jobs waiting to run; default 16.
	MaxQueued int
	// KeepFinished is the number of finished jobs remembered; default 100.
	// A job pushed out of the history takes its uploads with it.
	KeepFinished int
	// SameAs, when set, is the store a job that succeeds looks up the
	// same-actor candidates of the entities it wrote in (Job.SameAs);
	// nothing is merged.
	SameAs    investigate.SameAsLookupStore
	BatchSize int              // records per write; 0: ingest's default
	Logger    *slog.Logger     // nil discards
	Now       func() time.Time // nil: time.Now
}

// Input is one file of a job.
type Input struct {
	// Name is the file as the client gave it: a path relative to the
	// import directory, or the (sanitised) name of an upload. Error
	// reports and progress name it so, never by the server's path.
	Name   string `json:"name"`
	Upload bool   `json:"upload,omitempty"`
	Size   int64  `json:"size"`
}

// Job is a snapshot of a job.
type Job struct {
	ID, Format string
	Inputs     []Input
	// Stamp is the agency, user and default marking stamped into every
	// source the job writes; kept with the job, so a resumed job stamps
	// the same.
	Stamp      ingest.Stamp
	State      State
	Progress   ingest.Progress
	Rejected   int
	Rejections []ingest.RecordError // the first Config.MaxRejections, by file and line
	// Skipped counts, by reason, the input the formats passed over on
	// purpose (complete once the job is over; Progress.Skipped is the
	// running total).
	Skipped map[string]int
	// Resumed is the number of times the job went on from its checkpoint
	// after the server stopped while it ran.
	Resumed int
	// SameAs counts the same-actor candidates holding an entity the job
	// wrote (a resumed job: written since it resumed); nil until the job
	// succeeds, or without Config.SameAs.
	SameAs *sameasjob.Summary
	// Error says why a job failed or was cancelled, for users: it names
	// the file as the client knows it, never the server's path nor Go's
	// error text (the log has those). ErrorCode classifies a failure.
	Error     string
	ErrorCode graph.Code
	Created   time.Time
	Started   time.Time // zero until it runs
	Finished  time.Time // zero until it is over
}

// Request is what a job reads: Paths in the import directory, then
// Uploads, in Format.
type Request struct {
	Format  string
	Paths   []string
	Uploads []Upload
	// Stamp is who the job writes for (an API job: the principal's agency
	// and user).
	Stamp ingest.Stamp
}

// Upload is a file sent by the client.
type Upload struct {
	Name string // as the client named it; only its sanitised base is used
	// File is the content. An *os.File inside the directory StageUploads
	// returned is moved into the job's upload directory, not copied.
	File io.Reader
}

// Manager queues and runs jobs.
type Manager struct {
	w     ingest.Writer
	cfg   Config
	dir   string   // ImportDir, absolute with links resolved
	root  *os.Root // of dir, through which the worker opens its files
	state *state   // nil without StateDir
	wake  chan struct{}
	stop  context.CancelFunc
	done  chan struct{}

	mu     sync.Mutex
	jobs   map[string]*job
	order  []string // IDs, oldest first
	queue  []*job   // waiting to run, in order; cancelled ones are skipped
	seq    uint64   // of the newest job, to keep the order across restarts
	closed bool
}

type job struct {
	Job
	seq    uint64
	cancel context.CancelFunc
	format formats.Format
	paths  []string // the files to read, index for index with Inputs
	subs   map[chan Job]struct{}
}

// New returns a Manager writing to w; its worker runs until Close. With a
// state directory it loads the jobs kept there and queues again those the
// server stopped during, first the one that was running.
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
	if cfg.MaxUploadBytes == 0 {
		cfg.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Manager{w: w, cfg: cfg, wake: make(chan struct{}, 1), done: make(chan struct{}), jobs: map[string]*job{}}
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
		root, err := os.OpenRoot(abs)
		if err != nil {
			return nil, fmt.Errorf("import directory: %w", err)
		}
		m.dir, m.root = abs, root
	}
	if cfg.StateDir != "" {
		st, recs, err := openState(cfg.StateDir, cfg.Logger)
		if err != nil {
			m.closeRoot()
			return nil, err
		}
		m.state = st
		if err := m.restore(recs); err != nil {
			_ = st.close() // the restore error is the one to report
			m.closeRoot()
			return nil, err
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	m.stop = stop
	go m.work(ctx)
	return m, nil
}

// Close stops the worker and waits for it. Without a state directory the
// running and queued jobs are cancelled; with one they stay as they are on
// disk, and go on when a Manager opens the directory again.
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
	if m.state != nil {
		if err := m.state.close(); err != nil {
			m.cfg.Logger.Error("close the job list", "err", err)
		}
	}
	m.closeRoot()
}

func (m *Manager) closeRoot() {
	if m.root != nil {
		_ = m.root.Close() // read-only: nothing to lose
	}
}

// files is the Opener of the worker's files.
func (m *Manager) files() files { return files{root: m.root, dir: m.dir} }

// Start queues a job reading req's files. Uploads are stored under the
// state directory before it returns.
func (m *Manager) Start(ctx context.Context, req Request) (Job, error) {
	f, ok := formats.Lookup(req.Format)
	if !ok {
		return Job{}, graph.Errorf(graph.CodeInvalid, "unknown format %q: the formats are %s", req.Format, strings.Join(formats.Names(), ", "))
	}
	if err := req.Stamp.Check(); err != nil {
		return Job{}, err
	}
	switch n := len(req.Paths) + len(req.Uploads); {
	case n == 0:
		return Job{}, graph.Errorf(graph.CodeInvalid, "no files: give paths in the import directory or upload files")
	case n > MaxFiles:
		return Job{}, graph.Errorf(graph.CodeLimit, "%d files: a job reads at most %d", n, MaxFiles)
	}
	var inputs []Input
	var paths []string
	for _, p := range req.Paths {
		real, err := m.resolve(p)
		if err != nil {
			return Job{}, err
		}
		in := Input{Name: p, Size: -1}
		if fi, err := os.Stat(real); err == nil {
			in.Size = fi.Size()
		}
		inputs, paths = append(inputs, in), append(paths, real)
	}
	names, err := m.uploadNames(req.Uploads)
	if err != nil {
		return Job{}, err
	}
	if err := m.admit(); err != nil { // before receiving gigabytes in vain
		return Job{}, err
	}
	id := ingest.NewJobID(m.cfg.Now())
	if len(req.Uploads) > 0 {
		sizes, err := m.receive(ctx, id, names, req.Uploads)
		if err != nil {
			m.state.removeJob(id)
			return Job{}, err
		}
		for i, name := range names {
			inputs = append(inputs, Input{Name: name, Upload: true, Size: sizes[i]})
			paths = append(paths, m.state.upload(id, name))
		}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.admitLocked(); err != nil {
		if m.state != nil {
			m.state.removeJob(id)
		}
		return Job{}, err
	}
	m.seq++
	j := &job{
		Job:    Job{ID: id, Format: req.Format, Inputs: inputs, Stamp: req.Stamp, State: Queued, Created: m.cfg.Now()},
		seq:    m.seq,
		format: f, paths: paths, subs: map[chan Job]struct{}{},
	}
	j.Progress = ingest.Progress{JobID: j.ID, Phase: "queued", TotalBytes: -1, ETA: -1}
	if err := m.save(j); err != nil { // only with a state directory
		m.state.removeJob(id)
		return Job{}, graph.WrapError(graph.CodeUnavailable, err, "the job could not be recorded: try again later")
	}
	m.jobs[j.ID] = j
	m.order = append(m.order, j.ID)
	m.queue = append(m.queue, j)
	m.signal()
	return j.snapshot(), nil
}

// admit refuses a job when the server is closing or the queue is full.
func (m *Manager) admit() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.admitLocked()
}

func (m *Manager) admitLocked() error {
	if m.closed {
		return graph.Errorf(graph.CodeUnavailable, "the server is shutting down")
	}
	queued := 0
	for _, j := range m.queue {
		if j.State == Queued {
			queued++
		}
	}
	if queued >= m.cfg.MaxQueued {
		return graph.Errorf(graph.CodeUnavailable, "%d jobs are queued already: try again when one has finished", m.cfg.MaxQueued)
	}
	return nil
}

// signal wakes the worker; m.mu held.
func (m *Manager) signal() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// forget drops the oldest finished jobs beyond KeepFinished and returns
// their IDs; m.mu held.
func (m *Manager) forget() []string {
	finished := 0
	for _, id := range m.order {
		if m.jobs[id].State.Final() {
			finished++
		}
	}
	var dropped []string
	for i := 0; finished > m.cfg.KeepFinished && i < len(m.order); {
		id := m.order[i]
		if !m.jobs[id].State.Final() {
			i++
			continue
		}
		delete(m.jobs, id)
		m.order = slices.Delete(m.order, i, i+1)
		dropped = append(dropped, id)
		finished--
	}
	return dropped
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
	switch {
	case j.State.Final():
	case m.closed:
		return Job{}, graph.Errorf(graph.CodeUnavailable, "the server is shutting down")
	case j.State == Queued:
		m.finish(j, Cancelled, "", "cancelled before it started")
		m.removeCheckpoint(j) // of a job queued again after a restart
	case j.cancel != nil:
		j.cancel() // the worker records the end
	}
	return j.snapshot(), nil
}

// Watch returns a channel of snapshots of job id: the current one at once,
// then the latest after each change (intermediate ones may be skipped),
// closed after the final one, or when the manager closes. stop releases
// the channel early.
func (m *Manager) Watch(id string) (updates <-chan Job, stop func(), err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return nil, nil, graph.NotFound("ingest job", id)
	}
	ch := make(chan Job, 1)
	ch <- j.snapshot()
	if j.State.Final() || m.closed {
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
	s.Inputs = slices.Clone(j.Inputs)
	s.Rejections = slices.Clone(j.Rejections)
	s.Skipped = cloneCounts(j.Skipped)
	return s
}

func cloneCounts(m map[string]int) map[string]int {
	if m == nil {
		return nil
	}
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
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

// release ends the watches of a job that stays unfinished because the
// manager is closing; m.mu held.
func (m *Manager) release(j *job) {
	for ch := range j.subs {
		close(ch)
		delete(j.subs, ch)
	}
}

// finish records the end of a job, with the code and message of a
// failure, and drops from the history (with their files) the jobs it
// pushes out; m.mu held.
func (m *Manager) finish(j *job, st State, code graph.Code, msg string) {
	j.State, j.ErrorCode, j.Error, j.Finished = st, code, msg, m.cfg.Now()
	j.Progress.Done = true
	j.cancel = nil
	dropped := m.forget()
	if err := m.save(j, dropped...); err != nil {
		m.cfg.Logger.Error("record the end of an ingest job", "job", j.ID, "state", st, "err", err)
	}
	m.notify(j)
	for _, id := range dropped {
		if m.state != nil {
			m.state.removeJob(id)
		}
	}
}

// save records j, and forgets the jobs dropped, when there is a state
// directory; m.mu held.
func (m *Manager) save(j *job, dropped ...string) error {
	if m.state == nil {
		return nil
	}
	return m.state.put(recordOf(j), dropped)
}

func (m *Manager) removeCheckpoint(j *job) {
	if m.state == nil {
		return
	}
	if err := ingest.RemoveCheckpoint(m.state.checkpoint(j.ID)); err != nil {
		m.cfg.Logger.Warn("remove the checkpoint of a finished job", "job", j.ID, "err", err)
	}
}
