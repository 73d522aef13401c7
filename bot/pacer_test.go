package bot

import (
	"testing"
	"time"
)

// The pacer learns its rate from what was getting through at the first 429 and, since that was
// measured over calls started together, doubles it each second until a later 429; it cuts once
// per episode of 429s (not once per refused call in flight); below the rate of the last 429 it
// grows slowly just after a cut and faster the longer no 429 comes; near it, it creeps, and a
// 429 there steps back only a little.
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
		{"then it doubles each second", oks(18, 1), 30, 31},
		{"a 429 within a second of the first is the bucket refilling", func() { p.limited(slot{start: now, gen: 1}) }, 27, 28},
		{"still doubling", oks(1, 2), 27.7, 28.7},
		{"a 429 later cuts by a tenth and ends the doubling", func() { now = now.Add(2 * time.Second); p.limited(slot{start: now, gen: 2}) }, 25, 26},
		{"right after a cut it grows by 3 % a second", oks(25, 3), 25.7, 26.5},
		{"six seconds on, eight times as fast, until it nears the last 429's rate", func() { now = now.Add(6 * time.Second); oks(4, 3)() }, 26.5, 27},
		{"near it, it creeps", oks(20, 3), 26.8, 27},
		{"a 429 near it steps back by a twentieth", func() { p.limited(slot{start: now, gen: 3}) }, 25.2, 25.9},
	}
	for _, s := range steps {
		before := p.current()
		s.do()
		if r := p.current(); r < s.lo || r > s.hi {
			t.Errorf("%s: rate %.2f → %.2f, want %.1f–%.1f", s.name, before, r, s.lo, s.hi)
		}
	}
}
