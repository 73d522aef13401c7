package scoring

import (
	"encoding/json"
	"sync"
	"testing"
)

// Predict and ExplainRows may be called from many goroutines on one loaded model.
func TestConcurrentScoring(t *testing.T) {
	f, y := synthLeads(1500, 8)
	m, _ := trainOK(t, f, y, TrainConfig{Kind: KindGBDT, Seed: 1})
	data, _ := json.Marshal(m)
	m2, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	big := f.Select(make([]int, 9000)) // row 0 repeated: several chunks
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := m2.Predict(big)
			if p[0] != p[8999] {
				t.Error("same row, different scores")
			}
			_ = m2.ExplainRows(f, []int{0, 1})
		}()
	}
	wg.Wait()
}
