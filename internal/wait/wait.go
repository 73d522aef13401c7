// Package wait is the one way leadbot's loops pause: a sleep that a context ends early.
package wait

import (
	"context"
	"time"
)

// Sleep waits for d or until ctx ends, whichever is first, and returns ctx's error if it ended.
// A d of zero or less returns at once (with ctx's error, if any).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
