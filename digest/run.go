package digest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// Unit is one piece of a digest run: one rep by DM, or one team whose digest goes to its
// channel (a team is one unit because its replies hang under one parent post).
type Unit struct {
	Who string // for the log and the error: "ann@example.com", "team of boss@example.com"
	Run func(count Count) error
}

// Run works through units on workers goroutines (0: 8) and adds up what they did. A failed unit
// does not stop the others; failed is told of each (for the log), and the error names how many
// failed and the first. The sender paces Slack calls, so more workers only help while Slack has
// room.
func Run(ctx context.Context, units []Unit, workers int, failed func(who string, err error)) (Stats, error) {
	if workers <= 0 {
		workers = 8
	}
	var (
		stats    Stats
		mu       sync.Mutex
		failures []error
		wg       sync.WaitGroup
		next     atomic.Int64
	)
	count := func(f func(*Stats)) { mu.Lock(); f(&stats); mu.Unlock() }
	for range min(workers, len(units)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(units) || ctx.Err() != nil {
					return
				}
				if err := units[i].Run(count); err != nil {
					mu.Lock()
					stats.Failed++
					failures = append(failures, fmt.Errorf("%s: %w", units[i].Who, err))
					mu.Unlock()
					failed(units[i].Who, err)
				}
			}
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		return stats, fmt.Errorf("%d of %d digests failed (they are retried on the next run); first: %w", len(failures), stats.Due, failures[0])
	}
	return stats, ctx.Err()
}
