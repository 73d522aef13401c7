package report

import (
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot/store"
)

func armRows(band, arm string, leads, won int, start time.Time) []store.ArmRow {
	var rs []store.ArmRow
	for i := range leads {
		r := store.ArmRow{LeadID: int64(len(band)*100000 + i), Band: band, Arm: arm, AssignedAt: start}
		if i < won {
			o, at, amt := "won", start.Add(20*24*time.Hour), 500.0
			r.Outcome, r.OccurredAt, r.Amount = &o, &at, &amt
		}
		rs = append(rs, r)
	}
	return rs
}

func TestBuildValueBandsAndOverall(t *testing.T) {
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var rows []store.ArmRow
	rows = append(rows, armRows("warm", "treated", 300, 30, start)...)
	rows = append(rows, armRows("hot", "treated", 600, 180, start)...)
	rows = append(rows, armRows("hot", "held_out", 600, 120, start)...)
	rows = append(rows, armRows("warm", "held_out", 300, 27, start)...)
	rows[0].Lookups = 2
	rows[len(rows)-1].Lookups = 1

	v := BuildValue(rows, 0.5)
	if len(v.Bands) != 2 || v.Bands[0].Band != "hot" || v.Bands[1].Band != "warm" {
		t.Fatalf("bands %+v", v.Bands)
	}
	hot := v.Bands[0]
	if hot.Treated.Leads != 600 || hot.HeldOut.Won != 120 || !hot.Clear() {
		t.Fatalf("hot %+v", hot)
	}
	if !valueNear(hot.Conversion.Estimate, 0.10) || !valueNear(hot.AmountPerLead.Estimate, 50) {
		t.Fatalf("hot: conversion %+v, amount %+v", hot.Conversion, hot.AmountPerLead)
	}
	if v.Overall.Treated.Leads != 900 || v.Overall.HeldOut.Leads != 900 {
		t.Fatalf("overall %+v", v.Overall)
	}
	if v.Lookups != 1 { // only held-out lookups count
		t.Fatalf("lookups %d", v.Lookups)
	}
	text := strings.Join(v.Lines(), "\n")
	for _, want := range []string{"raised conversion of hot leads from 20 % to 30 %", "warm leads:", "Not enough data yet", "looked up by a rep anyway"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

func TestValueWithoutHoldout(t *testing.T) {
	if got := BuildValue(nil, 0).Lines()[0]; !strings.Contains(got, "Set digest.holdout") {
		t.Fatalf("off: %q", got)
	}
	if got := BuildValue(nil, 0.1).Lines()[0]; !strings.Contains(got, "no lead has been assigned yet") {
		t.Fatalf("on, empty: %q", got)
	}
}

func valueNear(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }
