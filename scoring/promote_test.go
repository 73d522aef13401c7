package scoring

import (
	"math"
	"strings"
	"testing"
)

func TestPromote(t *testing.T) {
	champ := Metrics{N: 500, AUC: 0.80, LogLoss: 0.40}
	tests := []struct {
		name       string
		champion   *Metrics
		challenger Metrics
		promote    bool
		reason     string
	}{
		{"no champion", nil, Metrics{N: 500, AUC: 0.7}, true, "no champion"},
		{"worse", &champ, Metrics{N: 500, AUC: 0.78, LogLoss: 0.41}, false, "does not beat"},
		{"better but within margin", &champ, Metrics{N: 500, AUC: 0.805, LogLoss: 0.39}, false, "margin"},
		{"better", &champ, Metrics{N: 500, AUC: 0.83, LogLoss: 0.38}, true, "promoted"},
		{"better ranking, wild probabilities", &champ, Metrics{N: 500, AUC: 0.83, LogLoss: 0.6}, false, "log loss"},
		{"different hold-outs", &champ, Metrics{N: 400, AUC: 0.9}, false, "same leads"},
		{"unmeasured", &champ, Metrics{N: 500, AUC: math.NaN()}, false, "no hold-out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Promote(tt.champion, tt.challenger, 0.01)
			if d.Promote != tt.promote || !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("got %+v, want promote=%v and a reason mentioning %q", d, tt.promote, tt.reason)
			}
		})
	}
}
