package scoring

import (
	"context"
	"errors"
	"math"
)

// fit minimises Σ wᵢ·logloss + λ/2·‖β‖² by Newton's method with a conjugate-gradient inner solve
// (the intercept is not penalised). The gradient is always exact, so the solution is the exact
// optimum; above 100k rows the Hessian is estimated on an even-strided 100k subsample, which only
// changes the path, not the end point.
func (m *LogReg) fit(ctx context.Context, enc *Encoding, x *encoded, y, w []float64) error {
	s, err := newNewtonFit(m, enc, x, y, w)
	if err != nil {
		return err
	}
	s.standardise()
	s.featureMeans()
	m.Intercept = baseLogOdds(y[:s.n], w[:s.n]) // start from the base rate
	f, err := s.solve(ctx)
	if err != nil {
		return err
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return errors.New("scoring: logistic regression diverged")
	}
	return nil
}

// newtonFit is one Newton fit of a LogReg: the data and the scratch space that the objective, the
// gradient and the Hessian-vector products share, allocated once for every Newton step.
type newtonFit struct {
	m       *LogReg
	enc     *Encoding
	x       *encoded
	y, w    []float64
	n, p, K int       // rows, features, columns
	W       float64   // Σ w: the objective's scale, for the stopping rules
	eta     []float64 // every row's log-odds at the coefficients last passed to objective
	hrows   []int     // the rows the Hessian is estimated on
	hscale  float64   // rows per Hessian row, so the estimate has the full Hessian's scale
	d       []float64 // Hessian weights on hrows
	grad    []float64 // gradient; the last entry is the intercept's
	hdiag   []float64 // Hessian diagonal: the conjugate gradient's preconditioner
	// std holds, for each numeric column whose transform is not the identity, every row's
	// standardised value, computed once: the objective and its derivatives read each row's
	// features dozens of times, and a log per read made the signed-log columns dominate a fit.
	std [][]float64
}

// feature is m.feature, from the standardised values computed once.
func (s *newtonFit) feature(k, i int) (int, float64) {
	if c := s.std[k]; c != nil {
		if v := c[i]; !math.IsNaN(v) {
			return s.m.Offset[k] + slotValue, v
		}
	}
	return s.m.feature(s.enc, s.x, k, i)
}

// standardise fills std for the columns with a non-identity transform; NaN marks a row whose
// active feature is an indicator (missing or sentinel).
func (s *newtonFit) standardise() {
	s.std = make([][]float64, s.K)
	parallelFor(s.K, func(k int) {
		c := &s.enc.Columns[k]
		if c.isCat() || c.Transform == TransformLinear {
			return
		}
		col := make([]float64, s.n)
		for i, v := range s.x.vals[k][:s.n] {
			col[i] = math.NaN()
			if !math.IsNaN(v) && !c.isSentinel(v) {
				col[i] = (c.linear(v) - s.m.Center[k]) / s.m.Scale[k]
			}
		}
		s.std[k] = col
	})
}

// newNewtonFit allocates a fit; it refuses data whose weights are all zero, which has no optimum.
func newNewtonFit(m *LogReg, enc *Encoding, x *encoded, y, w []float64) (*newtonFit, error) {
	n, p := x.n, len(m.Coef)
	s := &newtonFit{m: m, enc: enc, x: x, y: y, w: w, n: n, p: p, K: len(enc.Columns)}
	for i := range n {
		s.W += w[i]
	}
	if s.W <= 0 {
		return nil, errors.New("scoring: all sample weights are zero")
	}
	s.hrows = hessianRows(n)
	s.hscale = float64(n) / float64(len(s.hrows))
	s.eta = make([]float64, n)
	s.grad = make([]float64, p+1)
	s.hdiag = make([]float64, p+1)
	s.d = make([]float64, n)
	return s, nil
}

