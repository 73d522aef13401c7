package handlers

import "sync"

// redraws serialises the redraws of each digest message and folds together the ones asked for
// while one is under way. A rep who clicks down the five leads of a digest in a few seconds
// starts five redraws; run side by side they cost five calls to Slack and could land out of
// order, leaving the message without the last verdict. Here the first click redraws, and every
// click that comes in meanwhile only asks for one more pass, made after the first ends: it reads
// the database after their verdicts were written, so the message ends showing all of them.
type redraws struct {
	mu      sync.Mutex
	running map[int64]*bool // digest id → whether another pass was asked for
}

// do runs redraw for the digest, or, when a redraw of it is under way, leaves it to that one to
// run once more and returns nil at once. An error ends the passes: the clicks folded into a
// failed pass have their verdicts recorded, and the one whose redraw failed is told.
func (r *redraws) do(digestID int64, redraw func() error) error {
	r.mu.Lock()
	if again, ok := r.running[digestID]; ok {
		*again = true
		r.mu.Unlock()
		return nil
	}
	if r.running == nil {
		r.running = map[int64]*bool{}
	}
	again := new(bool)
	r.running[digestID] = again
	r.mu.Unlock()
	for {
		err := redraw()
		r.mu.Lock()
		if err != nil || !*again {
			delete(r.running, digestID)
			r.mu.Unlock()
			return err
		}
		*again = false
		r.mu.Unlock()
	}
}
