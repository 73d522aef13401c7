package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --skip-bad after an unbalanced quote: the next good row is imported (it was swallowed), and
// the rejects file holds the bad row's text (it held an empty row).
func TestImportSkipBadAfterUnbalancedQuote(t *testing.T) {
	c := newCLI(t)
	leads := c.write("leads.csv", "id,name,company\nL1,Ann,Acme\nL2,\"Bob,Globex\nL3,Cy,Initech\nL4,Di,Umbrella\n")
	code, _, errs := c.run("import", "leads", leads)
	if code != 1 || !strings.Contains(errs, "leads.csv:3: malformed CSV") || !strings.Contains(errs, "to import the 3 good ones") {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	c.mustRun("imported 3 leads (3 new, 0 updated, 0 unchanged, 1 rejected)", "import", "leads", "--skip-bad", leads)
	if n := c.count(`SELECT count(*) FROM leads WHERE external_id IN ('L1', 'L3', 'L4')`); n != 3 {
		t.Fatalf("%d of L1, L3, L4 imported, want 3", n)
	}
	recs := readRejects(t, filepath.Join(c.dir, "leads.rejects.csv"))
	if len(recs) != 2 || strings.Join(recs[1][:4], "|") != "L2|Bob,Globex||3" || !strings.HasPrefix(recs[1][4], "malformed CSV") {
		t.Fatalf("rejects: %q", recs)
	}
}

func readRejects(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// A file of many good rows and a few bad ones says how many good ones --skip-bad would import
// (it said 0).
func TestImportCountsGoodRows(t *testing.T) {
	c := newCLI(t)
	var b strings.Builder
	b.WriteString("id,created_at\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "L%d,2024-03-05\n", i)
	}
	b.WriteString("X1,9999-12-31\n")
	code, _, errs := c.run("import", "leads", c.write("leads.csv", b.String()))
	if code != 1 || !strings.Contains(errs, "leads.csv:3002: created_at: date 9999-12-31 is not plausible") ||
		!strings.Contains(errs, "rerun with --skip-bad to import the 3,000 good ones") {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
}

// A CR-only file (classic Mac) imports its rows; it used to import nothing and exit 0.
func TestImportCROnlyFile(t *testing.T) {
	c := newCLI(t)
	c.mustRun("imported 3 leads (3 new, 0 updated, 0 unchanged, 0 rejected)", "import", "leads",
		c.write("mac.csv", "id,name,notes\rL1,Ann,x\rL2,Bob,\"two\rlines\"\rL3,Cy,z\r"))
	var notes string
	if err := c.db.Get(&notes, `SELECT attributes->>'notes' FROM leads WHERE external_id = 'L2'`); err != nil || notes != "two\nlines" {
		t.Fatalf("notes %q, %v", notes, err)
	}
}

// A header that is not UTF-8, or a binary file, is refused before the database with the file,
// the line and the column, what to do, and no raw bytes.
func TestImportRefusesUnreadableHeaders(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct{ name, content, want string }{
		{"latin1.csv", "id,Pr\xe9nom\nL1,Ren\xe9\n", `latin1.csv: line 1, column 2: the header "Pr\xe9nom" is not UTF-8: the file is probably Latin-1 or Windows-1252; save it as UTF-8`},
		{"book.csv", "PK\x03\x04\x14\x00\x06\x00\nxl/\x00\x01\n", `book.csv: line 1, column 1: the header "PK\x03\x04\x14\x00\x06\x00" holds control bytes: this is not a CSV file`},
	} {
		code, _, errs := c.run("import", "leads", c.write(tc.name, tc.content))
		if code != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d:\n%s\nwant %s", tc.name, code, errs, tc.want)
		}
		if strings.ContainsFunc(errs, func(r rune) bool { return r < 0x20 && r != '\n' }) {
			t.Errorf("%s: raw control bytes on stderr: %q", tc.name, errs)
		}
	}
	if n := c.count(`SELECT count(*) FROM leads`); n != 0 {
		t.Fatalf("%d leads written", n)
	}
}
