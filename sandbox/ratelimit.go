package sandbox

import (
	"math"
	"sync"
	"time"
)

// bucket is a token bucket; a negative rate means unlimited.
type bucket struct {
	lim    Limit
	tokens float64
	last   time.Time
}

// take spends one token or reports how long until one is available.
func (b *bucket) take(now time.Time) (ok bool, wait time.Duration) {
	if b.lim.Rate < 0 {
		return true, 0
	}
	burst := float64(max(b.lim.Burst, 1))
	if b.last.IsZero() {
		b.tokens = burst
	} else {
		b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*b.lim.Rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	if b.lim.Rate == 0 {
		return false, time.Minute
	}
	return false, time.Duration((1 - b.tokens) / b.lim.Rate * float64(time.Second))
}

// limiter applies RateLimits plus injected 429 bursts.
type limiter struct {
	cfg      RateLimits
	mu       sync.Mutex
	buckets  map[string]*bucket
	injected map[string][]int // method → Retry-After of each queued 429
	lost     map[string]int   // method → how many of its next answers are lost
	delay    time.Duration    // added before every answer
}

func newLimiter(cfg RateLimits) *limiter {
	return &limiter{cfg: cfg, buckets: map[string]*bucket{}, injected: map[string][]int{}, lost: map[string]int{}}
}

func (l *limiter) bucketFor(key string, lim Limit) *bucket {
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: lim}
		l.buckets[key] = b
	}
	return b
}

func (l *limiter) methodLimit(method string) Limit {
	if lim, ok := l.cfg.Methods[method]; ok {
		return lim
	}
	tier, ok := methodTier[method]
	if !ok && method == "conversations.history" {
		tier = 3 // Slack's tier for apps installed in their own workspace (slack-protocol.md §4.2)
	}
	switch tier {
	case 1:
		return l.cfg.Tier1
	case 2:
		return l.cfg.Tier2
	case 3:
		return l.cfg.Tier3
	default:
		return l.cfg.Tier4
	}
}

// allow decides one call of method (channel is set for chat.postMessage)
// and returns the integer Retry-After seconds when it is refused.
func (l *limiter) allow(method, channel string) (ok bool, retryAfter int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if q := l.injected[method]; len(q) > 0 {
		l.injected[method] = q[1:]
		return false, q[0]
	}
	if l.cfg.Disabled {
		return true, 0
	}
	now := time.Now()
	check := func(key string, lim Limit) (bool, int) {
		ok, wait := l.bucketFor(key, lim).take(now)
		if ok {
			return true, 0
		}
		return false, max(1, int(math.Ceil(wait.Seconds())))
	}
	if method == "chat.postMessage" {
		// Slack's special limit replaces the tier: one per second per
		// channel with a small burst, and a workspace-wide cap.
		if _, over := l.cfg.Methods[method]; !over {
			if ok, ra := check("chat.postMessage#"+channel, l.cfg.PostMessagePerChannel); !ok {
				return false, ra
			}
			return check("chat.postMessage", l.cfg.PostMessageWorkspace)
		}
	}
	return check(method, l.methodLimit(method))
}

func (l *limiter) inject(method string, n, retryAfter int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for range n {
		l.injected[method] = append(l.injected[method], retryAfter)
	}
}

// Inject429 makes the next n calls of method fail with HTTP 429 and
// Retry-After: retryAfter (whole seconds, at least 1, as Slack sends).
func (w *Workspace) Inject429(method string, n int, retryAfter time.Duration) {
	w.limiter.inject(method, n, max(1, int(math.Ceil(retryAfter.Seconds()))))
}

// answerLost reports whether this call's answer is to be lost (and counts it).
func (l *limiter) answerLost(method string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost[method] > 0 {
		l.lost[method]--
		return true
	}
	return false
}

func (l *limiter) latency() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.delay
}

// LoseAnswers makes the next n calls of method take effect and then lose their answer: the
// connection closes before any response, as when Slack's answer is lost on the way. The client
// cannot tell whether the call did anything.
func (w *Workspace) LoseAnswers(method string, n int) {
	w.limiter.mu.Lock()
	w.limiter.lost[method] += n
	w.limiter.mu.Unlock()
}

// SetLatency makes every Web API call wait d before it is handled, as Slack's own answer time
// (0: none).
func (w *Workspace) SetLatency(d time.Duration) {
	w.limiter.mu.Lock()
	w.limiter.delay = d
	w.limiter.mu.Unlock()
}
