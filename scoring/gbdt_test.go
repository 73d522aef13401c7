package scoring

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"runtime"
	"testing"
)

// pcgAt must land exactly where drawing k numbers does: tree samples depend on it.
func TestPCGAt(t *testing.T) {
	for _, seed := range [][2]uint64{{0, 0}, {1, 7}, {42, 299}, {^uint64(0), 1 << 63}} {
		ref := rand.NewPCG(seed[0], seed[1])
		k := uint64(0)
		for _, at := range []uint64{0, 1, 2, 3, 64, 4095, 4096, 45211} {
			for ; k < at; k++ {
				ref.Uint64()
			}
			got, want := pcgAt(seed[0], seed[1], at).Uint64(), *ref
			if w := want.Uint64(); got != w {
				t.Fatalf("seed %v after %d draws: %x, want %x", seed, at, got, w)
			}
		}
	}
}

// A fit must not depend on the number of cores or on which worker ran which task.
func TestGBDTSameOnAnyCores(t *testing.T) {
	f, y := wideFrame(12000, 6, 3, 5)
	enc := fitEncoding(f, EncodeConfig{})
	bins := enc.bins(enc.encode(f))
	for _, p := range []GBDTParams{
		{Trees: 20, LearningRate: 0.1, MaxDepth: 5, MaxLeaves: 32, MinSamplesLeaf: 5, MinHessian: 1e-3, L2: 1, Subsample: 0.8, ColSample: 0.8, Seed: 1},
		{Trees: 20, LearningRate: 0.1, MaxDepth: 8, MaxLeaves: 15, MinSamplesLeaf: 20, MinHessian: 1e-3, L2: 1, Subsample: 0.7, ColSample: 1, Seed: 2},
	} {
		var want []byte
		for _, procs := range []int{1, 2, 4} {
			old := runtime.GOMAXPROCS(procs)
			m, _, err := fitGBDT(context.Background(), enc, bins, y, ones(len(y)), nil, nil, nil, p)
			runtime.GOMAXPROCS(old)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(m)
			if want == nil {
				want = got
			} else if !bytes.Equal(got, want) {
				t.Fatalf("leaves=%d: the model on %d cores differs from the one on 1", p.MaxLeaves, procs)
			}
		}
	}
}
