package auth

import "context"

// Occupy takes one hashing slot, as a long-running hash would.
func (h *Hasher) Occupy(ctx context.Context) (release func(), err error) {
	if err := h.acquire(ctx); err != nil {
		return nil, err
	}
	return h.release, nil
}
