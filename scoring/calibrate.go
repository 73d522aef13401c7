package scoring

import "math"

// Calibration maps the model's raw log-odds z to calibrated log-odds A·z + B (Platt scaling).
// Platt rather than isotonic: it is monotone and affine, so rankings are unchanged and the
// explanation of the calibrated log-odds is the raw explanation scaled by A: still additive.
type Calibration struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
}

// identityCalibration leaves scores as the model produced them.
var identityCalibration = Calibration{A: 1}

// apply returns the calibrated probability for raw log-odds z.
func (c Calibration) apply(z float64) float64 { return sigmoid(c.A*z + c.B) }

// secant is the slope of the calibrated probability between raw log-odds z0 and z1: the factor
// that turns log-odds effects into probability points adding up to apply(z1) − apply(z0). It is
// positive (A > 0) and at most A/4; at z0 = z1 it is the derivative.
func (c Calibration) secant(z0, z1 float64) float64 {
	if d := z1 - z0; math.Abs(d) > 1e-9 {
		return (c.apply(z1) - c.apply(z0)) / d
	}
	p := c.apply(z1)
	return c.A * p * (1 - p)
}

// fitPlatt fits A, B by Newton's method on held-out raw scores. It falls back to the identity
// when the held-out data cannot support it (one class only, or a non-increasing fit).
func fitPlatt(z, y, w []float64) Calibration {
	var pos, neg float64
	for i := range y {
		if y[i] > 0.5 {
			pos += w[i]
		} else {
			neg += w[i]
		}
	}
	if pos == 0 || neg == 0 {
		return identityCalibration
	}
	a, b := 1.0, 0.0
	for it := 0; it < 100; it++ {
		var ga, gb, haa, hab, hbb float64
		for i := range z {
			p := sigmoid(a*z[i] + b)
			r := w[i] * (p - y[i])
			d := w[i] * p * (1 - p)
			ga += r * z[i]
			gb += r
			haa += d * z[i] * z[i]
			hab += d * z[i]
			hbb += d
		}
		// A tiny ridge keeps the 2×2 system solvable when all scores are equal.
		haa += 1e-9
		hbb += 1e-9
		det := haa*hbb - hab*hab
		if det <= 0 {
			break
		}
		da := (hbb*ga - hab*gb) / det
		db := (haa*gb - hab*ga) / det
		// Newton overshoots from an over-confident start: halve the step until the loss drops.
		l0, t := plattLoss(z, y, w, a, b), 1.0
		for ; t > 1e-10; t /= 2 {
			if plattLoss(z, y, w, a-t*da, b-t*db) <= l0 {
				break
			}
		}
		a -= t * da
		b -= t * db
		if math.Abs(t*da)+math.Abs(t*db) < 1e-12 {
			break
		}
	}
	if !(a > 0) || math.IsNaN(b) || math.IsInf(a, 0) {
		return identityCalibration
	}
	return Calibration{A: a, B: b}
}

func plattLoss(z, y, w []float64, a, b float64) float64 {
	var s float64
	for i := range z {
		v := a*z[i] + b
		s += w[i] * (math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))) - y[i]*v)
	}
	return s
}

// fitIntercept finds B for a fixed slope a so that the mean of σ(a·z + B) over the rows equals
// their (weighted) observed rate: the maximum-likelihood intercept, by Newton's method from b.
func fitIntercept(z, y, w []float64, a, b float64) float64 {
	for it := 0; it < 100; it++ {
		var g, h float64
		for i := range z {
			p := sigmoid(a*z[i] + b)
			g += w[i] * (p - y[i])
			h += w[i] * p * (1 - p)
		}
		if h < 1e-12 {
			break
		}
		step := max(-5, min(5, g/h))
		b -= step
		if abs(step) < 1e-10 {
			break
		}
	}
	return b
}

func abs(x float64) float64 { return math.Abs(x) }

// fitPlattWindows fits Platt scaling with one slope shared by every window and one intercept per
// window, on each window's held-out scores: forward windows have their own base rates, and one
// intercept for all would bend the slope to explain a drift of the level rather than the
// ranking. It returns the slope with the latest window's intercept, and every window's intercept.
func fitPlattWindows(z, y, w [][]float64) (Calibration, []float64) {
	var az, ay, aw []float64
	for j := range z {
		az, ay, aw = append(az, z[j]...), append(ay, y[j]...), append(aw, w[j]...)
	}
	start := fitPlatt(az, ay, aw)
	if start == identityCalibration {
		return start, nil
	}
	a := start.A
	b := make([]float64, len(z))
	for j := range b {
		b[j] = start.B
	}
	for it := 0; it < 50; it++ {
		for j := range z {
			b[j] = fitIntercept(z[j], y[j], w[j], a, b[j])
		}
		var g, h float64 // Newton step on the shared slope
		for j := range z {
			for i, zi := range z[j] {
				p := sigmoid(a*zi + b[j])
				g += w[j][i] * (p - y[j][i]) * zi
				h += w[j][i] * p * (1 - p) * zi * zi
			}
		}
		if h < 1e-12 {
			break
		}
		step := g / h
		a = max(a-step, 1e-3)
		if math.Abs(step) < 1e-9 {
			break
		}
	}
	return Calibration{A: a, B: b[len(b)-1]}, b
}
