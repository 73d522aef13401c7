package scoring

import (
	"context"
	"errors"
	"math"
)

// LogReg is an L2-regularised logistic regression over the encoded columns. Every row has exactly
// one active feature per column: a standardised number or its missing indicator, or one category
// dummy. That keeps training O(rows × columns) and makes exact linear SHAP a per-column sum.
type LogReg struct {
	Lambda    float64   `json:"lambda"`
	Intercept float64   `json:"intercept"`
	Coef      []float64 `json:"coef"`
	Mean      []float64 `json:"mean"`   // E[x] of every feature over the training rows (weighted)
	Offset    []int     `json:"offset"` // first feature of each column
	Center    []float64 `json:"center"` // numeric columns: mean of clipped values
	Scale     []float64 `json:"scale"`  // numeric columns: standard deviation of clipped values
	Iter      int       `json:"iterations"`
}

// newLogReg lays out the features for the encoding and fits the standardisation.
func newLogReg(enc *Encoding, x *encoded, w []float64, lambda float64) *LogReg {
	m := &LogReg{Lambda: lambda, Offset: make([]int, len(enc.Columns)), Center: make([]float64, len(enc.Columns)), Scale: make([]float64, len(enc.Columns))}
	p := 0
	for k := range enc.Columns {
		s := &enc.Columns[k]
		m.Offset[k] = p
		if s.isCat() {
			p += len(s.Levels)
			continue
		}
		p += 2
		var sw, sx, sxx float64
		for i, v := range x.vals[k] {
			if math.IsNaN(v) {
				continue
			}
			v = min(max(v, s.Lo), s.Hi)
			sw += w[i]
			sx += w[i] * v
			sxx += w[i] * v * v
		}
		if sw > 0 {
			m.Center[k] = sx / sw
			m.Scale[k] = math.Sqrt(max(0, sxx/sw-m.Center[k]*m.Center[k]))
		}
		if m.Scale[k] < 1e-12 {
			m.Scale[k] = 1
		}
	}
	m.Coef = make([]float64, p)
	m.Mean = make([]float64, p)
	return m
}

// feature returns the active feature of column k in row i and its value.
func (m *LogReg) feature(enc *Encoding, x *encoded, k, i int) (int, float64) {
	v := x.vals[k][i]
	if enc.Columns[k].isCat() {
		return m.Offset[k] + int(v), 1
	}
	if math.IsNaN(v) {
		return m.Offset[k] + 1, 1
	}
	s := &enc.Columns[k]
	return m.Offset[k], (min(max(v, s.Lo), s.Hi) - m.Center[k]) / m.Scale[k]
}

// raw returns the log-odds of row i.
func (m *LogReg) raw(enc *Encoding, x *encoded, i int) float64 {
	z := m.Intercept
	for k := range enc.Columns {
		f, v := m.feature(enc, x, k, i)
		z += m.Coef[f] * v
	}
	return z
}

