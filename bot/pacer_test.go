package bot

import (
	"testing"
	"time"
)

// The pacer learns its rate from what was getting through at the first 429 and, when that was a
// handful of calls started together rather than a measure, doubles it each second until a later
// 429; it cuts once per episode of 429s (not once per refused call in flight); below the rate of
// the last 429 it grows slowly just after a cut and faster the longer no 429 comes; near it, it
// creeps, and a 429 there steps back only a little.
func TestPacerLearnsFrom429s(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	p := newPacer(func() time.Time { return now })
	for i := range 3 { // 3 calls in the last second got through, unpaced, then 429s
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
		{"first 429 learns the rate", func() { p.limited(slot{start: now}) }, 2.6, 2.8},
		{"a call paced before the cut is the same episode", func() { p.limited(inFlight) }, 2.6, 2.8},
		{"three calls were no measure: it doubles each second", oks(3, 1), 4.7, 4.9},
		{"a 429 within a second of the first is the bucket refilling", func() { p.limited(slot{start: now, gen: 1}) }, 4.2, 4.4},
		{"still doubling", oks(4, 2), 7, 7.2},
		{"a 429 later, well above the last, cuts by a tenth and ends the doubling", func() { now = now.Add(2 * time.Second); p.limited(slot{start: now, gen: 2}) }, 6.3, 6.5},
		{"right after a cut it grows by 3 % a second", oks(5, 3), 6.5, 6.6},
		{"six seconds on, eight times as fast, until it nears the last 429's rate", func() { now = now.Add(6 * time.Second); oks(2, 3)() }, 6.75, 6.82},
		{"near it, it creeps", oks(20, 3), 6.85, 6.92},
		{"a 429 near it steps back by a twentieth", func() { p.limited(slot{start: now, gen: 3}) }, 6.5, 6.6},
	}
	for _, s := range steps {
		before := p.current()
		s.do()
		if r := p.current(); r < s.lo || r > s.hi {
			t.Errorf("%s: rate %.2f → %.2f, want %.2f–%.2f", s.name, before, r, s.lo, s.hi)
		}
	}
}

// A burst that got through before the first 429 is a measure: no doubling from it.
func TestPacerTrustsAMeasuredBurst(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	p := newPacer(func() time.Time { return now })
	for i := range 20 {
		p.ok(slot{start: t0.Add(time.Duration(i) * 50 * time.Millisecond)})
	}
	now = t0.Add(time.Second)
	p.limited(slot{start: now})
	for range 18 {
		p.ok(slot{start: now, gen: 1})
	}
	if r := p.current(); r < 18.4 || r > 18.7 {
		t.Fatalf("rate %.2f after 18 calls; want 18 grown by 3 %% a second, not doubled", r)
	}
}
