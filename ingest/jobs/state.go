package jobs

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/sameasjob"
)

// state is a Manager's state directory, StateDir/jobs:
//
//	jobs.db                  the job list
//	checkpoints/ID.ckpt      a running job's checkpoint and its journal
//	uploads/ID/NAME          a job's uploaded files
//	uploads/.incoming/req-*  files of requests being received
//
// The job list is a bbolt file rather than a JSON file per job: a change
// (a job finished and the oldest ones pushed out of the history) is one
// transaction, durable when it returns, with no temporary files, renames
// and directory syncs to get right; and bbolt's file lock keeps a second
// server off the same directory, where it would resume the same jobs
// twice. The store is tiny (a hundred records of a few kB), so bbolt's
// never-shrinking file is no concern. Checkpoints stay files, written by
// the runner as for the command line.
type state struct {
	root string
	db   *bolt.DB
}

var bucketJobs = []byte("jobs")

const recordVersion = 1

// record is a job as stored, JSON in bucketJobs under its ID.
type record struct {
	Version    int                `json:"v"`
	Seq        uint64             `json:"seq"`
	ID         string             `json:"id"`
	Format     string             `json:"format"`
	Inputs     []Input            `json:"inputs"`
	Stamp      ingest.Stamp       `json:"stamp,omitzero"`
	State      State              `json:"state"`
	Error      string             `json:"error,omitempty"`
	ErrorCode  graph.Code         `json:"errorCode,omitempty"`
	Progress   ingest.Progress    `json:"progress"` // field names as in Go; durations in nanoseconds
	Rejected   int                `json:"rejected"`
	Rejections []rejection        `json:"rejections,omitempty"`
	Skipped    map[string]int     `json:"skipped,omitempty"`
	Resumed    int                `json:"resumed,omitempty"`
	SameAs     *sameasjob.Summary `json:"sameAs,omitempty"`
	Created    time.Time          `json:"created"`
	Started    time.Time          `json:"started,omitzero"`
	Finished   time.Time          `json:"finished,omitzero"`
}

type rejection struct {
	File   string     `json:"file"`
	Line   int        `json:"line,omitempty"`
	ID     string     `json:"id,omitempty"`
	Field  string     `json:"field,omitempty"`
	Code   graph.Code `json:"code,omitempty"` // absent from records of older builds
	Reason string     `json:"reason"`
}

func recordOf(j *job) record {
	r := record{
		Version: recordVersion, Seq: j.seq, ID: j.ID, Format: j.Format, Inputs: j.Inputs, Stamp: j.Stamp,
		State: j.State, Error: j.Error, ErrorCode: j.ErrorCode, Progress: j.Progress, Rejected: j.Rejected,
		Skipped: j.Skipped, Resumed: j.Resumed, SameAs: j.SameAs, Created: j.Created, Started: j.Started, Finished: j.Finished,
	}
	for _, e := range j.Rejections {
		r.Rejections = append(r.Rejections, rejection{File: e.Pos.File, Line: e.Pos.Line, ID: e.ID, Field: e.Field, Code: e.Code(), Reason: e.Reason()})
	}
	return r
}

func (r record) job() *job {
	j := &job{Job: Job{
		ID: r.ID, Format: r.Format, Inputs: r.Inputs, Stamp: r.Stamp, State: r.State, Error: r.Error, ErrorCode: r.ErrorCode,
		Progress: r.Progress, Rejected: r.Rejected, Skipped: r.Skipped, Resumed: r.Resumed, SameAs: r.SameAs,
		Created: r.Created, Started: r.Started, Finished: r.Finished,
	}, seq: r.Seq, subs: map[chan Job]struct{}{}}
	for _, e := range r.Rejections {
		j.Rejections = append(j.Rejections, ingest.RecordError{Pos: ingest.Pos{File: e.File, Line: e.Line}, ID: e.ID, Field: e.Field,
			Err: &graph.Error{Code: cmp.Or(e.Code, graph.CodeInvalid), Message: e.Reason}})
	}
	return j
}

