package cases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph/state"
)

// LegacyFile is the file in the state directory where Redthread kept
// cases before they moved into the graph store.
const LegacyFile = "cases.db"

// collImports records the legacy files imported, by a digest of their
// cases, so that a case deleted after its import does not come back on
// the next start.
const collImports = "case-imports"

// legacyRecord is a case as the legacy file stored it, view included.
type legacyRecord struct {
	record
	View json.RawMessage `json:"view"`
}

// importLegacy imports the cases of dir's cases.db into the record store
// once. Each case is created only if its ID is free, so an import that
// stopped half way resumes; the file is only read.
func (s *Store) importLegacy(ctx context.Context, dir string) error {
	path := filepath.Join(dir, LegacyFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	db, err := bolt.Open(path, 0o640, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return fmt.Errorf("read the earlier case file %s: %w", path, err)
	}
	defer db.Close() //nolint:errcheck // read-only
	var recs []legacyRecord
	digest := sha256.New()
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("cases"))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			fmt.Fprintf(digest, "%d %s %d\n", len(k), k, len(v))
			digest.Write(v)
			var r legacyRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("case %s: %w", k, err)
			}
			recs = append(recs, r)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("read the earlier case file %s: %w", path, err)
	}
	mark := hex.EncodeToString(digest.Sum(nil))
	if _, err := s.st.Get(ctx, collImports, mark); err == nil {
		s.log.Debug("earlier case file already imported", "path", path)
		return nil
	} else if !errors.Is(err, state.ErrNotFound) {
		return err
	}
	imported := 0
	for _, r := range recs {
		view, nodes, err := checkView(r.View)
		if err != nil || !validID(r.ID) {
			s.log.Warn("case of the earlier case file not imported", "path", path, "case", r.ID, "err", err)
			continue
		}
		c := r.record
		c.Nodes = nodes
		switch err := s.write(ctx, &c, view, state.Absent); {
		case err == nil:
			imported++
		case !errors.Is(err, state.ErrConflict): // a conflict: imported before
			return fmt.Errorf("import case %s from %s: %w", r.ID, path, err)
		}
	}
	done, _ := json.Marshal(map[string]any{"path": path, "cases": len(recs), "at": s.now().UTC()})
	if _, err := s.st.Put(ctx, collImports, mark, done, state.AnyVersion); err != nil {
		return err
	}
	s.log.Info("imported the cases of the earlier case file into the graph store; the file is left as it was and no longer read: delete it when you no longer need it",
		"path", path, "cases", len(recs), "imported", imported)
	return nil
}
