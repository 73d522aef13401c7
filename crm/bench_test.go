package crm

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkLeads reads a 100,000-row export with 20 attribute columns: the cost of the reader's
// recovery tape and bounds on a file that needs neither.
func BenchmarkLeads(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("id,name,company,email,created_at")
	for i := range 20 {
		fmt.Fprintf(&sb, ",attr_%d", i)
	}
	sb.WriteString("\n")
	for r := range 100_000 {
		fmt.Fprintf(&sb, "L%d,Name %d,Company %d,l%d@example.com,2024-03-%02d", r, r, r%977, r, r%28+1)
		for i := range 20 {
			fmt.Fprintf(&sb, ",%d", (r*31+i*7)%1000)
		}
		sb.WriteString("\n")
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		f, err := Open(strings.NewReader(text), Leads, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, err := range f.Leads() {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 100_000 {
			b.Fatalf("%d rows", n)
		}
	}
}