// hessianRows is every row up to 100k rows, else every k-th row for the smallest k that leaves at
// most 100k: the Hessian only steers the Newton steps, so estimating it keeps a step cheap on
// millions of leads.
func hessianRows(n int) []int {
	rows := make([]int, 0, min(n, 100000))
	step := max(1, (n+99999)/100000)
	for i := 0; i < n; i += step {
		rows = append(rows, i)
	}
	return rows
}

// featureMeans sets E[x] of every feature over the training rows (weighted): the baseline exact
// linear SHAP measures each column's effect from.
func (s *newtonFit) featureMeans() {
	m := s.m
	for i := range s.n {
		for k := range s.K {
			f, v := s.feature(k, i)
			m.Mean[f] += s.w[i] * v / s.W
		}
	}
}

// solve takes Newton steps from the current coefficients until the gradient vanishes, a line
// search no longer improves the objective, or 100 steps; it returns the objective at the end.
func (s *newtonFit) solve(ctx context.Context) (float64, error) {
	m, W := s.m, s.W
	f0 := s.objective(m.Intercept, m.Coef)
	dir := make([]float64, s.p+1)
	trial := make([]float64, s.p)
	for it := 0; it < 100; it++ {
		if err := ctx.Err(); err != nil {
			return f0, err
		}
		m.Iter = it
		s.gradient()
		s.hessianDiag()
		gmax := 0.0
		for _, g := range s.grad {
			gmax = max(gmax, math.Abs(g))
		}
		if gmax < 1e-10*max(1, W) {
			break
		}
		conjugateGradient(s.hessVec, s.hdiag, s.grad, dir, min(0.1, math.Sqrt(gmax/max(1, W))))
		var improved bool
		if f0, improved = s.lineSearch(f0, dir, trial); !improved {
			s.objective(m.Intercept, m.Coef) // keep eta in step with the coefficients
			break
		}
	}
	return f0, nil
}

// lineSearch backtracks from the full Newton step dir until the objective decreases enough
// (Armijo), since a full step can overshoot far from the optimum. It moves the coefficients and
// returns the new objective, and whether it improved by more than rounding noise; trial is
// scratch.
func (s *newtonFit) lineSearch(f0 float64, dir, trial []float64) (float64, bool) {
	m, p := s.m, s.p
	slope := 0.0
	for j := range dir {
		slope += dir[j] * s.grad[j]
	}
	t := 1.0
	for ls := 0; ls < 30; ls++ {
		for j := range p {
			trial[j] = m.Coef[j] + t*dir[j]
		}
		f1 := s.objective(m.Intercept+t*dir[p], trial)
		if f1 <= f0+1e-4*t*slope {
			copy(m.Coef, trial)
			m.Intercept += t * dir[p]
			return f1, f0-f1 > 1e-15*math.Abs(f0)
		}
		t /= 2
	}
	return f0, false
}

// objective is Σ wᵢ·logloss + λ/2·‖b‖² at intercept b0 and coefficients b, and leaves every row's
// log-odds in eta for the gradient. Rows are summed in fixed chunks, combined in chunk order, so
// the value is the same on any core count.
func (s *newtonFit) objective(b0 float64, b []float64) float64 {
	m, y, w, K := s.m, s.y, s.w, s.K
	parts := make([]float64, numChunks)
	parallelChunks(s.n, func(c, lo, hi int) {
		var sum float64
		for i := lo; i < hi; i++ {
			z := b0
			for k := range K {
				f, v := s.feature(k, i)
				z += b[f] * v
			}
			s.eta[i] = z
			// log(1+e^z) − y·z, stable for large |z|.
			sum += w[i] * (math.Max(z, 0) + math.Log1p(math.Exp(-math.Abs(z))) - y[i]*z)
		}
		parts[c] = sum
	})
	var sum float64
	for _, v := range parts {
		sum += v
	}
	for _, v := range b {
		sum += 0.5 * m.Lambda * v * v
	}
	return sum
}

