// Package chart draws the manager chart: a picture of the team and the model week by week.
// A manager looks at it for three seconds: are we answering, do we agree with the model, and
// are the model's hot leads converting.
//
// The package is pure: it turns numbers into PNG bytes, the same numbers always into the same
// bytes, and knows nothing of Slack or the database.
package chart

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"time"
)

// Width and Height are the chart's size in pixels (what Slack shows inline unscaled).
const (
	Width  = 800
	Height = 400
)

// Title is the chart's title, drawn in the image; a caller uploading the chart may reuse it.
const Title = "Model vs team, week by week"

// Week is one week of the chart.
type Week struct {
	Start time.Time // the week's first day (a Monday), in the zone its dates are shown in
	// Judged is how many answers (👍/👎) the team gave that week: the bar.
	Judged int
	// Scored is the part of Judged given on a scored lead, Agreed the part of that where the
	// rep agreed with the model: the agreement line.
	Scored, Agreed int
	// Hot counts the outcomes that week of leads the model scored hot, HotWon those won or
	// converted: the hot-lead line and its n/m labels.
	Hot, HotWon int
}

// agreement is Agreed/Scored, NaN (a gap in the line) when nothing scored was judged.
func (w Week) agreement() float64 {
	if w.Scored == 0 {
		return math.NaN()
	}
	return float64(w.Agreed) / float64(w.Scored)
}

// precision is the share of hot leads that converted, NaN (a gap) when none had an outcome.
func (w Week) precision() float64 {
	if w.Hot == 0 {
		return math.NaN()
	}
	return float64(w.HotWon) / float64(w.Hot)
}

// HasData reports whether the weeks have anything to draw: a team with no answers and no
// hot-lead outcomes (a new team) gets no chart.
func HasData(weeks []Week) bool {
	for _, w := range weeks {
		if w.Judged > 0 || w.Hot > 0 {
			return true
		}
	}
	return false
}

// The palette: Okabe & Ito's, which reads the same for the common colour-vision deficiencies.
// Each series also differs by line style and marker shape, so it survives a grey printout.
var (
	colBackground = color.RGBA{0xff, 0xff, 0xff, 0xff}
	colText       = color.RGBA{0x22, 0x22, 0x22, 0xff}
	colMuted      = color.RGBA{0x6b, 0x6b, 0x6b, 0xff}
	colGrid       = color.RGBA{0xe4, 0xe4, 0xe4, 0xff}
	colAxis       = color.RGBA{0x9a, 0x9a, 0x9a, 0xff}
	colBars       = color.RGBA{0xcf, 0xcf, 0xcf, 0xff}
	colAgree      = color.RGBA{0x00, 0x72, 0xb2, 0xff} // Okabe–Ito blue
	colPrecision  = color.RGBA{0xd5, 0x5e, 0x00, 0xff} // Okabe–Ito vermillion
)

// The plot area, in whole pixels; the title, period and legend are above it.
const (
	plotLeft, plotRight = 64, Width - 64
	plotTop, plotBottom = 112, Height - 44
	plotH               = float64(plotBottom - plotTop)
	ticks               = 4 // grid steps, shared by both scales
)

// TeamPNG draws the weeks (oldest first) as a Width×Height PNG: the answers the team gave
// each week as bars (right axis), and two rates as lines (left axis): how often the rep agreed
// with the model, and the share of hot leads that converted, by the week their outcome
// arrived. hotThreshold is the score from which a lead is hot (0.6 for 60 %), as the legend
// states it. A week without data leaves a gap in its line. The same input always gives the
// same bytes.
func TeamPNG(weeks []Week, hotThreshold float64) ([]byte, error) {
	if len(weeks) == 0 {
		return nil, errors.New("chart: no weeks")
	}
	fs, err := newFonts()
	if err != nil {
		return nil, fmt.Errorf("chart: fonts: %w", err)
	}
	c := newCanvas(Width, Height, fs, colBackground)
	drawHeading(c, weeks)
	drawLegend(c, hotThreshold)
	p := newPlot(c, weeks)
	p.axes()
	p.bars()
	p.footnote()
	p.series(Week.agreement, colAgree, 0, 0, circle, 4.5)
	hot := p.series(Week.precision, colPrecision, 7, 5, square, 4)
	p.hotCounts(hot)
	return c.png()
}

// drawHeading writes the title and the period the weeks cover.
func drawHeading(c *canvas, weeks []Week) {
	first, last := weeks[0].Start, weeks[len(weeks)-1].Start.AddDate(0, 0, 6)
	c.text(c.fs.title, colText, 24, 34, 0, Title)
	from := first.Format("2 Jan")
	if first.Year() != last.Year() {
		from = first.Format("2 Jan 2006")
	}
	period := fmt.Sprintf("%d weeks, %s – %s", len(weeks), from, last.Format("2 Jan 2006"))
	c.text(c.fs.label, colMuted, 24, 56, 0, period)
}

// drawLegend draws the three series' keys in a row under the heading.
func drawLegend(c *canvas, hotThreshold float64) {
	const y = 84.0
	x := 24.0
	c.rect(int(x), int(y)-10, int(x)+14, int(y)+2, colBars)
	c.text(c.fs.label, colText, x+20, y, 0, "Answers given (right axis)")
	x += 20 + c.width(c.fs.label, "Answers given (right axis)") + 28
	c.polyline(colAgree, 3, []pt{{x, y - 4}, {x + 28, y - 4}}, 0, 0)
	c.fill(colBackground, circle(pt{x + 14, y - 4}, 6))
	c.fill(colAgree, circle(pt{x + 14, y - 4}, 4.5))
	c.text(c.fs.label, colText, x+36, y, 0, "Rep agreed with the model")
	x += 36 + c.width(c.fs.label, "Rep agreed with the model") + 28
	c.polyline(colPrecision, 3, []pt{{x, y - 4}, {x + 28, y - 4}}, 6, 4)
	c.fill(colBackground, square(pt{x + 14, y - 4}, 5.5))
	c.fill(colPrecision, square(pt{x + 14, y - 4}, 4))
	c.text(c.fs.label, colText, x+36, y, 0, "Hot leads (≥"+percent(hotThreshold)+") that converted")
}

