package bot

import (
	"context"
	"sync"
	"testing"
)

// TestCoalescerOneInFlightOneTrailing: asks made while a run is under way cost one more run,
// not one each, and the trailing run starts after the first ends (never side by side).
func TestCoalescerOneInFlightOneTrailing(t *testing.T) {
	c := NewCoalescer()
	var mu sync.Mutex
	runs, inFlight, most := 0, 0, 0
	entered, release := make(chan struct{}), make(chan struct{})
	fn := func(context.Context) {
		mu.Lock()
		runs++
		inFlight++
		most = max(most, inFlight)
		first := runs == 1
		mu.Unlock()
		if first {
			close(entered)
			<-release
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
	}
	done := make(chan struct{})
	go func() { c.Do(context.Background(), "k", fn); close(done) }()
	<-entered
	for range 5 { // asks while the first run is under way
		c.Do(context.Background(), "k", fn)
	}
	c.Do(context.Background(), "other", func(context.Context) {}) // another key is not held up
	close(release)
	<-done
	if runs != 2 || most != 1 {
		t.Fatalf("runs %d, most in flight %d: want 2 runs (one trailing for the 5 asks), one at a time", runs, most)
	}
	if len(c.keys) != 0 {
		t.Fatalf("keys left behind: %v", c.keys)
	}
}