// fit minimises Σ wᵢ·logloss + λ/2·‖β‖² by Newton's method with a conjugate-gradient inner solve
// (the intercept is not penalised). The gradient is always exact, so the solution is the exact
// optimum; above 100k rows the Hessian is estimated on an even-strided 100k subsample, which only
// changes the path, not the end point.
func (m *LogReg) fit(ctx context.Context, enc *Encoding, x *encoded, y, w []float64) error {
	n, p, K := x.n, len(m.Coef), len(enc.Columns)
	var W float64
	for i := range n {
		W += w[i]
	}
	if W <= 0 {
		return errors.New("scoring: all sample weights are zero")
	}
	// Feature means, for SHAP.
	for i := range n {
		for k := range K {
			f, v := m.feature(enc, x, k, i)
			m.Mean[f] += w[i] * v / W
		}
	}
	// Start from the base rate.
	var sy float64
	for i := range n {
		sy += w[i] * y[i]
	}
	m.Intercept = logit(min(max(sy/W, 1e-6), 1-1e-6))

	hrows := make([]int, 0, min(n, 100000))
	step := max(1, (n+99999)/100000)
	for i := 0; i < n; i += step {
		hrows = append(hrows, i)
	}
	hscale := float64(n) / float64(len(hrows))
	eta := make([]float64, n)
	obj := func(b0 float64, b []float64) float64 {
		parts := make([]float64, numChunks)
		parallelChunks(n, func(c, lo, hi int) {
			var s float64
			for i := lo; i < hi; i++ {
				z := b0
				for k := range K {
					f, v := m.feature(enc, x, k, i)
					z += b[f] * v
				}
				eta[i] = z
				// log(1+e^z) − y·z, stable for large |z|.
				s += w[i] * (math.Max(z, 0) + math.Log1p(math.Exp(-math.Abs(z))) - y[i]*z)
			}
			parts[c] = s
		})
		var s float64
		for _, v := range parts {
			s += v
		}
		for _, v := range b {
			s += 0.5 * m.Lambda * v * v
		}
		return s
	}
	grad := make([]float64, p+1) // last entry is the intercept
	hdiag := make([]float64, p+1)
	d := make([]float64, n) // Hessian weights on hrows
	gradient := func() {
		parts := make([][]float64, numChunks)
		parallelChunks(n, func(c, lo, hi int) {
			g := make([]float64, p+1)
			for i := lo; i < hi; i++ {
				r := w[i] * (sigmoid(eta[i]) - y[i])
				g[p] += r
				for k := range K {
					f, v := m.feature(enc, x, k, i)
					g[f] += r * v
				}
			}
			parts[c] = g
		})
		clear(grad)
		for _, g := range parts {
			if g == nil {
				continue
			}
			for j := range grad {
				grad[j] += g[j]
			}
		}
		for j := range p {
			grad[j] += m.Lambda * m.Coef[j]
		}
		clear(hdiag)
		for _, i := range hrows {
			q := sigmoid(eta[i])
			d[i] = w[i] * q * (1 - q) * hscale
			hdiag[p] += d[i]
			for k := range K {
				f, v := m.feature(enc, x, k, i)
				hdiag[f] += d[i] * v * v
			}
		}
		for j := range p {
			hdiag[j] += m.Lambda
		}
	}
	hv := func(v, out []float64) {
		parts := make([][]float64, numChunks)
		parallelChunks(len(hrows), func(c, lo, hi int) {
			o := make([]float64, p+1)
			for _, i := range hrows[lo:hi] {
				s := v[p]
				for k := range K {
					f, xv := m.feature(enc, x, k, i)
					s += v[f] * xv
				}
				s *= d[i]
				o[p] += s
				for k := range K {
					f, xv := m.feature(enc, x, k, i)
					o[f] += s * xv
				}
			}
			parts[c] = o
		})
		clear(out)
		for _, o := range parts {
			if o == nil {
				continue
			}
			for j := range out {
				out[j] += o[j]
			}
		}
		for j := range p {
			out[j] += m.Lambda * v[j]
		}
	}
	f0 := obj(m.Intercept, m.Coef)
	dir := make([]float64, p+1)
	trial := make([]float64, p)
	for it := 0; it < 100; it++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		m.Iter = it
		gradient()
		gmax := 0.0
		for _, g := range grad {
			gmax = max(gmax, math.Abs(g))
		}
		if gmax < 1e-10*max(1, W) {
			break
		}
		conjugateGradient(hv, hdiag, grad, dir, min(0.1, math.Sqrt(gmax/max(1, W))))
		// Backtracking line search on the objective (Armijo).
		slope := 0.0
		for j := range dir {
			slope += dir[j] * grad[j]
		}
		t, improved := 1.0, false
		for ls := 0; ls < 30; ls++ {
			for j := range p {
				trial[j] = m.Coef[j] + t*dir[j]
			}
			f1 := obj(m.Intercept+t*dir[p], trial)
			if f1 <= f0+1e-4*t*slope {
				copy(m.Coef, trial)
				m.Intercept += t * dir[p]
				improved = f0-f1 > 1e-15*math.Abs(f0)
				f0 = f1
				break
			}
			t /= 2
		}
		if !improved {
			obj(m.Intercept, m.Coef) // keep eta in step with the coefficients
			break
		}
	}
	if math.IsNaN(f0) || math.IsInf(f0, 0) {
		return errors.New("scoring: logistic regression diverged")
	}
	return nil
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
