package digest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

// TestRunCountsEveryUnitAndGoesOnPastFailures: every unit runs once on the workers, their counts
// add up, and a failed unit is reported without stopping the others.
func TestRunCountsEveryUnitAndGoesOnPastFailures(t *testing.T) {
	var mu sync.Mutex
	ran := map[string]int{}
	var units []Unit
	for _, who := range []string{"a", "b", "bad", "c", "d"} {
		units = append(units, Unit{Who: who, Run: func(count Count) error {
			mu.Lock()
			ran[who]++
			mu.Unlock()
			count(func(st *Stats) { st.Due++ })
			if who == "bad" {
				return errors.New("slack said no")
			}
			count(func(st *Stats) { st.Sent++; st.Leads += 3 })
			return nil
		}})
	}
	var failed []string
	stats, err := Run(context.Background(), units, 3, func(who string, err error) {
		mu.Lock()
		failed = append(failed, who)
		mu.Unlock()
	})
	if err == nil || !strings.Contains(err.Error(), "1 of 5 digests failed") || !strings.Contains(err.Error(), "bad: slack said no") {
		t.Errorf("err = %v", err)
	}
	if stats != (Stats{Due: 5, Sent: 4, Leads: 12, Failed: 1}) {
		t.Errorf("stats %+v", stats)
	}
	for _, u := range units {
		if ran[u.Who] != 1 {
			t.Errorf("%s ran %d times", u.Who, ran[u.Who])
		}
	}
	if len(failed) != 1 || failed[0] != "bad" {
		t.Errorf("failed %v", failed)
	}
}

// TestRunStopsTakingWorkWhenCancelled: a cancelled run starts no more units and says so.
func TestRunStopsTakingWorkWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	units := []Unit{{Who: "first", Run: func(Count) error { n++; cancel(); return nil }}, {Who: "second", Run: func(Count) error { n++; return nil }}}
	if _, err := Run(ctx, units, 1, func(string, error) {}); !errors.Is(err, context.Canceled) || n != 1 {
		t.Fatalf("err %v after %d units: want context.Canceled after 1", err, n)
	}
}