// openState opens the state directory under dir and returns the jobs it
// holds, oldest first.
func openState(dir string, log *slog.Logger) (*state, []record, error) {
	s := &state{root: filepath.Join(dir, "jobs")}
	for _, d := range []string{s.root, filepath.Join(s.root, "checkpoints"), filepath.Join(s.root, "uploads")} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, nil, fmt.Errorf("state directory: %w", err)
		}
	}
	path := filepath.Join(s.root, "jobs.db")
	db, err := bolt.Open(path, 0o640, &bolt.Options{Timeout: time.Second})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, nil, fmt.Errorf("job list %s is locked: another server uses the state directory %s", path, dir)
	case err != nil:
		return nil, nil, fmt.Errorf("open job list: %w", err)
	}
	s.db = db
	var recs []record
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketJobs)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var r record
			if err := json.Unmarshal(v, &r); err != nil || r.Version != recordVersion || r.ID != string(k) {
				// One unreadable record must not keep the server down.
				log.Warn("ingest job record unreadable: dropped", "job", string(k), "err", err, "version", r.Version)
				return b.Delete(k)
			}
			recs = append(recs, r)
			return nil
		})
	})
	if err != nil {
		_ = db.Close() // the read error is the one to report
		return nil, nil, fmt.Errorf("read job list %s: %w", path, err)
	}
	slices.SortFunc(recs, func(a, b record) int {
		return cmp.Or(cmp.Compare(a.Seq, b.Seq), strings.Compare(a.ID, b.ID))
	})
	return s, recs, nil
}

// put writes r and deletes the records of drop, in one transaction.
func (s *state) put(r record, drop []string) error {
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode job %s: %w", r.ID, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJobs)
		for _, id := range drop {
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return b.Put([]byte(r.ID), v)
	})
	if err != nil {
		return fmt.Errorf("record job %s: %w", r.ID, err)
	}
	return nil
}

// delete forgets the jobs of ids.
func (s *state) delete(ids []string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJobs)
		for _, id := range ids {
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("trim job list: %w", err)
	}
	return nil
}

func (s *state) close() error { return s.db.Close() }

func (s *state) checkpoint(id string) string {
	return filepath.Join(s.root, "checkpoints", id+".ckpt")
}

func (s *state) uploadDir(id string) string { return filepath.Join(s.root, "uploads", id) }

func (s *state) upload(id, name string) string { return filepath.Join(s.uploadDir(id), name) }

func (s *state) incoming() string { return filepath.Join(s.root, "uploads", ".incoming") }

// removeJob deletes the files of a job gone from the history, or never
// recorded.
func (s *state) removeJob(id string) {
	_ = os.RemoveAll(s.uploadDir(id))
	_ = ingest.RemoveCheckpoint(s.checkpoint(id))
}

// sweep removes what no job needs: uploads of jobs not in the list,
// checkpoints of jobs not waiting to go on (live), and files of requests a
// crash interrupted.
func (s *state) sweep(known, live map[string]bool, log *slog.Logger) {
	if err := os.RemoveAll(s.incoming()); err != nil {
		log.Warn("remove interrupted uploads", "err", err)
	}
	if ents, err := os.ReadDir(filepath.Join(s.root, "uploads")); err == nil {
		for _, e := range ents {
			if !known[e.Name()] {
				log.Info("removing the uploads of a job no longer listed", "job", e.Name())
				_ = os.RemoveAll(filepath.Join(s.root, "uploads", e.Name()))
			}
		}
	}
	if ents, err := os.ReadDir(filepath.Join(s.root, "checkpoints")); err == nil {
		for _, e := range ents {
			// ID.ckpt, its journal and temporary files; IDs hold dots.
			id, _, ok := strings.Cut(e.Name(), ".ckpt")
			if !ok || !live[id] {
				_ = os.Remove(filepath.Join(s.root, "checkpoints", e.Name()))
			}
		}
	}
}
