package crm

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Dialect
	}{
		{"comma", "id,name,company\n1,a,b\n", Dialect{Comma: ','}},
		{"semicolon with BOM and CRLF", "\uFEFFid;name;company\r\n1;a;b\r\n", Dialect{Comma: ';', BOM: true, CRLF: true}},
		{"tab", "id\tname\tnote\n1\ta\tb,c,d\n", Dialect{Comma: '\t'}},
		{"quoted commas do not count", "\"a,b,c,d\";x;y\n", Dialect{Comma: ';'}},
		{"quoted newline in header", "\"multi\nline\";b;c\r\n", Dialect{Comma: ';', CRLF: true}},
		{"one column", "id\n1\n", Dialect{Comma: ','}},
		{"semicolon data with decimal commas", "id;amount;note\n1;1,5;a,b\n", Dialect{Comma: ';'}},
		{"empty", "", Dialect{Comma: ','}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Sniff(bufio.NewReader(strings.NewReader(tc.in)))
			if err != nil || got != tc.want {
				t.Errorf("Sniff = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, tc := range []struct {
		in    string
		order DateOrder
		want  time.Time
	}{
		{"2024-03-05", MDY, utc(2024, 3, 5, 0, 0)},
		{"2024-03-05T10:00:00Z", MDY, utc(2024, 3, 5, 10, 0)},
		{"2024-03-05T12:00:00+02:00", MDY, utc(2024, 3, 5, 10, 0)},
		{"2024-03-05T10:00:00.123Z", MDY, utc(2024, 3, 5, 10, 0).Add(123 * time.Millisecond)},
		{"2024-03-05 10:00:00", MDY, utc(2024, 3, 5, 10, 0)},
		{"2024-03-05 10:00", MDY, utc(2024, 3, 5, 10, 0)},
		{"2024-03-05T10:00:00-05:00", MDY, utc(2024, 3, 5, 15, 0)},
		{"2024-03-05T10:00:00+0100", MDY, utc(2024, 3, 5, 9, 0)},
		{"2024-03-05 10:00:00.5", MDY, utc(2024, 3, 5, 10, 0).Add(500 * time.Millisecond)},
		{"2024-02-29", MDY, utc(2024, 2, 29, 0, 0)},
		{"2024-03-05 10:00:00 UTC", MDY, utc(2024, 3, 5, 10, 0)},
		{"2024/03/05", MDY, utc(2024, 3, 5, 0, 0)},
		{"03/05/2024", MDY, utc(2024, 3, 5, 0, 0)},
		{"3/5/2024", MDY, utc(2024, 3, 5, 0, 0)},
		{"3/5/2024 2:30 PM", MDY, utc(2024, 3, 5, 14, 30)},
		{"03/05/2024 14:30", MDY, utc(2024, 3, 5, 14, 30)},
		{"3/5/24", MDY, utc(2024, 3, 5, 0, 0)},
		{"03/05/2024", DMY, utc(2024, 5, 3, 0, 0)},
		{"25/12/2024", DMY, utc(2024, 12, 25, 0, 0)},
		{"05.03.2024", MDY, utc(2024, 3, 5, 0, 0)}, // dotted dates are day-first everywhere
		{"5.3.2024 10:00", MDY, utc(2024, 3, 5, 10, 0)},
		{"5 Mar 2024", MDY, utc(2024, 3, 5, 0, 0)},
		{"05 March 2024", MDY, utc(2024, 3, 5, 0, 0)},
		{"Mar 5, 2024", MDY, utc(2024, 3, 5, 0, 0)},
		{"March 5, 2024", MDY, utc(2024, 3, 5, 0, 0)},
		{"5-Mar-2024", MDY, utc(2024, 3, 5, 0, 0)},
		{"5 mar 2024", MDY, utc(2024, 3, 5, 0, 0)},
		{"Tue, 05 Mar 2024 10:00:00 +0000", MDY, utc(2024, 3, 5, 10, 0)},
		{"1709632800", MDY, utc(2024, 3, 5, 10, 0)},
		{"1709632800000", MDY, utc(2024, 3, 5, 10, 0)},
		{"20240305", MDY, utc(2024, 3, 5, 0, 0)},
	} {
		p := DateParser{Order: tc.order}
		got, err := p.Parse(tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("Parse(%q, %v) = %v, %v; want %v", tc.in, tc.order, got, err, tc.want)
		}
	}
	p := DateParser{Location: berlin}
	if got, _ := p.Parse("2024-03-05 10:00"); !got.Equal(utc(2024, 3, 5, 9, 0)) {
		t.Errorf("a zone-less time is read in the given location: %v", got)
	}
	for _, bad := range []string{"25/12/2024", "2024-13-01", "yesterday", "12345", "31.02.2024", "03/05", "2023-02-29", "2024-03-05T25:00", "2024-03-05X"} {
		if got, err := (&DateParser{}).Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", bad, got)
		}
	}
	if _, err := (&DateParser{}).Parse("25/12/2024"); err == nil || !strings.Contains(err.Error(), "--date-order dmy") {
		t.Errorf("an impossible m/d/y date hints at --date-order: %v", err)
	}
	if got, err := (&DateParser{Extra: []string{"2006.01.02 at 15h04"}}).Parse("2024.03.05 at 10h00"); err != nil || !got.Equal(utc(2024, 3, 5, 10, 0)) {
		t.Errorf("extra layout: %v %v", got, err)
	}
}

func TestParseNumber(t *testing.T) {
	for in, want := range map[string]string{
		"1234.5": "1234.5", "$1,234.50": "1234.5", "1.234,50 €": "1234.5", "EUR 1 234,50": "1234.5",
		"(120.00)": "-120", "-7": "-7", "12,5": "12.5", "1,234": "1234", "1.234.567": "1234567",
		"1'234.50": "1234.5", "0": "0",
	} {
		if got, err := ParseNumber(in); err != nil || got != want {
			t.Errorf("ParseNumber(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"lots", "1.2.3,4,5", "--1", "1e400", "123456789012345678"} {
		if got, err := ParseNumber(bad); err == nil {
			t.Errorf("ParseNumber(%q) = %q, want an error", bad, got)
		}
	}
}

func TestResolve(t *testing.T) {
	header := []string{"Lead ID", "First Name", "Last Name", "Company", "Email", "Lead Owner Email", "Created Date", "Industry"}
	m, err := ParseMapping("id=Lead ID, name=First Name + Last Name, owner_email=lead owner email,created_at=Created Date")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Resolve(Leads, header, m)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Present(), ","); got != "id,name,company,email,owner_email,created_at" {
		t.Errorf("present = %s", got)
	}
	if got := strings.Join(c.AttributeNames(), ","); got != "Industry" {
		t.Errorf("attributes = %s", got)
	}
	for _, tc := range []struct {
		header []string
		m      Mapping
		want   string
	}{
		{[]string{"name"}, nil, "no id column"},
		{[]string{"id", "ID"}, nil, "twice"},
		{[]string{"id"}, Mapping{"name": "Full Name"}, `no column "Full Name"`},
		{[]string{"id"}, Mapping{"nmae": "id"}, `no field "nmae"`},
	} {
		if _, err := Resolve(Leads, tc.header, tc.m); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Resolve(%v, %v) = %v; want %q", tc.header, tc.m, err, tc.want)
		}
	}
}

// A real-looking export: BOM, semicolons, CRLF, a quoted field over two lines, missing tokens.
func TestFileLineNumbers(t *testing.T) {
	in := "\uFEFFID;Name;Notes;Owner_Email\r\n" +
		"L1;Ann;\"first line\r\nsecond; line\";\r\n" +
		"L2;Bob;N/A;Select\r\n" +
		"L3;Cy\r\n" +
		"L4;\"Di \"\"the\"\" Boss\";plain;null\r\n"
	f, err := Open(strings.NewReader(in), Leads, Options{Missing: []string{"NA", "N/A", "null", "Select"}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Dialect != (Dialect{Comma: ';', BOM: true, CRLF: true}) {
		t.Errorf("dialect %v", f.Dialect)
	}
	var got []string
	for l, err := range f.Leads() {
		if err != nil {
			got = append(got, err.Error())
			continue
		}
		got = append(got, l.ExternalID+"@"+string(rune('0'+l.Line))+" "+l.Name+" "+l.Attributes+" owner="+l.OwnerEmail)
	}
	want := []string{
		`L1@2 Ann {"Notes":"first line\nsecond; line"} owner=`,
		`L2@4 Bob {} owner=`,
		`line 5: has 2 columns, the header has 4`,
		`L4@6 Di "the" Boss {"Notes":"plain"} owner=`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if f.Rows() != 4 {
		t.Errorf("Rows() = %d", f.Rows())
	}
}

func TestParseHour(t *testing.T) {
	for in, want := range map[string]int{"": -1, "0": 0, "9": 9, "09": 9, "9:00": 9, "09:00": 9, "23": 23,
		"9am": 9, "9 AM": 9, "12 AM": 0, "12pm": 12, "2 PM": 14, "11:00 pm": 23} {
		if got, bad := parseHour(in); bad != "" || got != want {
			t.Errorf("parseHour(%q) = %d, %q; want %d", in, got, bad, want)
		}
	}
	for _, in := range []string{"24", "-1", "9:30", "13 PM", "0am", "nine", "9.5"} {
		if _, bad := parseHour(in); bad == "" {
			t.Errorf("parseHour(%q) accepted", in)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"plain": `"plain"`, `a"b\c`: `"a\"b\\c"`, "tab\there\n": `"tab\there\n"`, "\x01": `"\u0001"`,
		"héllo ✓": `"héllo ✓"`, "bad\xffbyte": `"bad\ufffdbyte"`,
	} {
		if got := string(AppendJSONString(nil, in)); got != want {
			t.Errorf("AppendJSONString(%q) = %s, want %s", in, got, want)
		}
	}
}
