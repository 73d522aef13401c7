package scoring

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// workers is how many goroutines the heavy loops use; the target machine has two cores.
func workers() int { return max(1, min(runtime.GOMAXPROCS(0), 8)) }

// parallelFor runs fn(0..n-1) over the workers, the calling goroutine being one of them. Each
// index is handled by exactly one goroutine, so results written per index are deterministic
// whatever the scheduling.
func parallelFor(n int, fn func(i int)) {
	w := min(workers(), n)
	if w <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	work := func() {
		for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
			fn(i)
		}
	}
	var wg sync.WaitGroup
	for range w - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// numChunks is fixed (not the core count) so that sums combined per chunk are bit-for-bit the
// same on any machine.
const numChunks = 8

// parallelChunks splits [0,n) into numChunks contiguous chunks (one when n is small) and calls
// fn(chunk, lo, hi) for each on the workers; it returns the number of chunks. Callers combine
// per-chunk partial results in chunk order, which keeps sums reproducible.
func parallelChunks(n int, fn func(chunk, lo, hi int)) int {
	c := numChunks
	if n < 4096 {
		c = 1
	}
	parallelFor(c, func(k int) { fn(k, k*n/c, (k+1)*n/c) })
	return c
}

// sigmoid is 1/(1+e^−z), computed on the side that cannot overflow, so large |z| gives 0 or 1
// rather than NaN.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// logit is log(p/(1−p)), with p clamped so that 0 and 1 give finite log-odds.
func logit(p float64) float64 {
	p = min(max(p, 1e-15), 1-1e-15)
	return math.Log(p / (1 - p))
}

// baseLogOdds is the log-odds of the weighted base rate, clamped away from 0 and 1: where both
// model families start, so the first tree or Newton step learns only what the base rate misses.
func baseLogOdds(y, w []float64) float64 {
	var sw, sy float64
	for i := range y {
		sw += w[i]
		sy += w[i] * y[i]
	}
	return logit(min(max(sy/sw, 1e-6), 1-1e-6))
}

var nan = math.NaN()

// forEach is parallelFor when par is set and a plain loop otherwise: for work too small to be
// worth waking a second core.
func forEach(n int, par bool, fn func(i int)) {
	if !par {
		for i := range n {
			fn(i)
		}
		return
	}
	parallelFor(n, fn)
}
