package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"github.com/leadbot/leadbot/store"
)

// The manager chart: a picture of the team and the model week by week, uploaded with the
// manager digest. A manager looks at it for three seconds: are we answering, do we agree with
// the model, and are the model's hot leads converting.

// ChartWeeks is how many complete weeks the chart shows: a quarter, the horizon sales plans in.
const ChartWeeks = 12

// ChartWidth and ChartHeight are the chart's size in pixels (what Slack shows inline unscaled).
const (
	ChartWidth  = 800
	ChartHeight = 400
)

// ChartStore is the query the chart needs (satisfied by *store.Store). It is separate from
// ReportStore so that stores without it still build the text report.
type ChartStore interface {
	TeamWeekly(ctx context.Context, managerID int64, until time.Time, n int, loc *time.Location, hot float64) ([]store.TeamWeek, error)
}

// Uploader is the Slack call the chart needs (satisfied by *bot.Sender).
type Uploader interface {
	UploadFile(ctx context.Context, channel, filename, title string, data []byte, threadTS string) error
}

// ChartHasData reports whether there is anything to draw: a new team gets no chart.
func ChartHasData(weeks []store.TeamWeek) bool {
	for _, w := range weeks {
		if w.Judged > 0 || w.Hot > 0 {
			return true
		}
	}
	return false
}

// teamChart renders the manager's chart for the weeks before now; ok is false when there is
// nothing to show or this deployment cannot chart or upload.
func (s *Service) teamChart(ctx context.Context, m store.Rep) (data []byte, ok bool, err error) {
	cs, ok := s.rs.(ChartStore)
	if !ok {
		return nil, false, nil
	}
	if _, ok := s.sl.(Uploader); !ok {
		return nil, false, nil
	}
	weeks, err := cs.TeamWeekly(ctx, m.ID, s.now(), ChartWeeks, s.location(m), ConflictHigh)
	if err != nil || !ChartHasData(weeks) {
		return nil, false, err
	}
	data, err = ChartPNG(weeks)
	return data, err == nil, err
}

// uploadTeamChart uploads the manager's chart into channel (their DM) and reports whether a
// chart went up. Every failure is logged here and never fails the caller.
func (s *Service) uploadTeamChart(ctx context.Context, m store.Rep, channel string) bool {
	return s.putTeamChart(ctx, m, func(context.Context) (string, error) { return channel, nil })
}

// chartToDM uploads the manager's chart into their DM for /leadbot team, whose answer is
// ephemeral (files cannot be). The answer waits for it, to say truthfully where the chart is,
// but not for long.
func (s *Service) chartToDM(ctx context.Context, m store.Rep, userID string) bool {
	ctx, cancel := context.WithTimeout(ctx, chartWait)
	defer cancel()
	return s.putTeamChart(ctx, m, func(ctx context.Context) (string, error) { return s.sl.DM(ctx, userID) })
}

// chartWait bounds how long /leadbot team's answer waits for the chart's upload.
const chartWait = 20 * time.Second

// putTeamChart renders the chart and, when there is one, uploads it into the conversation
// channel returns (asked only then, so a new team costs no conversations.open).
func (s *Service) putTeamChart(ctx context.Context, m store.Rep, channel func(context.Context) (string, error)) bool {
	data, ok, err := s.teamChart(ctx, m)
	if err != nil {
		s.log.Error("team chart", "manager", m.Email, "err", err)
		return false
	}
	if !ok {
		return false
	}
	ch, err := channel(ctx)
	if err != nil {
		s.log.Error("team chart: conversation", "manager", m.Email, "err", err)
		return false
	}
	name := "leadbot-team-" + s.now().In(s.location(m)).Format("2006-01-02") + ".png"
	if err := s.sl.(Uploader).UploadFile(ctx, ch, name, ChartTitle, data, ""); err != nil {
		s.log.Error("upload team chart", "manager", m.Email, "channel", ch, "err", err)
		return false
	}
	return true
}

// ChartTitle is the chart's title, in the image and on the uploaded file.
const ChartTitle = "Model vs team, week by week"

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

