package gql

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// progressHeartbeat is how often a progress stream repeats the last state
// when nothing changes (a job queued behind a long one): each event must
// come within the operation deadline, and proxies close idle streams.
const progressHeartbeat = 2 * time.Second

func (r *Resolver) jobs() (*jobs.Manager, error) {
	if r.Jobs == nil {
		return nil, graph.Errorf(graph.CodeForbidden, "ingest jobs are not enabled on this server")
	}
	return r.Jobs, nil
}

// ingestRequest maps startIngest's arguments.
//
// The job writes for the caller: their agency owns what it loads (over any
// agency the input claims) and they are its user; unmarked sources get
// marking, TLP:AMBER by default (the agency's own data stays within it
// unless the caller says otherwise).
func ingestRequest(ctx context.Context, format string, path *string, paths []string, uploads []*graphql.Upload, marking *graph.Marking) (jobs.Request, error) {
	req := jobs.Request{Format: format, Paths: paths, Stamp: ingest.Stamp{Marking: graph.TLPAmber}}
	if p, ok := identity.PrincipalFrom(ctx); ok {
		req.Stamp.Agency, req.Stamp.User = p.Agency, p.User
	}
	if marking != nil {
		req.Stamp.Marking = *marking
	}
	if path != nil {
		if len(paths) > 0 {
			return req, graph.Errorf(graph.CodeInvalid, "give path or paths, not both")
		}
		req.Paths = []string{*path}
	}
	for _, u := range uploads {
		req.Uploads = append(req.Uploads, jobs.Upload{Name: u.Filename, File: u.File})
	}
	return req, nil
}

// forwardProgress maps job snapshots onto a subscription's channel until
// the job ends or the client goes away.
func forwardProgress(ctx context.Context, updates <-chan jobs.Job, stop func(), out chan<- *model.IngestJob) {
	defer close(out)
	defer stop()
	tick := time.NewTicker(progressHeartbeat)
	defer tick.Stop()
	var last jobs.Job
	for {
		select {
		case j, ok := <-updates:
			if !ok {
				return
			}
			last = j
			tick.Reset(progressHeartbeat)
		case <-tick.C:
		case <-ctx.Done():
			return
		}
		select {
		case out <- model.NewIngestJob(last):
		case <-ctx.Done():
			return
		}
	}
}
