package crm

import (
	"bufio"
	"fmt"
	"strings"
	"testing"
	"time"
)

// leads reads text as a leads file and returns one line per row: "L@line name" or the error.
func leads(t *testing.T, text string, opt Options) []string {
	t.Helper()
	f, err := Open(strings.NewReader(text), Leads, opt)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for l, err := range f.Leads() {
		if err != nil {
			got = append(got, err.Error())
			continue
		}
		got = append(got, fmt.Sprintf("%s@%d %s", l.ExternalID, l.Line, l.Name))
	}
	return got
}

func TestFileRecovers(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"an unbalanced quote swallows no good row",
			"id,name,notes\nL1,\"Acme,x\nL2,Good,y\nL3,Fine,z\n",
			[]string{`line 2: malformed CSV: extraneous or missing " in quoted-field (check the quotes on this line)`, "L2@3 Good", "L3@4 Fine"}},
		{"an unbalanced quote closed by a later one",
			"id,name,notes\nL1,\"Acme,x\nL2,Good,y\nL3,\"Fine\",z\n",
			[]string{`line 2: malformed CSV: extraneous or missing " in quoted-field (check the quotes on this line)`, "L2@3 Good", "L3@4 Fine"}},
		{"a quoted line break is still one record",
			"id,name,notes\r\nL1,Ann,\"two\r\nlines\"\r\nL2,Bob,x\r\n",
			[]string{"L1@2 Ann", "L2@4 Bob"}},
		{"CR line ends", "id,name,notes\rL1,Ann,x\rL2,Bob,\"a\rb\"\rL3,Cy,z\r",
			[]string{"L1@2 Ann", "L2@3 Bob", "L3@5 Cy"}},
		{"year 9999", "id,name,created_at\nL1,Ann,9999-12-31\nL2,Bob,2024-03-05\n",
			[]string{"line 2: created_at: date 9999-12-31 is not plausible (before 1970 or more than a year from now): check the column, or leave it empty when the date is unknown", "L2@3 Bob"}},
		{"a NUL", "id,name\nL1,A\x00n\nL2,Bob\n", []string{`line 2: column "name" contains a NUL character (\u0000), which leadbot cannot store: remove it`, "L2@3 Bob"}},
		{"an id past what PostgreSQL indexes", "id,name\n" + strings.Repeat("7", MaxKeyBytes+1) + ",Ann\nL2,Bob\n",
			[]string{"line 2: id is 1025 bytes long; an id, an email or a company may have at most 1 KiB", "L2@3 Bob"}},
		{"a value past the bound", "id,name\nL1," + strings.Repeat("a", MaxFieldBytes+1) + "\nL2,Bob\n",
			[]string{`line 2: column "name" is 262145 bytes long; leadbot takes at most 256 KiB in one field: shorten it or leave it out`, "L2@3 Bob"}},
		{"a quote never closed in a long file", "id,name\nL1,\"Ann\n" + strings.Repeat("L0,filler line of some length\n", MaxRecordBytes/30+10000) + "L9,End\n",
			nil}, // checked below: bounded, and reading goes on
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := leads(t, tc.text, Options{Now: now})
			if tc.want == nil {
				if len(got) < 2 || !strings.Contains(got[0], "line 2: this record runs past 4 MiB") || got[len(got)-1] != fmt.Sprintf("L9@%d End", strings.Count(tc.text, "\n")) {
					t.Fatalf("got %d rows, first %q, last %q", len(got), got[0], got[len(got)-1])
				}
				return
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// A header leadbot cannot keep is refused before any row, with the line, the column and what
// to do, and its bytes escaped: a Latin-1 header used to reach PostgreSQL as "pq: invalid byte
// sequence", a binary file's error printed its control bytes.
func TestFileRefusesHeaders(t *testing.T) {
	many := strings.TrimSuffix(strings.Repeat("c,", MaxColumns+1), ",")
	attrs := "id," + strings.TrimSuffix(strings.Repeat("a,", MaxAttributes+1), ",")
	for i := range MaxAttributes + 1 {
		attrs = strings.Replace(attrs, "a,", fmt.Sprintf("x%d;", i), 1)
	}
	attrs = strings.ReplaceAll(attrs, ";", ",")
	for _, tc := range []struct{ name, text, want string }{
		{"Latin-1", "id,Pr\xe9nom,Soci\xe9t\xe9\nL1,Ren\xe9,Acme\n", `line 1, column 2: the header "Pr\xe9nom" is not UTF-8: the file is probably Latin-1 or Windows-1252; save it as UTF-8`},
		{"binary", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\nxl/workbook.xml\n", `line 1, column 1: the header "PK\x03\x04\x14\x00\x06\x00\b\x00\x00\x00!\x00" holds control bytes: this is not a CSV file`},
		{"too many columns", many + "\n", "line 1: the header has 1025 columns; leadbot reads at most 1024"},
		{"too many attributes", attrs + "\n", "line 1: the file has 1001 attribute columns; a lead may have at most 1000"},
		{"a name past the bound", "id," + strings.Repeat("n", MaxNameBytes+1) + "\n", "is 1025 bytes long; an attribute's name may have at most 1 KiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(strings.NewReader(tc.text), Leads, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant it to contain %s", err, tc.want)
			}
			if strings.ContainsFunc(err.Error(), isControl) {
				t.Errorf("the error holds control bytes: %q", err.Error())
			}
		})
	}
}

func TestSniffCR(t *testing.T) {
	for in, want := range map[string]Dialect{
		"a,b\rc,d\r":    {Comma: ',', CR: true},
		"a,b\r\nc,d":    {Comma: ',', CRLF: true},
		"a;\"b\rc\"\nx": {Comma: ';'},
	} {
		d, err := Sniff(bufio.NewReader(strings.NewReader(in)))
		if err != nil || d != want {
			t.Errorf("Sniff(%q) = %+v, %v; want %+v", in, d, err, want)
		}
	}
}
