package chart

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"testing"
)

var orange = [3]uint8{0xe6, 0x9f, 0x00}

func bandWeeks(rows ...[6]int) []BandWeek {
	weeks := make([]BandWeek, len(rows))
	for i, r := range rows {
		weeks[i] = BandWeek{Start: monday.AddDate(0, 0, 7*i), N: [3]int{r[0], r[2], r[4]}, Won: [3]int{r[1], r[3], r[5]}}
	}
	return weeks
}

var bandLabels = [Bands]string{"Hot (60 %+)", "Warm (30–60 %)", "Cool (under 30 %)"}

// Each band's line shows exactly when the band had outcomes, higher for a higher rate; the same
// weeks give the same bytes.
func TestBandsPNG(t *testing.T) {
	plotArea := image.Rect(plotLeft-6, plotTop-6, plotRight+6, plotBottom-1)
	for _, tc := range []struct {
		name            string
		weeks           []BandWeek
		hot, warm, cool bool
	}{
		{"a quarter", bandWeeks([6]int{10, 4, 20, 4, 30, 1}, [6]int{12, 6, 18, 3, 25, 2}, [6]int{8, 5, 22, 5, 40, 2}), true, true, true},
		{"hot only", bandWeeks([6]int{3, 1, 0, 0, 0, 0}, [6]int{2, 2, 0, 0, 0, 0}), true, false, false},
		{"nothing", bandWeeks([6]int{}, [6]int{}), false, false, false},
		{"cool only, one week", bandWeeks([6]int{0, 0, 0, 0, 5, 1}), false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := BandsPNG(tc.weeks, bandLabels)
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := BandsPNG(tc.weeks, bandLabels); !bytes.Equal(a, b) {
				t.Error("same weeks, different bytes")
			}
			img, err := png.Decode(bytes.NewReader(a))
			if err != nil || img.Bounds() != image.Rect(0, 0, Width, Height) {
				t.Fatalf("not an %d×%d PNG: %v", Width, Height, err)
			}
			for _, s := range []struct {
				name string
				col  [3]uint8
				want bool
			}{{"hot", vermillion, tc.hot}, {"warm", orange, tc.warm}, {"cool", blue, tc.cool}} {
				if n := count(img, plotArea, s.col); (n > 0) != s.want {
					t.Errorf("%s: %d pixels in the plot, want some: %v", s.name, n, s.want)
				}
			}
			if BandsHaveData(tc.weeks) != (tc.hot || tc.warm || tc.cool) {
				t.Error("BandsHaveData disagrees with the picture")
			}
			if out := os.Getenv("LEADBOT_BANDS_OUT"); out != "" && tc.name == "a quarter" {
				_ = os.WriteFile(out, a, 0o644)
			}
		})
	}
	// The hot line at 50 % sits above the cool line at 5 %: find each colour's topmost pixel.
	a, _ := BandsPNG(bandWeeks([6]int{10, 5, 0, 0, 20, 1}, [6]int{10, 5, 0, 0, 20, 1}), bandLabels)
	img, _ := png.Decode(bytes.NewReader(a))
	top := func(col [3]uint8) int {
		for y := plotTop; y < plotBottom; y++ {
			for x := plotLeft; x < plotRight; x++ {
				if rgb(img, x, y) == col {
					return y
				}
			}
		}
		return -1
	}
	if h, c := top(vermillion), top(blue); h < 0 || c < 0 || h >= c {
		t.Errorf("hot line's top at y=%d, cool line's at y=%d: hot should be higher", h, c)
	}
}
