package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/leadbot/leadbot/store"
)

// TestInsertModelPromotedOverKeepsAHandPromotion: a retrain promotes its model only over the
// champion it was compared with; when another version became champion meanwhile, the retrain's
// model is stored retired and says why.
func TestInsertModelPromotedOverKeepsAHandPromotion(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	nm := func(notes string) store.NewModel {
		return store.NewModel{Kind: "logreg", Artifact: []byte(`{}`), Notes: notes}
	}
	for _, c := range []struct {
		name     string
		promoted bool
	}{
		{"no champion yet", true},
		{"the champion compared with", true},
		{"a version promoted by hand meanwhile", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := st.DB().ExecContext(ctx, `UPDATE models SET status = 'retired'`); err != nil {
				t.Fatal(err)
			}
			first, hand := 0, 0
			if c.name != "no champion yet" {
				v, _, err := st.InsertModelPromotedOver(ctx, nm("first"), 0)
				if err != nil {
					t.Fatal(err)
				}
				first = v.Version
			}
			if !c.promoted {
				v, err := st.InsertModel(ctx, nm("by hand"))
				if err != nil || st.Promote(ctx, v.Version, "") != nil {
					t.Fatal(err)
				}
				hand = v.Version
			}
			got, promoted, err := st.InsertModelPromotedOver(ctx, nm("better on the hold-out"), first)
			if err != nil || promoted != c.promoted {
				t.Fatalf("promoted %v (%v), want %v", promoted, err, c.promoted)
			}
			champ, err := st.Champion(ctx)
			want := got.Version
			if !c.promoted {
				want = hand
				if got.Status != "retired" || !strings.Contains(got.Notes, "another version became champion") {
					t.Errorf("stored as %s with notes %q", got.Status, got.Notes)
				}
			}
			if err != nil || champ.Version != want {
				t.Fatalf("champion v%d (%v), want v%d", champ.Version, err, want)
			}
		})
	}
}
