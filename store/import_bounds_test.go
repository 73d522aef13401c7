package store_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/leadbot/leadbot/crm"
	"github.com/leadbot/leadbot/store"
)

// A manager cycle, in the file or through the stored reps, is refused with the cycle named; it
// used to be written, and a team report would walk it for ever.
func TestImportRepsRefusesManagerCycles(t *testing.T) {
	st := seed(t) // boss manages ann and bob
	for _, tc := range []struct {
		name, csv string
		lines     []int
		want      string
	}{
		{"A and B manage each other", "email,manager_email\na@example.com,b@example.com\nb@example.com,a@example.com\nc@example.com,a@example.com\n",
			[]int{2, 3}, "manager cycle a@example.com → b@example.com → a@example.com"},
		{"through a stored rep", "email,manager_email\nboss@example.com,ann@example.com\n",
			[]int{2}, "manager cycle boss@example.com → ann@example.com → boss@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, st)
			res := importCSV(t, st, crm.Reps, tc.csv, store.ImportOptions{})
			if res.Written || len(res.Rejects) != len(tc.lines) || !strings.Contains(res.Rejects[0].Reason, tc.want) {
				t.Fatalf("written %v, rejects %+v; want lines %v naming %q", res.Written, res.Rejects, tc.lines, tc.want)
			}
			for i, l := range tc.lines {
				if res.Rejects[i].Line != l {
					t.Errorf("reject %d on line %d, want %d", i, res.Rejects[i].Line, l)
				}
			}
			if after := snapshot(t, st); after != before {
				t.Fatal("a refused file changed the database")
			}
		})
	}
	// With SkipBad the rest goes in; c, whose manager was in the cycle, is not left pointing at
	// a rep that was never written.
	res := importCSV(t, st, crm.Reps, "email,manager_email\na@example.com,b@example.com\nb@example.com,a@example.com\nc@example.com,a@example.com\nd@example.com,boss@example.com\n",
		store.ImportOptions{SkipBad: true})
	if !res.Written || res.Imported() != 1 || len(res.Rejects) != 3 {
		t.Fatalf("skip-bad: written %v, %d imported, rejects %+v", res.Written, res.Imported(), res.Rejects)
	}
}

// When bad rows stop an import, Good counts the rows --skip-bad would import (it said 0).
func TestImportCountsGoodRowsOfARefusedFile(t *testing.T) {
	st := seed(t)
	var b strings.Builder
	b.WriteString("id,owner_email\n")
	for i := range 2000 {
		b.WriteString("G" + strconv.Itoa(i) + ",\n")
	}
	b.WriteString("BAD1,nobody@example.com\nBAD2,a,b\n") // an unknown owner, a row of the wrong width
	res := importCSV(t, st, crm.Leads, b.String(), store.ImportOptions{})
	if res.Written || len(res.Rejects) != 2 || res.Good != 2000 {
		t.Fatalf("written %v, good %d, rejects %+v; want 2000 good and 2 rejects", res.Written, res.Good, res.Rejects)
	}
}

// Files that are each within the bound cannot add up past it on one lead: the attributes a
// file has no column for are kept, so two files of 600 different attributes would make 1,200
// (and the 2 L1 had).
func TestImportLeadsAttributesStayBounded(t *testing.T) {
	st := seed(t)
	file := func(prefix string, n int) string {
		var h, v strings.Builder
		h.WriteString("id")
		v.WriteString("L1")
		for i := range n {
			h.WriteString("," + prefix + strconv.Itoa(i))
			v.WriteString(",x")
		}
		return h.String() + "\n" + v.String() + "\nL2" + strings.Repeat(",", n) + "\n"
	}
	wantCounts(t, importCSV(t, st, crm.Leads, file("a", 600), store.ImportOptions{}), 0, 1, 1, 0)
	before := snapshot(t, st)
	res := importCSV(t, st, crm.Leads, file("b", 600), store.ImportOptions{})
	if res.Written || len(res.Rejects) != 1 || res.Rejects[0].Line != 2 || !strings.Contains(res.Rejects[0].Reason, "would have 1202; a lead may have at most 1000") {
		t.Fatalf("written %v, rejects %+v", res.Written, res.Rejects)
	}
	if after := snapshot(t, st); after != before {
		t.Fatal("a refused file changed the database")
	}
}
