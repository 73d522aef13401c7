package bot

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/leadbot/leadbot/internal/wait"
)

// pacer spaces the calls of one Slack method by the rate it learns from Slack's 429s. Slack does
// not publish chat.postMessage's workspace-wide limit, and holding every call for Retry-After
// after any 429 (what the sender did) reached only 25–30 % of it: the pause emptied the pipe,
// the refilled budget went in one burst, and the burst drew the next 429. Instead the pacer
// starts unpaced; at the first 429 it takes the rate that was getting through as the limit
// (doubling it each second while that was a handful of calls, no measure), then probes upward,
// slowly just after a 429 and faster the longer none comes, creeping near the rate of the last
// 429, and backs off at each later 429 (once per episode), so it stays just under the limit; a
// refused call is retried after its own Retry-After while the others keep their pace.
type pacer struct {
	mu      sync.Mutex
	rate    float64     // calls a second; 0 until the first 429
	next    time.Time   // when the last call was let start
	gen     int         // counts the cuts: a 429 of a call paced before the last cut is the same episode
	cut     time.Time   // when the rate was last cut
	ceiling float64     // the rate of the last cut, before it: where the limit was last found
	slow    bool        // slow start: from the first 429 until the limit is met again (see ok)
	recent  []time.Time // starts of the latest successful calls (a ring of len cap)
	head    int
	clock   func() time.Time
	minRate float64 // the least it learns: Slack's documented pace of one post a second per channel
}

const (
	pacerWindow  = time.Second // the span over which the rate getting through is measured
	pacerBackoff = 0.9         // the rate kept at each 429 episode
	// The rate grows by pacerIncrease of itself a second just after a cut (3 %), so that it stays
	// under the limit for seconds (a limit without burst refuses any rate above it at once), and
	// twice as fast for every pacerDoubling without a 429, so that a low first estimate or a
	// limit that rose is caught up with in seconds, not minutes.
	pacerIncrease = 0.03
	pacerDoubling = 2 * time.Second
	// Near the ceiling (the rate of the last cut, from pacerNear of it to pacerAbove it) the rate
	// creeps up by pacerCreep of a call a second at each call (about 0.5 % a second) and a 429
	// there cuts it to pacerNearBackoff of itself: a 429 every ten seconds or so, where the faster
	// probe overshot a limit without burst and drew one every two or three (a tenth of the calls).
	pacerNear        = 0.95
	pacerAbove       = 1.1
	pacerCreep       = 0.005
	pacerNearBackoff = 0.95
	// pacerMeasured is how many calls must have got through in the window before the first 429
	// for their rate to stand as the first estimate; with fewer the rate doubles each second from
	// it until the limit is met again.
	pacerMeasured = 5
	// pacerLate is how late a waiter may wake and keep its slot's time (a sleep's overshoot).
	pacerLate = 5 * time.Millisecond
)

func newPacer(clock func() time.Time) *pacer {
	return &pacer{recent: make([]time.Time, 0, 512), clock: clock, minRate: 1}
}

// slot is one call's place in the pace: when it started, and the cuts made before it was paced.
type slot struct {
	start time.Time
	gen   int
}

// wait blocks until a call may start, and returns its slot. Slots are not booked ahead: a
// waiter sleeps until the next slot at the current rate and checks again, so a rate that rose
// meanwhile is used at once (booking at a low first estimate queued workers for many seconds).
func (p *pacer) wait(ctx context.Context) (slot, error) {
	for {
		p.mu.Lock()
		now, gen := p.clock(), p.gen
		if p.rate == 0 {
			p.mu.Unlock()
			return slot{now, gen}, ctx.Err()
		}
		interval := time.Duration(float64(time.Second) / p.rate)
		due := p.next.Add(interval)
		if !now.Before(due) {
			if now.Sub(due) > pacerLate {
				// Idle since due: no credit for the time unused. A limit without burst refuses
				// the second of two calls closer than its interval, which a credit allowed.
				due = now
			}
			p.next = due
			p.mu.Unlock()
			return slot{now, gen}, ctx.Err()
		}
		p.mu.Unlock()
		if err := wait.Sleep(ctx, due.Sub(now)); err != nil {
			return slot{}, err
		}
	}
}

// ok records a call that got through; the rate grows a little.
func (p *pacer) ok(s slot) {
	start := s.start
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.recent) < cap(p.recent) {
		p.recent = append(p.recent, start)
	} else {
		p.recent[p.head] = start
		p.head = (p.head + 1) % len(p.recent)
	}
	if p.rate > 0 {
		// One call of the rate's calls a second: pacerIncrease of the rate a second, times 2 for
		// every pacerDoubling since the cut (at most doubling the rate a second).
		speed := math.Exp2(float64(p.clock().Sub(p.cut)) / float64(pacerDoubling))
		switch {
		case p.slow:
			// After the first 429, what got through was measured over calls started together,
			// not paced (1 of 16 concurrent calls reads as one a second): the rate doubles each
			// second until the limit is met again.
			speed = math.Inf(1)
		case p.rate >= pacerNear*p.ceiling && p.rate < pacerAbove*p.ceiling:
			p.rate += pacerCreep // at the limit last met: creep, so that a 429 comes seldom
			return
		}
		p.rate += min(pacerIncrease*speed, math.Ln2)
	}
}

// limited records a 429. Calls paced before the last cut were spaced at the old rate, so
// their 429s say nothing new: only the first of an episode cuts the rate.
func (p *pacer) limited(s slot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.gen != p.gen {
		return
	}
	now := p.clock()
	switch {
	case p.rate == 0:
		n := 0
		for _, t := range p.recent {
			if now.Sub(t) <= pacerWindow {
				n++
			}
		}
		p.rate = float64(n) / pacerWindow.Seconds()
		// A handful of calls is no measure of the limit (1 of 16 calls started together reads
		// as one a second): then slow start. A burst that got through is one.
		p.slow = n < pacerMeasured
	case p.slow && now.Sub(p.cut) < pacerWindow:
		// The bucket the first burst emptied is still refilling: not the limit met again.
	default:
		p.slow = false
	}
	backoff := pacerBackoff
	if p.rate >= pacerNear*p.ceiling && p.rate < pacerAbove*p.ceiling {
		backoff = pacerNearBackoff // the limit is where it was last met: step back only a little
	}
	p.ceiling = p.rate
	p.rate = max(p.rate*backoff, p.minRate)
	p.gen++
	p.cut = now
}

// current returns the learned rate (0: none yet).
func (p *pacer) current() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rate
}
