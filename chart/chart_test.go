package chart

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"sync"
	"testing"
	"time"
)

var monday = time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC)

// weeksFrom gives consecutive weeks from start, one per row of judged, scored, agreed, hot,
// hot won.
func weeksFrom(start time.Time, rows ...[5]int) []Week {
	weeks := make([]Week, len(rows))
	for i, r := range rows {
		weeks[i] = Week{Start: start.AddDate(0, 0, 7*i), Judged: r[0], Scored: r[1], Agreed: r[2], Hot: r[3], HotWon: r[4]}
	}
	return weeks
}

// sampleWeeks is a quarter of a team that answers more and more, agrees with the model more
// as it learns, and whose hot leads convert unevenly (with gaps where no hot lead closed).
func sampleWeeks() []Week {
	return weeksFrom(monday,
		[5]int{4, 4, 2, 0, 0}, [5]int{9, 9, 5, 1, 0}, [5]int{12, 11, 7, 2, 1}, [5]int{0, 0, 0, 0, 0},
		[5]int{15, 15, 10, 3, 2}, [5]int{18, 17, 12, 0, 0}, [5]int{22, 22, 16, 4, 3}, [5]int{19, 19, 15, 2, 1},
		[5]int{25, 24, 19, 5, 4}, [5]int{27, 27, 22, 3, 3}, [5]int{24, 24, 20, 6, 4}, [5]int{31, 30, 26, 4, 3})
}

var (
	blue       = [3]uint8{0x00, 0x72, 0xb2}
	vermillion = [3]uint8{0xd5, 0x5e, 0x00}
	barGrey    = [3]uint8{0xcf, 0xcf, 0xcf}
)

func rgb(img image.Image, x, y int) [3]uint8 {
	c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
	return [3]uint8{c.R, c.G, c.B}
}

// count counts the pixels of colour want in the rectangle.
func count(img image.Image, r image.Rectangle, want [3]uint8) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if rgb(img, x, y) == want {
				n++
			}
		}
	}
	return n
}

// render draws the weeks and decodes the PNG, failing the test unless it is Width×Height.
func render(t *testing.T, weeks []Week) ([]byte, image.Image) {
	t.Helper()
	data, err := TeamPNG(weeks, 0.6)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b != image.Rect(0, 0, Width, Height) || b.Dx() != 800 || b.Dy() != 400 {
		t.Fatalf("size %v, want 800×400", b)
	}
	return data, img
}

// The series are drawn where there is data and only there; the same weeks give the same bytes.
func TestTeamPNG(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	// Below the legend: the plot, and the n/m labels over it.
	plotArea := image.Rect(0, plotTop-17, Width, plotBottom+5)
	for _, tc := range []struct {
		name                string
		weeks               []Week
		agreement, hotLeads bool // whether that series shows
	}{
		{"quarter", sampleWeeks(), true, true},
		{"one week", weeksFrom(monday, [5]int{3, 3, 2, 1, 1}), true, true},
		{"one empty week", weeksFrom(monday, [5]int{}), false, false},
		{"empty quarter", weeksFrom(monday, make([][5]int, 12)...), false, false},
		{"unscored answers only", weeksFrom(monday, [5]int{7, 0, 0, 0, 0}, [5]int{2, 0, 0, 0, 0}), false, false},
		{"hot outcomes only", weeksFrom(monday, [5]int{0, 0, 0, 2, 1}, [5]int{}, [5]int{0, 0, 0, 3, 3}), false, true},
		{"large numbers", weeksFrom(monday, [5]int{123456, 120000, 99999, 5000, 4999}, [5]int{987654, 987654, 1, 77777, 0}, [5]int{1, 1, 1, 1, 1}), true, true},
		{"across new year, New York", weeksFrom(time.Date(2030, 11, 25, 0, 0, 0, 0, ny),
			[5]int{5, 5, 5, 2, 2}, [5]int{0, 0, 0, 1, 0}, [5]int{7, 0, 0, 0, 0}, [5]int{6, 6, 0, 0, 0},
			[5]int{2, 2, 1, 3, 1}, [5]int{8, 8, 4, 0, 0}, [5]int{1, 1, 1, 1, 1}), true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, img := render(t, tc.weeks)
			if b, _ := render(t, tc.weeks); !bytes.Equal(a, b) {
				t.Error("same weeks, different bytes")
			}
			if n := count(img, plotArea, blue); (n > 0) != tc.agreement {
				t.Errorf("%d agreement pixels in the plot, want some: %v", n, tc.agreement)
			}
			if n := count(img, plotArea, vermillion); (n > 0) != tc.hotLeads {
				t.Errorf("%d hot-lead pixels in the plot, want some: %v", n, tc.hotLeads)
			}
		})
	}
}

