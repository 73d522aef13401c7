package bot

import (
	"testing"
	"time"
)

// The pacer learns its rate from what was getting through at the first 429, cuts it once per
// episode of 429s (not once per refused call in flight), and grows it while calls get through.
func TestPacerLearnsFrom429s(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	p := newPacer(func() time.Time { return now })
	for i := range 20 { // 20 calls in the last second got through, unpaced
		p.ok(slot{start: t0.Add(time.Duration(i) * 50 * time.Millisecond)})
	}
	now = t0.Add(time.Second)
	inFlight := slot{start: now} // paced before the first cut
	steps := []struct {
		name  string
		do    func()
		check func(r float64) bool
	}{
		{"first 429 learns the rate", func() { p.limited(slot{start: now}) }, func(r float64) bool { return r > 17.5 && r < 18.5 }},
		{"a call paced before the cut is the same episode", func() { p.limited(inFlight) }, func(r float64) bool { return r > 17.5 && r < 18.5 }},
		{"a call paced after the cut cuts again", func() { now = now.Add(10 * time.Millisecond); p.limited(slot{start: now, gen: 1}) }, func(r float64) bool { return r > 15.5 && r < 17 }},
		{"successes grow it slowly", func() {
			for range 32 {
				p.ok(slot{start: now, gen: 2})
			}
		}, func(r float64) bool { return r > 16.2 && r < 17.5 }},
	}
	for _, s := range steps {
		before := p.current()
		s.do()
		if r := p.current(); !s.check(r) {
			t.Errorf("%s: rate %.2f → %.2f", s.name, before, r)
		}
	}
}