type chartFonts struct{ title, label, small font.Face }

// goFonts parses the Go fonts once: they are compiled in, nothing is read at run time.
var goFonts = sync.OnceValues(func() ([2]*opentype.Font, error) {
	reg, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return [2]*opentype.Font{}, err
	}
	bold, err := opentype.Parse(gobold.TTF)
	return [2]*opentype.Font{reg, bold}, err
})

// newFonts returns the chart's faces. A face is not safe for concurrent use (a parsed font
// is), so every chart gets its own.
func newFonts() (chartFonts, error) {
	var fs chartFonts
	f, err := goFonts()
	if err != nil {
		return fs, err
	}
	face := func(f *opentype.Font, size float64) (font.Face, error) {
		return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	}
	if fs.title, err = face(f[1], 19); err != nil {
		return fs, err
	}
	if fs.label, err = face(f[0], 13); err != nil {
		return fs, err
	}
	fs.small, err = face(f[0], 11)
	return fs, err
}

// canvas is an RGBA image with the few drawing operations the chart needs. Shapes are
// anti-aliased through x/image/vector; rectangles on whole pixels stay crisp.
type canvas struct {
	img *image.RGBA
	r   *vector.Rasterizer
	fs  chartFonts
}

type pt struct{ x, y float64 }

func (c *canvas) rect(x0, y0, x1, y1 int, col color.Color) {
	draw.Draw(c.img, image.Rect(x0, y0, x1, y1), image.NewUniform(col), image.Point{}, draw.Src)
}

// fill draws the polygons as one shape. Each is turned counter-clockwise first so that
// overlapping parts (joins, caps) add up instead of cancelling.
func (c *canvas) fill(col color.Color, polys ...[]pt) {
	b := c.img.Bounds()
	c.r.Reset(b.Dx(), b.Dy())
	for _, p := range polys {
		if len(p) < 3 {
			continue
		}
		var area float64
		for i := range p {
			q := p[(i+1)%len(p)]
			area += p[i].x*q.y - q.x*p[i].y
		}
		if area < 0 {
			rev := make([]pt, len(p))
			for i := range p {
				rev[i] = p[len(p)-1-i]
			}
			p = rev
		}
		c.r.MoveTo(float32(p[0].x), float32(p[0].y))
		for _, q := range p[1:] {
			c.r.LineTo(float32(q.x), float32(q.y))
		}
		c.r.ClosePath()
	}
	c.r.Draw(c.img, b, image.NewUniform(col), image.Point{})
}

func circle(center pt, radius float64) []pt {
	const n = 32
	p := make([]pt, n)
	for i := range p {
		a := 2 * math.Pi * float64(i) / n
		p[i] = pt{center.x + radius*math.Cos(a), center.y + radius*math.Sin(a)}
	}
	return p
}

func square(center pt, half float64) []pt {
	return []pt{{center.x - half, center.y - half}, {center.x + half, center.y - half},
		{center.x + half, center.y + half}, {center.x - half, center.y + half}}
}

// segment is the rectangle of a line of width w from a to b.
func segment(a, b pt, w float64) []pt {
	dx, dy := b.x-a.x, b.y-a.y
	l := math.Hypot(dx, dy)
	if l == 0 {
		return nil
	}
	nx, ny := -dy/l*w/2, dx/l*w/2
	return []pt{{a.x + nx, a.y + ny}, {b.x + nx, b.y + ny}, {b.x - nx, b.y - ny}, {a.x - nx, a.y - ny}}
}