// The quarter's picture: both series in their colours, a gap in both lines for the week
// without data, and a picture that changes with the data.
func TestTeamPNGQuarter(t *testing.T) {
	a, img := render(t, sampleWeeks())
	if out := os.Getenv("LEADBOT_CHART_OUT"); out != "" { // to look at it
		if err := os.WriteFile(out, a, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	all := img.Bounds()
	if nb, nv := count(img, all, blue), count(img, all, vermillion); nb < 500 || nv < 300 {
		t.Errorf("series barely drawn: %d blue, %d vermillion pixels", nb, nv)
	}
	// Week 3 (25 Mar) has no data: between the markers of weeks 2 and 4 neither line passes.
	p := plot{slot: float64(plotRight-plotLeft) / 12}
	gap := image.Rect(int(p.cx(3))-10, plotTop, int(p.cx(3))+10, plotBottom)
	if nb, nv := count(img, gap, blue), count(img, gap, vermillion); nb+nv > 0 {
		t.Errorf("a week without data is bridged: %d blue, %d vermillion pixels in its slot", nb, nv)
	}
	weeks := sampleWeeks()
	weeks[5].Agreed = 3
	if c, _ := render(t, weeks); bytes.Equal(a, c) {
		t.Error("the chart does not depend on the data")
	}
	if c, err := TeamPNG(sampleWeeks(), 0.7); err != nil || bytes.Equal(a, c) {
		t.Errorf("the legend does not state the hot threshold (err %v)", err)
	}
}

// A huge week's bar reaches to just under the top of the plot and no further.
func TestTeamPNGLargeNumbers(t *testing.T) {
	weeks := weeksFrom(monday, [5]int{12, 12, 6, 0, 0}, [5]int{987654, 0, 0, 0, 0}, [5]int{3, 0, 0, 0, 0})
	_, img := render(t, weeks)
	p := plot{slot: float64(plotRight-plotLeft) / 3}
	x := int(p.cx(1))
	if got := rgb(img, x, plotTop+8); got != barGrey {
		t.Errorf("the biggest bar does not reach the top of the plot: %v at its top", got)
	}
	if got := rgb(img, x, plotTop-2); got == barGrey {
		t.Error("the biggest bar overflows the plot")
	}
}

func TestTeamPNGNoWeeks(t *testing.T) {
	for _, weeks := range [][]Week{nil, {}} {
		if _, err := TeamPNG(weeks, 0.6); err == nil {
			t.Errorf("%d weeks: want an error", len(weeks))
		}
	}
}

// Charts drawn at the same time are the same (every chart has its own font faces).
func TestTeamPNGConcurrent(t *testing.T) {
	want, err := TeamPNG(sampleWeeks(), 0.6)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if got, err := TeamPNG(sampleWeeks(), 0.6); err != nil || !bytes.Equal(got, want) {
				t.Errorf("a concurrent chart differs (err %v)", err)
			}
		})
	}
	wg.Wait()
}

func TestHasData(t *testing.T) {
	for _, tc := range []struct {
		name  string
		weeks []Week
		want  bool
	}{
		{"no weeks", nil, false},
		{"a quarter of nothing", make([]Week, 12), false},
		{"one answer", weeksFrom(monday, [5]int{}, [5]int{1, 0, 0, 0, 0}), true},
		{"one hot outcome", weeksFrom(monday, [5]int{}, [5]int{}, [5]int{0, 0, 0, 1, 0}), true},
		{"a quarter", sampleWeeks(), true},
	} {
		if got := HasData(tc.weeks); got != tc.want {
			t.Errorf("%s: HasData = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct{ maxV, want int }{
		{1, 1}, {4, 1}, {5, 2}, {8, 2}, {9, 5}, {20, 5}, {21, 10}, {40, 10}, {41, 20},
		{81, 25}, {100, 25}, {101, 50}, {201, 100}, {987654, 250000}, {1000001, 500000},
	} {
		if got := niceStep(tc.maxV, 4); got != tc.want {
			t.Errorf("niceStep(%d, 4) = %d, want %d", tc.maxV, got, tc.want)
		}
	}
}
