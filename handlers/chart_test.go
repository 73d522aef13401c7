package handlers_test

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"testing"
	"time"

	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/store"
)

// sampleWeeks is a quarter of a team that answers more and more, agrees with the model more
// as it learns, and whose hot leads convert unevenly (with gaps where no hot lead closed).
func sampleWeeks() []store.TeamWeek {
	start := time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC)
	rows := [][5]int{ // judged, scored, agreed, hot, hot won
		{4, 4, 2, 0, 0}, {9, 9, 5, 1, 0}, {12, 11, 7, 2, 1}, {0, 0, 0, 0, 0},
		{15, 15, 10, 3, 2}, {18, 17, 12, 0, 0}, {22, 22, 16, 4, 3}, {19, 19, 15, 2, 1},
		{25, 24, 19, 5, 4}, {27, 27, 22, 3, 3}, {24, 24, 20, 6, 4}, {31, 30, 26, 4, 3},
	}
	var weeks []store.TeamWeek
	for i, r := range rows {
		weeks = append(weeks, store.TeamWeek{Start: start.AddDate(0, 0, 7*i), Judged: r[0], Scored: r[1], Agreed: r[2], Hot: r[3], HotWon: r[4]})
	}
	return weeks
}

func TestChartPNG(t *testing.T) {
	weeks := sampleWeeks()
	a, err := handlers.ChartPNG(weeks)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b != image.Rect(0, 0, handlers.ChartWidth, handlers.ChartHeight) || b.Dx() != 800 || b.Dy() != 400 {
		t.Fatalf("size %v, want 800×400", b)
	}
	b, err := handlers.ChartPNG(sampleWeeks())
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("same weeks, different bytes (err %v)", err)
	}
	// The data shows: a different quarter is a different picture.
	weeks[5].Agreed = 3
	if c, _ := handlers.ChartPNG(weeks); bytes.Equal(a, c) {
		t.Fatal("the chart does not depend on the data")
	}
	// The palette is there: Okabe–Ito blue (agreement) and vermillion (hot leads) pixels.
	var blue, vermillion int
	for y := 0; y < 400; y++ {
		for x := 0; x < 800; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			switch [3]uint32{r >> 8, g >> 8, bl >> 8} {
			case [3]uint32{0x00, 0x72, 0xb2}:
				blue++
			case [3]uint32{0xd5, 0x5e, 0x00}:
				vermillion++
			}
		}
	}
	if blue < 500 || vermillion < 300 {
		t.Errorf("series barely drawn: %d blue, %d vermillion pixels", blue, vermillion)
	}
	if out := os.Getenv("LEADBOT_CHART_OUT"); out != "" { // to look at it
		if err := os.WriteFile(out, a, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := handlers.ChartPNG(nil); err == nil {
		t.Error("no weeks: want an error")
	}
}

func TestChartHasData(t *testing.T) {
	empty := make([]store.TeamWeek, handlers.ChartWeeks)
	if handlers.ChartHasData(empty) || handlers.ChartHasData(nil) {
		t.Error("a new team has data")
	}
	empty[3].Hot = 1
	if !handlers.ChartHasData(empty) {
		t.Error("one outcome is data")
	}
}
