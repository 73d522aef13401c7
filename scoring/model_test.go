package scoring

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func trainOK(t *testing.T, f *Frame, y []float64, cfg TrainConfig) (*Model, *Report) {
	t.Helper()
	m, rep, err := Train(context.Background(), f, y, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, rep
}

func TestGBDTLearnsNonLinearRule(t *testing.T) {
	f, y := xorData(3000, 1)
	tf, ty := xorData(2000, 2)
	for _, tt := range []struct {
		kind   Kind
		minAUC float64
		maxAUC float64
	}{{KindGBDT, 0.9, 1}, {KindLogReg, 0, 0.6}} {
		m, _ := trainOK(t, f, y, TrainConfig{Kind: tt.kind, Seed: 1})
		auc := ComputeMetrics(ty, m.Predict(tf), nil).AUC
		if auc < tt.minAUC || auc > tt.maxAUC {
			t.Errorf("%s: held-out AUC %.3f, want in [%.2f, %.2f]", tt.kind, auc, tt.minAUC, tt.maxAUC)
		}
	}
}

func TestAutoPicksAndReports(t *testing.T) {
	f, y := synthLeads(3000, 3)
	m, rep := trainOK(t, f, y, TrainConfig{Seed: 3})
	if len(rep.Candidates) < 2 || rep.Chosen == "" || m.Kind != rep.Kind {
		t.Fatalf("report %+v", rep)
	}
	var sel int
	for _, c := range rep.Candidates {
		if c.Selected {
			sel++
		}
	}
	if sel != 1 {
		t.Errorf("%d candidates selected", sel)
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "Lead ID") {
		t.Errorf("no warning about the identifier column: %v", rep.Notes)
	}
	if auc := m.Validation.AUC; !(auc > 0.7) {
		t.Errorf("validation AUC %.3f", auc)
	}
}

func TestTrainRefusesBadData(t *testing.T) {
	f, y := synthLeads(300, 4)
	nan := make([]float64, len(y))
	one := make([]float64, len(y))
	for i := range y {
		nan[i] = math.NaN()
		one[i] = 1
	}
	few := append([]float64(nil), nan...)
	for i := range 50 {
		few[i] = y[i]
	}
	tests := []struct {
		name   string
		labels []float64
		want   string
	}{
		{"no outcomes", nan, "no lead has an outcome"},
		{"single class", one, "same outcome"},
		{"too few", few, "training needs at least 200"},
		{"wrong length", y[:10], "10 labels for 300 rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, err := Train(context.Background(), f, tt.labels, nil, TrainConfig{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || m != nil {
				t.Errorf("err = %v, model %v; want error containing %q", err, m != nil, tt.want)
			}
		})
	}
	_, _, err := Train(context.Background(), NewFrame([]string{"a"}), nil, nil, TrainConfig{})
	if !errors.Is(err, ErrNoLabels) {
		t.Errorf("empty frame: %v", err)
	}
}

func TestDeterministicAndSerialisable(t *testing.T) {
	f, y := synthLeads(2000, 5)
	for _, kind := range []Kind{KindLogReg, KindGBDT} {
		cfg := TrainConfig{Kind: kind, Seed: 9, Units: map[string]string{"Time on website": "s"}}
		a, _ := trainOK(t, f, y, cfg)
		b, _ := trainOK(t, f, y, cfg)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("%s: two trainings with one seed differ", kind)
		}
		c, err := Unmarshal(ja)
		if err != nil {
			t.Fatal(err)
		}
		pa, pc := a.Predict(f), c.Predict(f)
		for i := range pa {
			if pa[i] != pc[i] || math.IsNaN(pa[i]) {
				t.Fatalf("%s: row %d: %v before, %v after a JSON round trip", kind, i, pa[i], pc[i])
			}
		}
	}
	if _, err := Unmarshal([]byte(`{"format":99}`)); err == nil || !strings.Contains(err.Error(), "upgrade") {
		t.Errorf("future format: %v", err)
	}
}

func TestCalibration(t *testing.T) {
	// Scores whose true probability is σ(0.5·z − 1): Platt must recover A=0.5, B=−1.
	f, _ := xorData(1, 1)
	_ = f
	n := 40000
	z, y, w := make([]float64, n), make([]float64, n), ones(n)
	for i := range n {
		z[i] = float64(i%200)/20 - 5
		// Deterministic labels with exactly the target rate per score value.
		p := sigmoid(0.5*z[i] - 1)
		y[i] = b2f(float64(i/200%100)/100 < p)
	}
	c := fitPlatt(z, y, w)
	if math.Abs(c.A-0.5) > 0.02 || math.Abs(c.B+1) > 0.05 {
		t.Errorf("Platt A=%.3f B=%.3f, want 0.5, −1", c.A, c.B)
	}
	p := make([]float64, n)
	raw := make([]float64, n)
	for i := range z {
		p[i] = c.apply(z[i])
		raw[i] = sigmoid(z[i])
	}
	after, before := ComputeMetrics(y, p, nil).ECE, ComputeMetrics(y, raw, nil).ECE
	if after > 0.02 || after > before/3 {
		t.Errorf("ECE %.4f after calibration (%.4f before)", after, before)
	}
	if got := fitPlatt([]float64{1, 2}, []float64{1, 1}, ones(2)); got != identityCalibration {
		t.Errorf("one-class calibration %+v", got)
	}
}

func TestMetricsKnownValues(t *testing.T) {
	y := []float64{0, 0, 1, 1}
	p := []float64{0.1, 0.4, 0.35, 0.8}
	m := ComputeMetrics(y, p, nil)
	if math.Abs(m.AUC-0.75) > 1e-12 {
		t.Errorf("AUC %v", m.AUC)
	}
	if math.Abs(m.PRAUC-(0.5*1+0.5*2.0/3)) > 1e-12 { // scikit-learn: 0.8333
		t.Errorf("AP %v", m.PRAUC)
	}
	if m.PrecAt10 != 1 || m.LiftAt10 != 2 {
		t.Errorf("top decile %v %v", m.PrecAt10, m.LiftAt10)
	}
	tie := ComputeMetrics([]float64{0, 1}, []float64{0.5, 0.5}, nil)
	if tie.AUC != 0.5 {
		t.Errorf("tied AUC %v", tie.AUC)
	}
}
