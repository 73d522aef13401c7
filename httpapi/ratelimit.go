package httpapi

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimit bounds the requests one client (one remote IP address) makes: a token bucket of
// Burst requests, refilled at PerSecond. The defaults (DefaultRateLimit) are far above what a
// CRM sends — ten batches of up to 1,000 items a second is 10,000 leads a second from one
// address — and far below what would let one client keep the database busy for everyone.
type RateLimit struct {
	PerSecond float64 // 0: DefaultRateLimit's; negative: no limit
	Burst     int     // 0: DefaultRateLimit's
}

// DefaultRateLimit is the limit of a Deps that sets none.
var DefaultRateLimit = RateLimit{PerSecond: 10, Burst: 20}

// maxClients bounds the buckets kept; past it, the buckets that are full again (their clients
// idle) are dropped, so a scan from many addresses cannot grow the map without end.
const maxClients = 10000

// limiter holds one token bucket per client address.
type limiter struct {
	rate    RateLimit
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(r RateLimit, now func() time.Time) *limiter {
	if r.PerSecond == 0 {
		r.PerSecond = DefaultRateLimit.PerSecond
	}
	if r.Burst <= 0 {
		r.Burst = DefaultRateLimit.Burst
	}
	return &limiter{rate: r, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token from the bucket of r's client. When there is none it returns false and
// how long until there is one.
func (l *limiter) allow(r *http.Request) (bool, time.Duration) {
	if l.rate.PerSecond < 0 {
		return true, 0
	}
	client, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		client = r.RemoteAddr
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[client]
	if !ok {
		if len(l.buckets) >= maxClients {
			l.sweep(now)
		}
		if len(l.buckets) >= maxClients {
			client = "" // every client beyond them shares one bucket
		}
		if b, ok = l.buckets[client]; !ok {
			b = &bucket{tokens: float64(l.rate.Burst), at: now}
			l.buckets[client] = b
		}
	}
	b.tokens = math.Min(float64(l.rate.Burst), b.tokens+now.Sub(b.at).Seconds()*l.rate.PerSecond)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate.PerSecond * float64(time.Second))
	return false, wait
}

// sweep drops the buckets that have refilled. Caller holds mu.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if float64(l.rate.Burst) <= b.tokens+now.Sub(b.at).Seconds()*l.rate.PerSecond {
			delete(l.buckets, k)
		}
	}
}

// tooMany is the answer past the limit: 429 with Retry-After in whole seconds (at least 1).
func (l *limiter) tooMany(wait time.Duration) response {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	resp := fail(http.StatusTooManyRequests, "too many requests from this address: wait "+strconv.Itoa(secs)+
		" s (Retry-After) and send fewer, larger batches (up to 1000 items each)")
	resp.header = map[string]string{"Retry-After": strconv.Itoa(secs)}
	return resp
}
