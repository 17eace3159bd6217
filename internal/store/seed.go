package store

import "context"

// Seed loads the demo data for development and returns how many records it
// added. It is idempotent: running it again adds nothing. Each feature adds
// its own demo records here as it lands (staff users come with accounts).
func (s *Store) Seed(ctx context.Context) (int, error) {
	_ = ctx
	return 0, nil
}
