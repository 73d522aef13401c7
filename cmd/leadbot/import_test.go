package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/leadbot/leadbot/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// cli runs leadbot against a fresh test database.
type cli struct {
	t   *testing.T
	db  *sqlx.DB
	env map[string]string
	dir string
}

func newCLI(t *testing.T) *cli {
	db := pgtest.NewDB(t)
	return &cli{t: t, db: db, dir: t.TempDir(), env: map[string]string{"DATABASE_URL": pgtest.DSN(t), "LOG_FORMAT": "text", "LOG_LEVEL": "warn"}}
}

func (c *cli) write(name, content string) string {
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		c.t.Fatal(err)
	}
	return p
}

func (c *cli) run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, func(k string) string { return c.env[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

func (c *cli) mustRun(wantOut string, args ...string) {
	c.t.Helper()
	code, out, errs := c.run(args...)
	if code != 0 || !strings.Contains(out, wantOut) {
		c.t.Fatalf("leadbot %s: exit %d\nstdout: %s\nstderr: %s\nwant stdout to contain %q", strings.Join(args, " "), code, out, errs, wantOut)
	}
}

func (c *cli) count(q string) int {
	var n int
	if err := c.db.Get(&n, q); err != nil {
		c.t.Fatal(err)
	}
	return n
}

const cliReps = "email,name,manager_email\nboss@example.com,Boss,\nann@example.com,Ann,boss@example.com\n"

func TestImportCommandRealExport(t *testing.T) {
	c := newCLI(t)
	reps := c.write("reps.csv", cliReps)
	// What Excel on a German desktop saves: BOM, semicolons, CRLF, a note over two lines.
	leads := c.write("leads.csv", "\uFEFFid;name;company;owner_email;created_at;Notes\r\n"+
		"L1;Jane;Acme;ANN@example.com;05.03.2024;\"called twice;\r\nwants a demo\"\r\n"+
		"L2;John;Globex;;5 Mar 2024;N/A\r\n"+
		"L3;Kim;Initech;boss@example.com;2024-03-05T10:00:00Z;\r\n")
	c.mustRun("imported 2 reps (2 new, 0 updated, 0 unchanged, 0 rejected)", "import", "reps", reps)
	c.mustRun("imported 3 leads (3 new, 0 updated, 0 unchanged, 0 rejected)", "import", "leads", leads)
	c.mustRun("imported 3 leads (0 new, 0 updated, 3 unchanged, 0 rejected)", "import", "leads", leads)
	var notes string
	c.db.Get(&notes, `SELECT attributes->>'Notes' FROM leads WHERE external_id = 'L1'`)
	if notes != "called twice;\nwants a demo" {
		t.Errorf("notes = %q", notes)
	}
	if n := c.count(`SELECT count(*) FROM leads WHERE created_at::date = '2024-03-05'`); n != 3 {
		t.Errorf("%d leads created on 2024-03-05, want 3", n)
	}
}

func TestImportCommandBadRows(t *testing.T) {
	c := newCLI(t)
	c.mustRun("imported 2 reps", "import", "reps", c.write("reps.csv", cliReps))
	var b strings.Builder
	b.WriteString("id,name,owner_email\n")
	for i := 1; i <= 30; i++ {
		owner := "ann@example.com"
		if i > 5 {
			owner = fmt.Sprintf("ghost%d@example.com", i)
		}
		fmt.Fprintf(&b, "L%d,\"Lead\n%d\",%s\n", i, i, owner)
	}
	leads := c.write("leads.csv", b.String())

	code, out, errs := c.run("import", "leads", leads)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if len(lines) != 22 || lines[0] != `leads.csv:12: unknown owner "ghost6@example.com" (not among the reps: import reps first, or leave it empty for unassigned)` ||
		lines[20] != "… and 5 more" || !strings.Contains(lines[21], "fix these rows, or rerun with --skip-bad") {
		t.Fatalf("stderr:\n%s", errs)
	}
	if n := c.count(`SELECT count(*) FROM leads`); n != 0 {
		t.Fatalf("%d leads written from a file with bad rows", n)
	}

	c.mustRun("imported 5 leads (5 new, 0 updated, 0 unchanged, 25 rejected)", "import", "leads", "--skip-bad", leads)
	f, err := os.Open(filepath.Join(c.dir, "leads.rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 26 || strings.Join(recs[0], ",") != "id,name,owner_email,line,reason" ||
		strings.Join(recs[1][:4], "|") != "L6|Lead\n6|ghost6@example.com|12" || !strings.HasPrefix(recs[1][4], "unknown owner") {
		t.Fatalf("rejects file: %d records, first %q %q", len(recs), recs[0], recs[1])
	}
	if n := c.count(`SELECT count(*) FROM leads`); n != 5 {
		t.Fatalf("%d leads after --skip-bad, want 5", n)
	}
}

func TestImportCommandDryRun(t *testing.T) {
	c := newCLI(t)
	reps := c.write("reps.csv", cliReps)
	c.mustRun("dry run: would import 2 reps (2 new, 0 updated, 0 unchanged, 0 rejected)", "import", "reps", "--dry-run", reps)
	if n := c.count(`SELECT count(*) FROM reps`); n != 0 {
		t.Fatalf("a dry run wrote %d reps", n)
	}
	code, _, errs := c.run("import", "leads", "--dry-run", c.write("l.csv", "id,owner_email\nL1,ann@example.com\n"))
	if code != 1 || !strings.Contains(errs, "l.csv:2: unknown owner") {
		t.Fatalf("a dry run reports bad rows: exit %d, %s", code, errs)
	}
}

func TestImportCommandMappings(t *testing.T) {
	c := newCLI(t)
	c.mustRun("imported 2 reps", "import", "reps", c.write("reps.csv", cliReps))
	// Salesforce through LEADBOT_CONFIG.
	c.env["LEADBOT_CONFIG"] = c.write("leadbot.yaml", `
import:
  columns:
    leads:
      id: Lead ID
      name: First Name + Last Name
      owner_email: Lead Owner Email
      created_at: Created Date
      source: Lead Source
      status: Lead Status
`)
	sf := c.write("salesforce.csv", "Lead ID,First Name,Last Name,Company,Email,Lead Owner Email,Created Date,Lead Source,Lead Status,Industry\n"+
		"00Q1,Jane,Roe,Acme,jane@acme.com,ann@example.com,3/5/2024 9:15 AM,Web,Open - Not Contacted,Retail\n"+
		"00Q2,John,,Globex,,,3/6/2024 10:00 AM,Partner,Closed - Converted,\n")
	c.mustRun("imported 2 leads (2 new", "import", "leads", sf)
	var name, status, source string
	c.db.QueryRow(`SELECT name, status, source FROM leads WHERE external_id = '00Q2'`).Scan(&name, &status, &source)
	if name != "John" || status != "closed" || source != "Partner" {
		t.Errorf("00Q2: %q %q %q", name, status, source)
	}
	delete(c.env, "LEADBOT_CONFIG")

	// HubSpot through -mapping and -map.
	mapping := c.write("hubspot.yaml", "leads:\n  id: Record ID\n  company: Company Name\n  owner_email: HubSpot Owner Email\nreps:\n  email: nope\n")
	hs := c.write("hubspot.csv", "Record ID,First Name,Last Name,Company Name,Email,HubSpot Owner Email,Create Date,Annual Revenue\n"+
		"901,Kim,Li,Initech,kim@initech.com,boss@example.com,2024-03-05 10:00,1000000\n")
	c.mustRun("imported 1 leads (1 new", "import", "leads", "--mapping", mapping, "--map", "name=First Name+Last Name,created_at=Create Date", hs)
	var attrs string
	c.db.QueryRow(`SELECT name || ' ' || company || ' ' || attributes::text FROM leads WHERE external_id = '901'`).Scan(&attrs)
	if attrs != `Kim Li Initech {"Annual Revenue": "1000000"}` {
		t.Errorf("901: %s", attrs)
	}
	code, _, errs := c.run("import", "leads", "--mapping", mapping, "--map", "name=Full Name", hs)
	if code != 1 || !strings.Contains(errs, `no column "Full Name"`) {
		t.Errorf("a mapping to a missing column: exit %d, %s", code, errs)
	}
}
