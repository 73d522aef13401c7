package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/leadbot/leadbot/crm"
	"github.com/leadbot/leadbot/store"
)

// maxShown is how many bad rows are printed before "… and N more".
const maxShown = 20

func runImport(ctx context.Context, a *app, args []string) error {
	job, err := parseImport(a, args)
	if err != nil {
		return err
	}
	start := time.Now()
	f, err := os.Open(job.path)
	if err != nil {
		return err
	}
	defer f.Close()
	file, err := a.readExport(f, job)
	if err != nil {
		return err
	}
	st, err := a.openStore(ctx, true)
	if err != nil {
		return err
	}
	sopt := store.ImportOptions{Columns: file.Columns, SkipBad: job.skipBad, DryRun: job.dryRun}
	res, err := a.importRows(ctx, st, job.kind, file, sopt)
	if err != nil {
		return err
	}
	return a.report(job.path, job.kind, file.Dialect, res, sopt, time.Since(start))
}

// importJob is one `leadbot import`: what to read, how to read it, and how to write it.
type importJob struct {
	kind            crm.Kind
	path            string
	opt             crm.Options
	skipBad, dryRun bool
}

// importFlags are import's flags as given, before they are checked.
type importFlags struct {
	mapping, mappingFile, dateOrder, tz, missing *string
	skipBad, dryRun                              *bool
}

// newImportFlags declares import's flags. The help is the user's guide to CRM exports (columns,
// dialects, the order to import in), so it is kept whole, apart from the parsing.
func newImportFlags(a *app) (*flag.FlagSet, importFlags) {
	fs := a.newFlags("import", "import leads|outcomes|reps [flags] FILE.csv", `
Imports a CRM export (CSV) into leadbot, upserting by external id (leads), lead id (outcomes) or
email (reps): importing the same file twice changes nothing.

The delimiter (, ; or tab), a UTF-8 byte-order mark and CRLF line ends are detected. Columns are
matched by name, case-insensitively:
  leads     id (or external_id), name, company, email, owner_email, created_at, source, status;
            every other column becomes a lead attribute (kept as text)
  outcomes  lead_id (the lead's external id), outcome (won, lost, converted, disqualified),
            occurred_at, amount
  reps      email, name, manager_email, slack_user_id, timezone, delivery_hour (0-23),
            leads_per_day (1-20)
Rename columns with -map, -mapping or import.columns in LEADBOT_CONFIG. Import reps first, then
leads (owners must be reps), then outcomes (leads must exist).

By default a file with a bad row writes nothing; -skip-bad imports the good rows and writes the
bad ones to FILE.rejects.csv (original columns plus line and reason).`)
	return fs, importFlags{
		mapping:     fs.String("map", "", "rename columns: `field=Header,...`, e.g. id=Lead ID,name=First Name + Last Name"),
		mappingFile: fs.String("mapping", "", "YAML `file` of column renames (field: Header), optionally per kind (leads: {field: Header})"),
		dateOrder:   fs.String("date-order", "mdy", "how to read 03/05/2024: `mdy` (US, Salesforce) or dmy"),
		tz:          fs.String("tz", "UTC", "time `zone` of dates written without one"),
		missing:     fs.String("missing", "", "comma-separated `tokens` meaning no value (default from config: \"\", NA, N/A, null, Select)"),
		skipBad:     fs.Bool("skip-bad", false, "import the good rows and write the bad ones to FILE.rejects.csv"),
		dryRun:      fs.Bool("dry-run", false, "check the file against the database and count, but write nothing"),
	}
}

// parseImport reads the command line into a job. A missing or unknown kind is a usage error,
// reported here; a bad flag value is a plain error naming the flag.
func parseImport(a *app, args []string) (importJob, error) {
	fs, flags := newImportFlags(a)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return importJob{}, err
	}
	if len(pos) != 2 {
		fmt.Fprintln(a.stderr, "leadbot import: want a kind and a file: leadbot import leads|outcomes|reps FILE.csv")
		return importJob{}, errUsage
	}
	kind, err := crm.ParseKind(pos[0])
	if err != nil {
		fmt.Fprintln(a.stderr, "leadbot import:", err)
		return importJob{}, errUsage
	}
	opt, err := a.readOptions(kind, flags)
	return importJob{kind: kind, path: pos[1], opt: opt, skipBad: *flags.skipBad, dryRun: *flags.dryRun}, err
}

// readOptions turns the flags into how the file is read. Column renames merge three sources,
// later ones winning: import.columns in LEADBOT_CONFIG, the -mapping file, then -map.
func (a *app) readOptions(kind crm.Kind, flags importFlags) (crm.Options, error) {
	opt := crm.Options{Missing: a.cfg.File.Import.Missing, Formats: a.cfg.File.Import.DateFormats, Now: time.Now()}
	var err error
	if opt.DateOrder, err = crm.ParseDateOrder(*flags.dateOrder); err != nil {
		return opt, err
	}
	if opt.Location, err = time.LoadLocation(*flags.tz); err != nil {
		return opt, fmt.Errorf("-tz: %w", err)
	}
	if *flags.missing != "" {
		opt.Missing = strings.Split(*flags.missing, ",")
	}
	fileMap, err := readMapping(*flags.mappingFile, kind)
	if err != nil {
		return opt, err
	}
	flagMap, err := crm.ParseMapping(*flags.mapping)
	if err != nil {
		return opt, err
	}
	opt.Mapping = crm.MergeMappings(a.cfg.File.Import.Columns[string(kind)], fileMap, flagMap)
	return opt, nil
}

