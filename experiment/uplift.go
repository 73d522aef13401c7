package experiment

import (
	"fmt"
	"math"
)

// Group is what happened to the leads of one arm in one band.
type Group struct {
	Leads   int       // leads assigned to the arm
	Won     int       // of them, won
	Amounts []float64 // won amount of every lead of the arm (0 when not won)
	Days    []float64 // days from assignment to outcome, for leads with an outcome
}

// Uplift compares the arms of one band. Conversion is intention-to-treat: won over every
// assigned lead, pending ones included on both sides, so a treatment that only speeds outcomes
// up is not counted as one that wins more.
type Uplift struct {
	Band               string
	Treated, HeldOut   Group
	TreatedRate        Interval
	HeldOutRate        Interval
	Conversion         Interval // treated − held out, in proportion (0.08 = +8 points)
	AmountPerLead      Interval // treated − held out, won amount per lead
	DaysToOutcome      Interval // treated − held out, days
	NeededMoreOutcomes int      // 0 when the interval already excludes no effect
}

// MinEffect is the smallest change in conversion the report sizes the holdout for when the
// observed difference is smaller: 2 points.
const MinEffect = 0.02

// Compare computes the uplift of one band; share is the held-out share of the experiment.
func Compare(band string, treated, held Group, share float64) Uplift {
	u := Uplift{Band: band, Treated: treated, HeldOut: held}
	u.TreatedRate = Wilson(treated.Won, treated.Leads, Z95)
	u.HeldOutRate = Wilson(held.Won, held.Leads, Z95)
	u.Conversion = DiffProportions(treated.Won, treated.Leads, held.Won, held.Leads, Z95)
	u.AmountPerLead = DiffMeans(treated.Amounts, held.Amounts, Z95)
	u.DaysToOutcome = DiffMeans(treated.Days, held.Days, Z95)
	if !u.Clear() {
		u.NeededMoreOutcomes = neededMore(u, share)
	}
	return u
}

// Clear reports whether the conversion interval excludes zero.
func (u Uplift) Clear() bool {
	c := u.Conversion
	return !math.IsNaN(c.Estimate) && (c.Low > 0 || c.High < 0)
}

// neededMore estimates how many more leads must reach the experiment before an effect of the
// observed size (at least MinEffect) would show at 95 % with 80 % power: the usual
// two-proportion size per arm, n = (z.975 + z.8)² · (p1q1 + p2q2) / d², with the smaller arm
// (the held-out share) the bound.
func neededMore(u Uplift, share float64) int {
	p1, p2 := rateOr(u.TreatedRate.Estimate, 0.1), rateOr(u.HeldOutRate.Estimate, 0.1)
	d := math.Max(math.Abs(p1-p2), MinEffect)
	const zPower = 0.8416212335729143
	perArm := sq(Z95+zPower) * (p1*(1-p1) + p2*(1-p2)) / sq(d)
	s := math.Min(share, 1-share)
	if s <= 0 {
		return 0
	}
	total := perArm / s
	have := float64(u.Treated.Leads + u.HeldOut.Leads)
	return int(math.Ceil(math.Max(total-have, 1)))
}

func rateOr(p, fallback float64) float64 {
	if math.IsNaN(p) || p <= 0 || p >= 1 {
		return fallback
	}
	return p
}

// Verdict is the report's sentence for one band, in a manager's words.
func (u Uplift) Verdict() string {
	leads := u.Treated.Leads + u.HeldOut.Leads
	if u.Treated.Leads == 0 || u.HeldOut.Leads == 0 {
		return fmt.Sprintf("%s leads: not enough data yet (%s leads so far; the holdout needs both arms).", u.Band, Thousands(leads))
	}
	from, to := pct(u.HeldOutRate.Estimate), pct(u.TreatedRate.Estimate)
	ci := fmt.Sprintf("95 %% CI %s to %s points", points(u.Conversion.Low), points(u.Conversion.High))
	if !u.Clear() {
		return fmt.Sprintf("%s leads: %s converted when sent against %s held out (%s; %s leads). Not enough data yet: about %s more leads needed.",
			u.Band, to, from, ci, Thousands(leads), Thousands(u.NeededMoreOutcomes))
	}
	verb := "raised"
	if u.Conversion.Estimate < 0 {
		verb = "lowered"
	}
	return fmt.Sprintf("Sending the list %s conversion of %s leads from %s to %s, %s; %s leads.",
		verb, u.Band, from, to, ci, Thousands(leads))
}

func pct(p float64) string { return fmt.Sprintf("%.0f %%", 100*p) }

func points(d float64) string { return fmt.Sprintf("%+.0f", 100*d) }

// Thousands writes n with a comma between thousands, as the reports do.
func Thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + Thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