// polyline strokes the points with round joins; dash > 0 draws dashes of that length with
// gaps of gap between them, carried over from one segment to the next.
func (c *canvas) polyline(col color.Color, w float64, p []pt, dash, gap float64) {
	var polys [][]pt
	if dash <= 0 {
		for i := 1; i < len(p); i++ {
			polys = append(polys, segment(p[i-1], p[i], w))
		}
		for _, q := range p {
			polys = append(polys, circle(q, w/2))
		}
		c.fill(col, polys...)
		return
	}
	on, left := true, dash // current phase and what is left of it
	for i := 1; i < len(p); i++ {
		a, b := p[i-1], p[i]
		l := math.Hypot(b.x-a.x, b.y-a.y)
		for pos := 0.0; pos < l; {
			step := math.Min(left, l-pos)
			if on {
				s := pt{a.x + (b.x-a.x)*pos/l, a.y + (b.y-a.y)*pos/l}
				e := pt{a.x + (b.x-a.x)*(pos+step)/l, a.y + (b.y-a.y)*(pos+step)/l}
				polys = append(polys, segment(s, e, w), circle(s, w/2), circle(e, w/2))
			}
			pos += step
			if left -= step; left <= 1e-9 {
				on = !on
				left = map[bool]float64{true: dash, false: gap}[on]
			}
		}
	}
	c.fill(col, polys...)
}

// text draws s with its baseline at y; align is 0 for left, 0.5 centred, 1 right.
func (c *canvas) text(face font.Face, col color.Color, x, y float64, align float64, s string) {
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: face}
	wid := float64(d.MeasureString(s)) / 64
	d.Dot = fixed.Point26_6{X: fixed.Int26_6(math.Round((x - align*wid) * 64)), Y: fixed.I(int(math.Round(y)))}
	d.DrawString(s)
}

// haloText draws s over a white outline, so that it stays readable on a bar or a line.
func (c *canvas) haloText(face font.Face, col color.Color, x, y float64, align float64, s string) {
	for _, d := range [][2]float64{{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}} {
		c.text(face, colBackground, x+d[0], y+d[1], align, s)
	}
	c.text(face, col, x, y, align, s)
}

