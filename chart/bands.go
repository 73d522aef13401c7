package chart

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"time"
)

// The score-bands chart: of the leads that had an outcome each week, the share that converted in
// each score band (hot, warm, cool, by the lead's last score before the outcome). It is the
// picture that tells a manager whether "hot" still means something: the hot line well above the
// others, week after week.

// BandsTitle is the score-bands chart's title, drawn in the image.
const BandsTitle = "Do hot leads still convert more?"

// Bands is how many score bands the chart draws: hot, warm and cool, in that order.
const Bands = 3

// BandWeek is one week of the score-bands chart: per band (hot, warm, cool), how many leads had
// an outcome that week (N) and how many of those converted (Won).
type BandWeek struct {
	Start time.Time
	N     [Bands]int
	Won   [Bands]int
}

// rate is band b's conversion that week, NaN (a gap) when no lead of the band had an outcome.
func (w BandWeek) rate(b int) float64 {
	if w.N[b] == 0 {
		return math.NaN()
	}
	return float64(w.Won[b]) / float64(w.N[b])
}

// BandsHaveData reports whether any week had an outcome.
func BandsHaveData(weeks []BandWeek) bool {
	for _, w := range weeks {
		for b := range Bands {
			if w.N[b] > 0 {
				return true
			}
		}
	}
	return false
}

// The bands' styles: hot vermillion dashed with squares (as the team chart's hot line), warm
// orange dotted with diamonds, cool blue solid with circles; each differs in colour, line and
// marker, so it reads in greyscale too.
var bandStyles = [Bands]struct {
	col       color.Color
	dash, gap float64
	marker    func(pt, float64) []pt
	size      float64
}{
	{colPrecision, 7, 5, square, 4},
	{color.RGBA{0xe6, 0x9f, 0x00, 0xff}, 2, 4, diamond, 5.5}, // Okabe–Ito orange
	{colAgree, 0, 0, circle, 4.5},
}

// BandsPNG draws the weeks (oldest first) as a Width×Height PNG: one conversion line per band,
// labelled with labels (e.g. "Hot (60 %+)"), and under each week the number of outcomes it
// stands on. The same input always gives the same bytes.
func BandsPNG(weeks []BandWeek, labels [Bands]string) ([]byte, error) {
	if len(weeks) == 0 {
		return nil, errors.New("chart: no weeks")
	}
	fs, err := newFonts()
	if err != nil {
		return nil, fmt.Errorf("chart: fonts: %w", err)
	}
	c := newCanvas(Width, Height, fs, colBackground)
	first, last := weeks[0].Start, weeks[len(weeks)-1].Start.AddDate(0, 0, 6)
	c.text(c.fs.title, colText, 24, 34, 0, BandsTitle)
	c.text(c.fs.label, colMuted, 24, 56, 0, fmt.Sprintf("Conversion by score band, %d weeks, %s – %s", len(weeks), first.Format("2 Jan"), last.Format("2 Jan 2006")))
	x := 24.0
	for b, st := range bandStyles {
		c.polyline(st.col, 3, []pt{{x, 80}, {x + 28, 80}}, st.dash, st.gap)
		c.fill(colBackground, st.marker(pt{x + 14, 80}, st.size+1.5))
		c.fill(st.col, st.marker(pt{x + 14, 80}, st.size))
		c.text(c.fs.label, colText, x+36, 84, 0, labels[b])
		x += 36 + c.width(c.fs.label, labels[b]) + 28
	}
	slot := float64(plotRight-plotLeft) / float64(len(weeks))
	cx := func(i int) float64 { return float64(plotLeft) + slot*(float64(i)+0.5) }
	for i := 0; i <= ticks; i++ {
		y := plotBottom - int(math.Round(float64(i)*plotH/ticks))
		if i > 0 {
			c.rect(plotLeft, y, plotRight, y+1, colGrid)
		}
		c.text(c.fs.label, colMuted, plotLeft-8, float64(y)+4.5, 1, strconv.Itoa(100/ticks*i)+"%")
	}
	c.rect(plotLeft, plotBottom, plotRight, plotBottom+1, colAxis)
	c.text(c.fs.small, colMuted, plotLeft-8, plotTop-12, 1, "converted")
	for i, w := range weeks {
		c.text(c.fs.small, colMuted, cx(i), plotBottom+15, 0.5, w.Start.Format("2 Jan"))
		c.text(c.fs.small, colMuted, cx(i), plotBottom+28, 0.5, "n="+strconv.Itoa(w.N[0]+w.N[1]+w.N[2]))
	}
	for b := Bands - 1; b >= 0; b-- { // hot last, on top
		drawRateLine(c, weeks, b, cx)
	}
	c.text(c.fs.small, colMuted, 24, plotBottom+41, 0,
		"Each lead counts in the week of its outcome, in the band of its last score before it. n: outcomes that week.")
	return c.png()
}

// drawRateLine draws band b's conversion through consecutive weeks with outcomes, and a marker
// on each.
func drawRateLine(c *canvas, weeks []BandWeek, b int, cx func(int) float64) {
	st := bandStyles[b]
	var run, all []pt
	flush := func() {
		if len(run) > 1 {
			c.polyline(st.col, 3, run, st.dash, st.gap)
		}
		run = nil
	}
	for i, w := range weeks {
		v := w.rate(b)
		if math.IsNaN(v) {
			flush()
			continue
		}
		q := pt{cx(i), float64(plotBottom) - v*plotH}
		run, all = append(run, q), append(all, q)
	}
	flush()
	for _, q := range all {
		c.fill(colBackground, st.marker(q, st.size+1.5))
		c.fill(st.col, st.marker(q, st.size))
	}
}

// diamond is a square turned by 45°, half its diagonal r.
func diamond(center pt, r float64) []pt {
	return []pt{{center.x, center.y - r}, {center.x + r, center.y}, {center.x, center.y + r}, {center.x - r, center.y}}
}
