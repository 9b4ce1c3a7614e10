package gql

import (
	"context"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/visibility"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// An ingest job belongs to the agency it writes for: its name, files,
// counts and same-actor report are that agency's business. Another
// agency's job answers as a missing one.

// jobSeen reports whether ctx's viewer may see job j: a job of their
// agency; one stamped with none (the command line's, or one from before
// agencies) is the home agency's.
func jobSeen(ctx context.Context, j jobs.Job) bool {
	v, ok := visibility.FromContext(ctx)
	if !ok {
		return true // a trusted caller
	}
	owner := j.Stamp.Agency
	if owner == "" {
		owner = visibility.HomeAgency
	}
	return v.SignedIn() && owner == v.Agency
}

// job is m.Job for ctx's viewer.
func job(ctx context.Context, m *jobs.Manager, id string) (jobs.Job, bool) {
	j, ok := m.Job(id)
	if !ok || !jobSeen(ctx, j) {
		return jobs.Job{}, false
	}
	return j, true
}

// checkJob is the NOT_FOUND a missing job gives, for a job ctx's viewer
// may not see; nil otherwise (a missing job is left to the manager).
func checkJob(ctx context.Context, m *jobs.Manager, id string) error {
	if j, ok := m.Job(id); ok && !jobSeen(ctx, j) {
		return graph.NotFound("ingest job", id)
	}
	return nil
}

// cancelJob is m.Cancel for ctx's viewer.
func cancelJob(ctx context.Context, m *jobs.Manager, id string) (jobs.Job, error) {
	if err := checkJob(ctx, m, id); err != nil {
		return jobs.Job{}, err
	}
	return m.Cancel(id)
}

// seenJobs is m.Jobs for ctx's viewer.
func seenJobs(ctx context.Context, m *jobs.Manager) []*model.IngestJob {
	out := []*model.IngestJob{}
	for _, j := range m.Jobs() {
		if jobSeen(ctx, j) {
			out = append(out, model.NewIngestJob(j))
		}
	}
	return out
}