// percent formats a share as a whole percentage: 0.6 is "60%".
func percent(p float64) string { return strconv.Itoa(int(math.Round(p*100))) + "%" }

// plot is the plot area with the weeks laid out in it: one slot per week, and the answers'
// scale (step answers per grid line).
type plot struct {
	c     *canvas
	weeks []Week
	slot  float64
	step  int
}

func newPlot(c *canvas, weeks []Week) *plot {
	maxCount := 0
	for _, w := range weeks {
		maxCount = max(maxCount, w.Judged)
	}
	return &plot{
		c:     c,
		weeks: weeks,
		slot:  float64(plotRight-plotLeft) / float64(len(weeks)),
		step:  niceStep(max(maxCount, ticks), ticks),
	}
}

// cx is the horizontal centre of week i's slot.
func (p *plot) cx(i int) float64 { return float64(plotLeft) + p.slot*(float64(i)+0.5) }

// rateY is the height of a rate (0–1) on the left axis.
func (p *plot) rateY(v float64) float64 { return float64(plotBottom) - v*plotH }

// axes draws the grid, its lines shared by both scales (0–100 % left, answers right), and
// the scales' labels.
func (p *plot) axes() {
	c := p.c
	for i := 0; i <= ticks; i++ {
		y := plotBottom - int(math.Round(float64(i)*plotH/ticks))
		if i > 0 {
			c.rect(plotLeft, y, plotRight, y+1, colGrid)
		}
		c.text(c.fs.label, colMuted, plotLeft-8, float64(y)+4.5, 1, strconv.Itoa(100/ticks*i)+"%")
		c.text(c.fs.label, colMuted, plotRight+8, float64(y)+4.5, 0, strconv.Itoa(p.step*i))
	}
	c.text(c.fs.small, colMuted, plotLeft-8, plotTop-12, 1, "rate")
	c.text(c.fs.small, colMuted, plotRight+8, plotTop-12, 0, "answers")
}

// niceStep returns the smallest step of 1, 2, 5 × 10ⁿ (and 25 × 10ⁿ) for which ticks steps reach
// maxV: axis labels a reader adds up without thinking.
func niceStep(maxV, ticks int) int {
	for mag := 1; ; mag *= 10 {
		steps := []int{mag, 2 * mag, 5 * mag}
		if mag >= 10 {
			steps = []int{mag, 2 * mag, 5 * mag / 2, 5 * mag}
		}
		for _, s := range steps {
			if s*ticks >= maxV {
				return s
			}
		}
	}
}

// bars draws each week's answers as a bar in its slot, the week's date under it, and the
// base line.
func (p *plot) bars() {
	c := p.c
	barW := math.Round(p.slot * 0.56)
	for i, w := range p.weeks {
		x0 := int(math.Round(p.cx(i) - barW/2))
		if w.Judged > 0 {
			h := int(math.Round(float64(w.Judged) / float64(ticks*p.step) * plotH))
			c.rect(x0, plotBottom-h, x0+int(barW), plotBottom, colBars)
		}
		c.text(c.fs.small, colMuted, p.cx(i), plotBottom+17, 0.5, w.Start.Format("2 Jan"))
	}
	c.rect(plotLeft, plotBottom, plotRight, plotBottom+1, colAxis)
}

// footnote says, under the dates, what the series count.
func (p *plot) footnote() {
	p.c.text(p.c.fs.small, colMuted, 24, plotBottom+36, 0,
		"Weeks start on Monday. Agreed: a thumbs-up on a lead scored 50%+, or a thumbs-down below. "+
			"Converted: won/hot leads, in the week of the outcome.")
}

// series draws a rate as lines through consecutive weeks with data (value not NaN) and a
// marker on every week with data, and returns the markers' centres, in week order.
func (p *plot) series(value func(Week) float64, col color.Color, dash, gap float64, marker func(pt, float64) []pt, size float64) []pt {
	var run, all []pt
	flush := func() {
		if len(run) > 1 {
			p.c.polyline(col, 3, run, dash, gap)
		}
		run = nil
	}
	for i, w := range p.weeks {
		v := value(w)
		if math.IsNaN(v) {
			flush()
			continue
		}
		q := pt{p.cx(i), p.rateY(v)}
		run, all = append(run, q), append(all, q)
	}
	flush()
	for _, q := range all {
		p.c.fill(colBackground, marker(q, size+1.5))
		p.c.fill(col, marker(q, size))
	}
	return all
}

// hotCounts labels each hot-lead marker (at, in week order) with how many outcomes it stands
// on: one lead is 0 % or 100 %.
func (p *plot) hotCounts(at []pt) {
	i := 0
	for _, w := range p.weeks {
		if w.Hot == 0 {
			continue
		}
		q := at[i]
		i++
		p.c.haloText(p.c.fs.small, colPrecision, colBackground, q.x, q.y-10, 0.5, fmt.Sprintf("%d/%d", w.HotWon, w.Hot))
	}
}
