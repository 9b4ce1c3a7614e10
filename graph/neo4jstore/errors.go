package neo4jstore

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph"
)

func timeout(err error) error {
	return graph.WrapError(graph.CodeTimeout, err, "the query ran past its deadline or was cancelled")
}

func internal(err error, what string) error {
	return graph.WrapError(graph.CodeInternal, err, "graph store: %s failed", what)
}

// mapErr gives a driver error its domain code at the store's edge. The
// driver's text stays the wrapped cause and never becomes the message:
// it names servers, queries and internals.
func (s *Store) mapErr(ctx context.Context, err error, op string) error {
	if err == nil {
		return nil
	}
	var ge *graph.Error
	if errors.As(err, &ge) {
		return err
	}
	code := classify(err)
	if ctx.Err() != nil {
		switch code {
		case graph.CodeInvalid:
		case graph.CodeUnavailable:
			// Cancelling a running query closes its connection, so a deadline
			// looks like a lost connection. Ask the server: if it answers, the
			// query was merely too slow; if not, the deadline only ended the
			// driver's reconnection attempts and "unavailable" is the truth.
			if s.reachable(ctx) {
				code = graph.CodeTimeout
			}
		default:
			code = graph.CodeTimeout // whatever broke, it broke because the caller gave up
		}
	}
	switch code {
	case graph.CodeTimeout:
		return timeout(err)
	case graph.CodeUnavailable:
		if s.closed.Load() {
			return graph.WrapError(code, err, "the graph store is closed")
		}
		s.log.Warn("neo4j unavailable", "op", op, "err", err)
		return graph.WrapError(code, err, "the graph database is unavailable; try again shortly")
	}
	s.log.Error("neo4j query failed", "op", op, "err", err)
	return internal(err, op)
}

// reachable reports whether Neo4j accepts a connection now, waiting at most
// a second, whatever is left of ctx.
func (s *Store) reachable(ctx context.Context) bool {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	return s.driver.VerifyConnectivity(pctx) == nil
}

// classify maps a driver error to a code. The driver retries transient
// errors and lost connections itself inside managed transactions; what
// reaches here has exhausted those retries.
func classify(err error) graph.Code {
	var (
		limit *neo4j.TransactionExecutionLimit
		conn  *neo4j.ConnectivityError
		nerr  *neo4j.Neo4jError
		usage *neo4j.UsageError
		netE  net.Error
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return graph.CodeTimeout
	case errors.As(err, &limit):
		// retries ran out: judge by the last failure
		if n := len(limit.Errors); n > 0 {
			if c := classify(limit.Errors[n-1]); c != graph.CodeInternal {
				return c
			}
		}
		return graph.CodeUnavailable
	case errors.As(err, &conn), errors.As(err, &netE), errors.Is(err, io.EOF):
		return graph.CodeUnavailable
	case errors.As(err, &nerr):
		switch {
		case strings.HasPrefix(nerr.Code, "Neo.ClientError.Transaction.TransactionTimedOut"),
			nerr.Code == "Neo.ClientError.Transaction.Terminated",
			nerr.Code == "Neo.TransientError.Transaction.Terminated",
			nerr.Code == "Neo.ClientError.Transaction.LockClientStopped",
			nerr.Code == "Neo.TransientError.Transaction.LockClientStopped":
			return graph.CodeTimeout
		case nerr.HasSecurityCode(),
			strings.HasPrefix(nerr.Code, "Neo.TransientError."),
			nerr.Code == "Neo.ClientError.Database.DatabaseNotFound":
			return graph.CodeUnavailable
		}
		return graph.CodeInternal
	case errors.As(err, &usage):
		if strings.Contains(usage.Message, "closed") {
			return graph.CodeUnavailable
		}
	}
	return graph.CodeInternal
}