func (c *canvas) width(face font.Face, s string) float64 {
	return float64(font.MeasureString(face, s)) / 64
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

// ChartPNG draws the manager chart of the weeks (oldest first) as an 800×400 PNG: the answers
// the team gave each week as bars (right axis), and two rates as lines (left axis): how often
// the rep agreed with the model, and the share of hot leads (scored ≥ 60 %) that converted, by
// the week their outcome arrived. A week without data leaves a gap in its line. The same weeks
// always give the same bytes.
func ChartPNG(weeks []store.TeamWeek) ([]byte, error) {
	if len(weeks) == 0 {
		return nil, errors.New("chart: no weeks")
	}
	fs, err := newFonts()
	if err != nil {
		return nil, fmt.Errorf("chart: fonts: %w", err)
	}
	c := &canvas{img: image.NewRGBA(image.Rect(0, 0, ChartWidth, ChartHeight)), r: vector.NewRasterizer(ChartWidth, ChartHeight), fs: fs}
	c.rect(0, 0, ChartWidth, ChartHeight, colBackground)

	// Plot area, in whole pixels.
	const left, right, top, bottom = 64, ChartWidth - 64, 112, ChartHeight - 44
	plotH := float64(bottom - top)

	// Title, period, legend.
	first, last := weeks[0].Start, weeks[len(weeks)-1].Start.AddDate(0, 0, 6)
	c.text(fs.title, colText, 24, 34, 0, ChartTitle)
	from := first.Format("2 Jan")
	if first.Year() != last.Year() {
		from = first.Format("2 Jan 2006")
	}
	period := fmt.Sprintf("%d weeks, %s – %s", len(weeks), from, last.Format("2 Jan 2006"))
	c.text(fs.label, colMuted, 24, 56, 0, period)
	lx := 24.0
	legendY := 84.0
	c.rect(int(lx), int(legendY)-10, int(lx)+14, int(legendY)+2, colBars)
	c.text(fs.label, colText, lx+20, legendY, 0, "Answers given (right axis)")
	lx += 20 + c.width(fs.label, "Answers given (right axis)") + 28
	c.polyline(colAgree, 3, []pt{{lx, legendY - 4}, {lx + 28, legendY - 4}}, 0, 0)
	c.fill(colBackground, circle(pt{lx + 14, legendY - 4}, 6))
	c.fill(colAgree, circle(pt{lx + 14, legendY - 4}, 4.5))
	c.text(fs.label, colText, lx+36, legendY, 0, "Rep agreed with the model")
	lx += 36 + c.width(fs.label, "Rep agreed with the model") + 28
	c.polyline(colPrecision, 3, []pt{{lx, legendY - 4}, {lx + 28, legendY - 4}}, 6, 4)
	c.fill(colBackground, square(pt{lx + 14, legendY - 4}, 5.5))
	c.fill(colPrecision, square(pt{lx + 14, legendY - 4}, 4))
	hotLabel := "Hot leads (≥" + percent(ConflictHigh) + ") that converted"
	c.text(fs.label, colText, lx+36, legendY, 0, hotLabel)

	// Axes and grid: five lines shared by both scales (0–100 % left, answers right).
	maxCount := 0
	for _, w := range weeks {
		maxCount = max(maxCount, w.Judged)
	}
	step := niceStep(max(maxCount, 4), 4)
	for i := 0; i <= 4; i++ {
		y := bottom - int(math.Round(float64(i)*plotH/4))
		if i > 0 {
			c.rect(left, y, right, y+1, colGrid)
		}
		c.text(fs.label, colMuted, left-8, float64(y)+4.5, 1, strconv.Itoa(25*i)+"%")
		c.text(fs.label, colMuted, right+8, float64(y)+4.5, 0, strconv.Itoa(step*i))
	}
	c.text(fs.small, colMuted, left-8, top-12, 1, "rate")
	c.text(fs.small, colMuted, right+8, top-12, 0, "answers")

	// Bars, one slot per week.
	slot := float64(right-left) / float64(len(weeks))
	cx := func(i int) float64 { return float64(left) + slot*(float64(i)+0.5) }
	barW := math.Round(slot * 0.56)
	for i, w := range weeks {
		x0 := int(math.Round(cx(i) - barW/2))
		if w.Judged > 0 {
			h := int(math.Round(float64(w.Judged) / float64(4*step) * plotH))
			c.rect(x0, bottom-h, x0+int(barW), bottom, colBars)
		}
		label := w.Start.Format("2 Jan")
		c.text(fs.small, colMuted, cx(i), bottom+17, 0.5, label)
	}
	c.rect(left, bottom, right, bottom+1, colAxis)
	c.text(fs.small, colMuted, 24, bottom+36, 0,
		"Weeks start on Monday. Agreed: a thumbs-up on a lead scored 50%+, or a thumbs-down below. "+
			"Converted: won/hot leads, in the week of the outcome.")

	// The two rates: lines through consecutive weeks with data, markers on every week with data.
	rate := func(v float64) float64 { return float64(bottom) - v*plotH }
	series := func(values func(store.TeamWeek) float64, col color.Color, dash, gap float64, marker func(pt, float64) []pt, size float64) []pt {
		var run, all []pt
		flush := func() {
			if len(run) > 1 {
				c.polyline(col, 3, run, dash, gap)
			}
			run = nil
		}
		for i, w := range weeks {
			v := values(w)
			if math.IsNaN(v) {
				flush()
				continue
			}
			p := pt{cx(i), rate(v)}
			run, all = append(run, p), append(all, p)
		}
		flush()
		for _, p := range all {
			c.fill(colBackground, marker(p, size+1.5))
			c.fill(col, marker(p, size))
		}
		return all
	}
	series(store.TeamWeek.Agreement, colAgree, 0, 0, circle, 4.5)
	hot := series(store.TeamWeek.Precision, colPrecision, 7, 5, square, 4)
	// How many hot outcomes each precision point stands on: one lead is 0 % or 100 %.
	i := 0
	for _, w := range weeks {
		if w.Hot == 0 {
			continue
		}
		p := hot[i]
		i++
		c.haloText(fs.small, colPrecision, p.x, p.y-10, 0.5, fmt.Sprintf("%d/%d", w.HotWon, w.Hot))
	}

	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, c.img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
