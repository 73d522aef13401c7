package chart

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// The drawing primitives: fonts, and a canvas that fills rectangles and polygons, strokes
// polylines and writes text. Nothing here knows what a week is.

type fonts struct{ title, label, small font.Face }

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
func newFonts() (fonts, error) {
	var fs fonts
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
	fs  fonts
}

// newCanvas returns a w×h canvas filled with bg.
func newCanvas(w, h int, fs fonts, bg color.Color) *canvas {
	c := &canvas{img: image.NewRGBA(image.Rect(0, 0, w, h)), r: vector.NewRasterizer(w, h), fs: fs}
	c.rect(0, 0, w, h, bg)
	return c
}

// png encodes the canvas; the same pixels always give the same bytes.
func (c *canvas) png() ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, c.img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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

// haloText draws s in col over an outline in halo, so that it stays readable on a bar or a line.
func (c *canvas) haloText(face font.Face, col, halo color.Color, x, y float64, align float64, s string) {
	for _, d := range [][2]float64{{-1, -1}, {0, -1}, {1, -1}, {-1, 0}, {1, 0}, {-1, 1}, {0, 1}, {1, 1}} {
		c.text(face, halo, x+d[0], y+d[1], align, s)
	}
	c.text(face, col, x, y, align, s)
}

func (c *canvas) width(face font.Face, s string) float64 {
	return float64(font.MeasureString(face, s)) / 64
}
