package boltstore

// Sync makes every write committed so far durable. A store opened with
// Options.GroupCommit waits for the disk here rather than at each commit;
// any other store's commits are durable already, and Sync does nothing.
func (s *Store) Sync() error {
	if !s.group {
		return nil
	}
	s.wmu.Lock() // no commit in flight: what Sync covers is what Write returned
	defer s.wmu.Unlock()
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return nil // Close synced
	}
	if err := s.db.Sync(); err != nil {
		return internal(err, "sync")
	}
	return nil
}
