package scoring

import (
	"strings"
	"testing"
)

func TestFrameKeepsNumbersAndText(t *testing.T) {
	f := NewFrame([]string{"n", "s"})
	for _, r := range [][]string{{"1", "a"}, {"2.5", "NA"}, {"", "b"}, {"007", "a"}} {
		if err := f.AppendRow(r); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		row  int
		col  string
		want string
		ok   bool
	}{
		{0, "n", "1", true}, {1, "n", "2.5", true}, {2, "n", "", false}, {3, "n", "007", true},
		{1, "s", "", false}, {3, "s", "a", true}, {0, "nope", "", false},
	}
	for _, tt := range tests {
		got, ok := f.Value(tt.row, tt.col)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Value(%d,%q) = %q,%v; want %q,%v", tt.row, tt.col, got, ok, tt.want, tt.ok)
		}
	}
	if err := f.AppendRow([]string{"1"}); err == nil {
		t.Error("short row accepted")
	}
}

func TestAppendRecordAddsColumns(t *testing.T) {
	f := NewFrame(nil)
	f.AppendRecord(map[string]string{"a": "1"})
	f.AppendRecord(map[string]string{"b": "x"})
	if got := strings.Join(f.Columns(), ","); got != "a,b" {
		t.Fatalf("columns %q", got)
	}
	if _, ok := f.Value(0, "b"); ok {
		t.Error("backfilled value should be missing")
	}
	if v, _ := f.Value(1, "b"); v != "x" {
		t.Errorf("got %q", v)
	}
	// A selection grows independently of its parent.
	g := f.Select([]int{1})
	g.AppendRecord(map[string]string{"b": "new", "c": "z"})
	if len(f.Columns()) != 2 || f.Len() != 2 {
		t.Error("Select shares growth with its parent")
	}
}

func TestReadCSVDialects(t *testing.T) {
	tests := []struct{ name, in string }{
		{"comma", "a,b,y\n1,\"x, y\",yes\n2,z,no\n"},
		{"semicolon quoted", "\"a\";\"b\";\"y\"\n1;\"x, y\";\"yes\"\n2;\"z\";\"no\"\n"},
		{"tab with BOM", "\ufeffa\tb\ty\n1\tx, y\tyes\n2\tz\tno\n"},
		{"CRLF", "a,b,y\r\n1,\"x, y\",yes\r\n2,z,no\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ReadCSV(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(f.Columns(), "|"); got != "a|b|y" {
				t.Fatalf("columns %q", got)
			}
			if v, _ := f.Value(0, "b"); v != "x, y" {
				t.Errorf("quoted field = %q", v)
			}
			if f.Len() != 2 {
				t.Errorf("rows %d", f.Len())
			}
		})
	}
	if _, err := ReadCSV(strings.NewReader("a,b\n1,2,3\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("ragged row error = %v", err)
	}
	if _, err := ReadCSV(strings.NewReader("")); err == nil {
		t.Error("empty file accepted")
	}
}
