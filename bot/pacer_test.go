package bot

import (
	"testing"
	"time"
)

// The pacer learns its rate from what was getting through at the first 429, cuts it once per
// episode of 429s (not once per refused call in flight), and grows it while calls get through:
// slowly just after a cut, faster the longer no 429 comes.
func TestPacerLearnsFrom429s(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	p := newPacer(func() time.Time { return now })
	for i := range 20 { // 20 calls in the last second got through, unpaced
		p.ok(slot{start: t0.Add(time.Duration(i) * 50 * time.Millisecond)})
	}
	now = t0.Add(time.Second)
	inFlight := slot{start: now} // paced before the first cut
	oks := func(n, gen int) func() {
		return func() {
			for range n {
				p.ok(slot{start: now, gen: gen})
			}
		}
	}
	steps := []struct {
		name   string
		do     func()
		lo, hi float64
	}{
		{"first 429 learns the rate", func() { p.limited(slot{start: now}) }, 17.5, 18.5},
		{"a call paced before the cut is the same episode", func() { p.limited(inFlight) }, 17.5, 18.5},
		{"right after a cut it grows by 3 % a second", oks(18, 1), 18.4, 18.7},
		{"six seconds on, eight times as fast", func() { now = now.Add(6 * time.Second); oks(18, 1)() }, 22.5, 23.3},
		{"a call paced after the cut cuts again", func() { p.limited(slot{start: now, gen: 1}) }, 20.2, 21},
	}
	for _, s := range steps {
		before := p.current()
		s.do()
		if r := p.current(); r < s.lo || r > s.hi {
			t.Errorf("%s: rate %.2f → %.2f, want %.1f–%.1f", s.name, before, r, s.lo, s.hi)
		}
	}
}