// gradient sets grad, the exact gradient of the objective at eta over every row: exact, so that
// Newton's method ends on the exact optimum however the Hessian is estimated.
func (s *newtonFit) gradient() {
	m, y, w, p, K := s.m, s.y, s.w, s.p, s.K
	parts := make([][]float64, numChunks)
	parallelChunks(s.n, func(c, lo, hi int) {
		g := make([]float64, p+1)
		for i := lo; i < hi; i++ {
			r := w[i] * (sigmoid(s.eta[i]) - y[i])
			g[p] += r
			for k := range K {
				f, v := s.feature(k, i)
				g[f] += r * v
			}
		}
		parts[c] = g
	})
	clear(s.grad)
	addParts(s.grad, parts)
	for j := range p {
		s.grad[j] += m.Lambda * m.Coef[j]
	}
}

// hessianDiag sets the Hessian weights d of the rows in hrows at eta and the Hessian's diagonal,
// which preconditions the conjugate gradient.
func (s *newtonFit) hessianDiag() {
	m, w, p, K := s.m, s.w, s.p, s.K
	clear(s.hdiag)
	for _, i := range s.hrows {
		q := sigmoid(s.eta[i])
		s.d[i] = w[i] * q * (1 - q) * s.hscale
		s.hdiag[p] += s.d[i]
		for k := range K {
			f, v := s.feature(k, i)
			s.hdiag[f] += s.d[i] * v * v
		}
	}
	for j := range p {
		s.hdiag[j] += m.Lambda
	}
}

// hessVec sets out to the estimated Hessian times v: the conjugate gradient needs only these
// products, never the p×p Hessian itself.
func (s *newtonFit) hessVec(v, out []float64) {
	m, d, hrows, p, K := s.m, s.d, s.hrows, s.p, s.K
	parts := make([][]float64, numChunks)
	parallelChunks(len(hrows), func(c, lo, hi int) {
		o := make([]float64, p+1)
		for _, i := range hrows[lo:hi] {
			sum := v[p]
			for k := range K {
				f, xv := s.feature(k, i)
				sum += v[f] * xv
			}
			sum *= d[i]
			o[p] += sum
			for k := range K {
				f, xv := s.feature(k, i)
				o[f] += sum * xv
			}
		}
		parts[c] = o
	})
	clear(out)
	addParts(out, parts)
	for j := range p {
		out[j] += m.Lambda * v[j]
	}
}

// addParts adds per-chunk partial sums to dst in chunk order, so the total is the same on any
// core count; a chunk that got no rows is nil.
func addParts(dst []float64, parts [][]float64) {
	for _, g := range parts {
		if g == nil {
			continue
		}
		for j := range dst {
			dst[j] += g[j]
		}
	}
}

// conjugateGradient solves H·dir = −g approximately with a diagonal preconditioner.
func conjugateGradient(hv func(v, out []float64), diag, g, dir []float64, tol float64) {
	n := len(g)
	r := make([]float64, n)
	z := make([]float64, n)
	q := make([]float64, n)
	hq := make([]float64, n)
	clear(dir)
	var gn float64
	for j := range g {
		r[j] = -g[j]
		gn += g[j] * g[j]
	}
	rz := 0.0
	for j := range r {
		z[j] = r[j] / diag[j]
		q[j] = z[j]
		rz += r[j] * z[j]
	}
	for it := 0; it < 2*n+10 && it < 250; it++ {
		hv(q, hq)
		qhq := 0.0
		for j := range q {
			qhq += q[j] * hq[j]
		}
		if qhq <= 0 {
			break
		}
		a := rz / qhq
		rn := 0.0
		for j := range dir {
			dir[j] += a * q[j]
			r[j] -= a * hq[j]
			rn += r[j] * r[j]
		}
		if rn <= tol*tol*gn || rn < 1e-30 {
			break
		}
		rz2 := 0.0
		for j := range r {
			z[j] = r[j] / diag[j]
			rz2 += r[j] * z[j]
		}
		for j := range q {
			q[j] = z[j] + rz2/rz*q[j]
		}
		rz = rz2
	}
}
