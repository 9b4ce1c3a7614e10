package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// neo4jFloor measures the least any Neo4j query can cost here: one read
// transaction that runs RETURN 1 and reads its record, over the driver the
// store uses, n times. It is the physical limit for Neo4j's rows, as the
// reference search is for the embedded store's: a query Neo4j answers in
// one round trip cannot be faster.
func neo4jFloor(ctx context.Context, uri string, n int, timeout time.Duration) (row *qrow, err error) {
	drv, err := neo4j.NewDriverWithContext(uri, neo4j.NoAuth())
	if err != nil {
		return nil, fmt.Errorf("floor: driver: %w", err)
	}
	defer func() { err = errors.Join(err, drv.Close(ctx)) }()
	sess := drv.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeRead})
	defer func() { err = errors.Join(err, sess.Close(ctx)) }()
	one := func(ctx context.Context) error {
		_, err := sess.ExecuteRead(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			res, err := tx.Run(ctx, "RETURN 1 AS one", nil)
			if err != nil {
				return nil, err
			}
			return res.Single(ctx)
		})
		return err
	}
	if err := one(ctx); err != nil { // the connection opened outside the timing
		return nil, fmt.Errorf("floor: %w", err)
	}
	return measure(ctx, "one round trip (floor)", "neo4j driver, RETURN 1", "floor", "", n, timeout, func(ctx context.Context, _ int) answer {
		err := one(ctx)
		return answer{found: err == nil, err: err}
	}), nil
}
