package scoring

import (
	"math/rand/v2"
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
