package store_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/store"
)

// TestAccessRule runs one table of cases through the access rule's two definitions, the Go one
// (leadbot.MayJudge, leadbot.MaySee) and the SQL one (may_judge, which queries filter with), and
// checks that they agree with each other and with the rule as people state it.
func TestAccessRule(t *testing.T) {
	db := newStore(t).DB()
	id := func(n int64) *int64 { return &n }
	const viewer = 7
	tests := []struct {
		name                string
		owner, ownerManager *int64
		judge, see          bool
	}{
		{"own lead", id(viewer), nil, true, true},
		{"own lead, viewer has a manager", id(viewer), id(99), true, true},
		{"a lead of the viewer's report", id(3), id(viewer), true, true},
		{"another team's lead", id(3), id(4), false, false},
		{"a lead whose owner has no manager", id(3), nil, false, false},
		{"unassigned", nil, nil, false, true},
		{"unassigned, a manager id without an owner", nil, id(viewer), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := leadbot.MayJudge(viewer, tt.owner, tt.ownerManager); got != tt.judge {
				t.Errorf("MayJudge = %v, want %v", got, tt.judge)
			}
			if got := leadbot.MaySee(viewer, tt.owner, tt.ownerManager); got != tt.see {
				t.Errorf("MaySee = %v, want %v", got, tt.see)
			}
			var got sql.NullBool
			err := db.QueryRowContext(context.Background(), `SELECT may_judge($1, $2, $3)`,
				viewer, tt.owner, tt.ownerManager).Scan(&got)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Valid || got.Bool != tt.judge {
				t.Errorf("SQL may_judge = %+v, want %v (Go and SQL disagree)", got, tt.judge)
			}
		})
	}
}

// TestAccessRuleByRecord checks the rule where the database applies it: RecordFeedbackBy records
// the verdict of the owner and of the owner's manager, and of nobody else.
func TestAccessRuleByRecord(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	_, rep := team(t, st)
	if _, err := st.UpsertRep(ctx, store.NewRep{Email: "zed@example.com", SlackUserID: "UZED"}); err != nil {
		t.Fatal(err)
	}
	l, err := st.UpsertLead(ctx, store.NewLead{ExternalID: "L-access", OwnerID: &rep.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		slackID string
		want    bool
	}{{"UZED", false}, {"UANN", true}, {"UBOSS", true}} {
		_, recorded, err := st.RecordFeedbackBy(ctx, tt.slackID, leadbot.NewFeedback{LeadID: l.ID, Verdict: leadbot.Up})
		if err != nil || recorded != tt.want {
			t.Errorf("%s: recorded %v, %v; want %v", tt.slackID, recorded, err, tt.want)
		}
	}
}
