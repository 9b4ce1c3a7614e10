package neo4jstore

import (
	"context"
	"errors"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// A topology runs its statements in one read transaction, opened at its
// first call and closed by release: an investigation asks a dozen small
// batches (resolve, a level of each side, the answer's nodes and edges),
// and a transaction of its own for each paid a session, a BEGIN and a
// COMMIT per batch on top of the statement. One transaction is also closer
// to the embedded store's single snapshot.
type topoTx struct {
	sess neo4j.SessionWithContext
	tx   neo4j.ExplicitTransaction
	// failed: the held transaction broke once; later calls take a managed
	// transaction each, as before.
	failed bool
}

// read runs work in the topology's transaction. Should that fail (a
// transient error, a broken connection), the transaction is dropped and
// work runs again in a managed transaction, which the driver retries:
// work starts from scratch each time, as Store.read requires. The mutex
// keeps callers on several goroutines off the transaction at once.
func (t *topology) read(ctx context.Context, op string, work func(tx neo4j.ManagedTransaction) error) error {
	if err := t.s.begin(ctx); err != nil {
		return err
	}
	t.txMu.Lock()
	defer t.txMu.Unlock()
	if !t.held.failed && t.held.tx == nil {
		if err := t.openTx(ctx, op); err != nil {
			t.held.failed = true
		}
	}
	if t.held.tx != nil {
		err := work(t.held.tx)
		if err == nil {
			return nil
		}
		t.dropTx(ctx)
		t.held.failed = true
		if ctx.Err() != nil {
			return t.s.mapErr(ctx, err, op)
		}
	}
	return t.s.read(ctx, op, work)
}

// openTx opens the held transaction, with the store's timeout for ctx.
func (t *topology) openTx(ctx context.Context, op string) error {
	cfg, err := txConfig(ctx, op)
	if err != nil {
		return err
	}
	sess := t.s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: t.s.db, AccessMode: neo4j.AccessModeRead})
	tx, err := sess.BeginTransaction(ctx, cfg...)
	if err != nil {
		return errors.Join(err, sess.Close(context.WithoutCancel(ctx)))
	}
	t.held.sess, t.held.tx = sess, tx
	return nil
}

// dropTx rolls the held transaction back (it only read) and closes its
// session; the caller holds txMu.
func (t *topology) dropTx(ctx context.Context) {
	if t.held.tx == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	_ = t.held.tx.Close(ctx)   //nolint:errcheck // a read transaction: nothing to keep
	_ = t.held.sess.Close(ctx) //nolint:errcheck // as above
	t.held.sess, t.held.tx = nil, nil
}

// release ends the topology's transaction.
func (t *topology) release(ctx context.Context) func() {
	return func() {
		t.txMu.Lock()
		defer t.txMu.Unlock()
		t.dropTx(ctx)
		t.held.failed = true // a call after release takes a transaction of its own
	}
}
