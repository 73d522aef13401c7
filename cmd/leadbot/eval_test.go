package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeLeadsCSV writes a `;`-separated, quoted CSV with a BOM, like bank-full and Excel exports.
func writeLeadsCSV(t *testing.T, n int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("\ufeff\"id\";\"source\";\"visits\";\"created\";\"won\"\n")
	for i := range n {
		src := []string{"Reference", "Google", "Select", "Direct"}[rng.IntN(4)]
		visits := rng.IntN(20)
		p := 0.1 + 0.04*float64(visits)
		if src == "Reference" {
			p += 0.3
		}
		won := "no"
		if rng.Float64() < p {
			won = "yes"
		}
		fmt.Fprintf(&b, "\"L%05d\";\"%s\";%d;\"2024-%02d-%02d\";\"%s\"\n", i, src, visits, 1+i*12/n, 1+i%28, won)
	}
	path := filepath.Join(t.TempDir(), "leads.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunEval(t *testing.T) {
	path := writeLeadsCSV(t, 1200)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"cv table", []string{"--data", path, "--target", "won", "--model", "logreg", "--missing", "Select", "--folds", "3"},
			[]string{"ROC AUC", "logreg", "selected (logreg ×3)", "cv: 3 stratified folds"}},
		{"time split gbdt", []string{"--data", path, "--target", "won", "--positive", "yes", "--split", "time", "--time-column", "created", "--model", "gbdt"},
			[]string{"time: earliest 80 %", "gbdt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if err := runEval(context.Background(), tt.args, &out, &errb); err != nil {
				t.Fatalf("%v\n%s", err, errb.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

func TestRunEvalJSON(t *testing.T) {
	path := writeLeadsCSV(t, 1000)
	var out, errb bytes.Buffer
	err := runEval(context.Background(), []string{"--data", path, "--target", "won", "--folds", "2", "--json", "--drop", "id"}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var got struct {
		Model      string  `json:"model"`
		AUC        float64 `json:"auc"`
		PRAUC      float64 `json:"pr_auc"`
		LogLoss    float64 `json:"log_loss"`
		Candidates []struct {
			Model string  `json:"model"`
			AUC   float64 `json:"auc"`
		} `json:"candidates"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if got.Model == "" || got.AUC < 0.6 || got.PRAUC <= 0 || got.LogLoss <= 0 || len(got.Candidates) != 2 {
		t.Errorf("json %+v", got)
	}
}

func TestRunEvalErrors(t *testing.T) {
	path := writeLeadsCSV(t, 50)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--target", "won"}, "--data and --target are required"},
		{[]string{"--data", path, "--target", "nope"}, `no column "nope"`},
		{[]string{"--data", path, "--target", "source"}, "--positive"},
		{[]string{"--data", path, "--target", "won", "--split", "random"}, "cv or time"},
		{[]string{"--data", path, "--target", "won"}, "training needs at least 200"},
	}
	for _, tt := range tests {
		err := runEval(context.Background(), tt.args, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err %v, want %q", tt.args, err, tt.want)
		}
	}
	var errb bytes.Buffer
	if err := runEval(context.Background(), []string{"-h"}, &bytes.Buffer{}, &errb); !errors.Is(err, flag.ErrHelp) || !strings.Contains(errb.String(), "Usage: leadbot eval") {
		t.Errorf("-h: %v\n%s", err, errb.String())
	}
}
