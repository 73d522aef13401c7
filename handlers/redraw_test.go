package handlers

import (
	"errors"
	"testing"
)

func TestRedrawsFoldAsksMadeDuringARedraw(t *testing.T) {
	var r redraws
	passes := 0
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- r.do(1, func() error {
			passes++
			if passes == 1 {
				close(inside)
				<-release
			}
			return nil
		})
	}()
	<-inside
	for range 3 { // asked while the first pass runs: folded into one more pass
		if err := r.do(1, func() error { t.Error("a second redraw of the same digest ran alongside"); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	other := 0 // another digest is not held up
	if err := r.do(2, func() error { other++; return nil }); err != nil || other != 1 {
		t.Fatalf("digest 2: %d passes, %v", other, err)
	}
	close(release)
	if err := <-done; err != nil || passes != 2 {
		t.Fatalf("%d passes, %v: want the first and one more for the three asks", passes, err)
	}
	// Done: the next ask redraws again, and an error comes back to the one who asked.
	boom := errors.New("boom")
	if err := r.do(1, func() error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	if len(r.running) != 0 {
		t.Fatalf("left running: %v", r.running)
	}
}