// readExport reads the export's header and says how it was understood, before the database is
// opened: a file that cannot be read never starts the embedded PostgreSQL.
func (a *app) readExport(r io.Reader, job importJob) (*crm.File, error) {
	file, err := crm.Open(r, job.kind, job.opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", job.path, err)
	}
	a.log.Info("reading CRM export", "file", job.path, "kind", job.kind, "dialect", file.Dialect.String(),
		"fields", strings.Join(file.Columns.Present(), ","), "attributes", len(file.Columns.Attributes))
	if len(file.Columns.Ignored) > 0 {
		a.log.Warn("columns ignored", "columns", strings.Join(file.Columns.Ignored, ", "))
	}
	return file, nil
}

// importRows streams the file's rows of kind into the store, showing progress meanwhile.
func (a *app) importRows(ctx context.Context, st *store.Store, kind crm.Kind, file *crm.File, sopt store.ImportOptions) (store.ImportResult, error) {
	stop := a.progress(string(kind), file.Rows)
	defer stop()
	switch kind {
	case crm.Leads:
		return st.ImportLeads(ctx, file.Leads(), sopt)
	case crm.Outcomes:
		return st.ImportOutcomes(ctx, file.Outcomes(), sopt)
	case crm.Reps:
		return st.ImportReps(ctx, file.Reps(), sopt)
	}
	return store.ImportResult{}, fmt.Errorf("import: unknown kind %q", kind)
}

// report prints the bad rows, writes the rejects file, and prints the summary line.
func (a *app) report(path string, kind crm.Kind, d crm.Dialect, res store.ImportResult, opt store.ImportOptions, took time.Duration) error {
	for i, e := range res.Rejects {
		if i == maxShown {
			fmt.Fprintf(a.stderr, "… and %s more\n", thousands(len(res.Rejects)-maxShown))
			break
		}
		fmt.Fprintf(a.stderr, "%s:%d: %s\n", filepath.Base(path), e.Line, e.Reason)
	}
	if len(res.Rejects) > 0 && !opt.SkipBad {
		return fmt.Errorf("%s bad rows in %s, nothing was written: fix these rows, or rerun with --skip-bad to import the %s good ones and write the bad ones to %s",
			thousands(len(res.Rejects)), path, thousands(res.Good), rejectsPath(path))
	}
	if len(res.Rejects) > 0 && !opt.DryRun {
		rp := rejectsPath(path)
		if err := writeRejects(path, rp, d, res.Rejects); err != nil {
			return fmt.Errorf("the good rows were imported, but writing the bad ones failed: %w", err)
		}
		fmt.Fprintf(a.stderr, "wrote the %s bad rows to %s: fix them there, delete its line and reason columns, and import it\n",
			thousands(len(res.Rejects)), rp)
	}
	verb := "imported"
	if opt.DryRun {
		verb = "dry run: would import"
	}
	fmt.Fprintf(a.stdout, "%s %s %s (%s new, %s updated, %s unchanged, %s rejected) in %.1f s\n",
		verb, thousands(res.Imported()), kind, thousands(res.New), thousands(res.Updated),
		thousands(res.Unchanged), thousands(len(res.Rejects)), took.Seconds())
	return nil
}

// parseInterleaved parses flags that come before, between and after the positional arguments
// (leadbot import leads --skip-bad FILE and leadbot import leads FILE --skip-bad both work).
func parseInterleaved(fs interface {
	Parse([]string) error
	Args() []string
}, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

// readMapping reads a -mapping file: either field: Header, or per kind (leads: {field: Header}).
func readMapping(path string, kind crm.Kind) (crm.Mapping, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("-mapping %s: %w", path, err)
	}
	m := crm.Mapping{}
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			m[k] = v
		case map[string]any:
			if k != string(kind) {
				continue
			}
			for field, h := range v {
				s, ok := h.(string)
				if !ok {
					return nil, fmt.Errorf("-mapping %s: %s.%s: want a column header, got %v", path, k, field, h)
				}
				m[field] = s
			}
		default:
			return nil, fmt.Errorf("-mapping %s: %s: want a column header or a map per kind, got %v", path, k, v)
		}
	}
	return m, nil
}

// rejectsPath is FILE.rejects.csv beside FILE.csv.
func rejectsPath(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".rejects.csv"
}

// thousands writes n with comma separators: 9,240.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// progress shows how the import goes until stop is called: a line redrawn on stderr when it is
// a terminal, a log line every 10 s otherwise (a pipe or a log collector wants no \r).
func (a *app) progress(what string, rows func() int64) (stop func()) {
	f, ok := a.stderr.(*os.File)
	tty := ok && isTerminal(f)
	every := 10 * time.Second
	if tty {
		every = 250 * time.Millisecond
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-done:
				if tty {
					fmt.Fprint(a.stderr, "\r\033[K")
				}
				return
			case <-t.C:
				n := rows()
				rate := int(float64(n) / time.Since(start).Seconds())
				if tty {
					fmt.Fprintf(a.stderr, "\r\033[Kimporting %s: %s rows read (%s rows/s)", what, thousands(int(n)), thousands(rate))
				} else {
					a.log.Info("import progress", "kind", what, "rows", n, "rows_per_s", rate)
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func newBufReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 64<<10) }
