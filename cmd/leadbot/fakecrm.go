package main

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/config"
	"github.com/leadbot/leadbot/crmsync"
	"github.com/leadbot/leadbot/crmsync/salesforce/sffake"
	"github.com/leadbot/leadbot/demo"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/sandbox"
)

// fakeCRMSchedule is how often the sync runs against the fake CRM: a newcomer watches it.
const fakeCRMSchedule = "* * * * *"

// startFakeCRM, with -fake-crm, starts the demo's Salesforce org on loopback with a user for
// each rep, shows its Lead list at /crm/, and points the Salesforce sync at it (every minute,
// with the write-back on), as if its credentials had been configured. It runs after the sandbox
// is prepared (the reps exist) and before the scheduler (which schedules crm_sync from the
// configuration).
func (s *server) startFakeCRM() error {
	if !s.opt.fakeCRM {
		return nil
	}
	c := s.a.cfg.File.CRM
	switch {
	case s.sb == nil:
		return errors.New("-fake-crm runs with the sandbox workspace: unset SLACK_BOT_TOKEN and SLACK_APP_TOKEN, or drop -fake-crm")
	case c.Salesforce.Enabled() || c.HubSpot.Enabled():
		return errors.New("-fake-crm replaces the CRM you configured (SALESFORCE_CONSUMER_KEY or HUBSPOT_TOKEN): unset it, or drop -fake-crm")
	}
	reps, err := s.st.Reps(s.ctx)
	if err != nil {
		return err
	}
	var users []demo.CRMUser
	for _, r := range reps {
		if !r.IsManager {
			users = append(users, demo.CRMUser{Email: r.Email, Name: r.Name})
		}
	}
	fc, err := demo.StartCRM(users, writeBackDefs(crmsync.DefaultWriteBackFields())...)
	if err != nil {
		return fmt.Errorf("fake CRM: %w", err)
	}
	s.fakeCRM = fc
	s.started("fake CRM", func() error { fc.Close(); return nil }, "url", fc.Org.URL)
	s.mux.Handle("/crm/", fc.Org.LeadsPage())
	s.a.cfg.File.CRM = fakeCRMConfig(c, fc)
	s.a.log.Info("fake CRM: a local Salesforce org that leadbot syncs with every minute; add leads from the sandbox page", "leads", s.base+"/crm/")
	return nil
}

// fakeCRMConfig is c with the Salesforce sync pointed at the fake org: its credentials, the
// demo's attributes under the names the demo's model knows, the write-back on, every minute.
func fakeCRMConfig(c config.CRMConfig, fc *demo.CRM) config.CRMConfig {
	sf := &c.Salesforce
	sf.LoginURL, sf.ConsumerKey, sf.Username, sf.PrivateKey = fc.Org.URL, fc.ConsumerKey, fc.Username, fc.PrivateKey
	sf.Attributes = nil
	for _, f := range demo.CRMFields {
		sf.Attributes = append(sf.Attributes, config.Attribute{Name: f.Name, Field: f.Field})
	}
	sf.WriteBack = config.WriteBackConfig{Enabled: true}
	c.Schedule = fakeCRMSchedule
	return c
}

// writeBackDefs are the write-back's fields as an admin would create them in the org.
func writeBackDefs(w crmsync.WriteBackFields) []sffake.FieldDef {
	var out []sffake.FieldDef
	for _, s := range w.Specs() {
		d := sffake.FieldDef{Name: s.Name, Type: "string", Length: s.Length, Updateable: true}
		switch {
		case strings.HasPrefix(s.Type, "Number"):
			d.Type, d.Length = "double", 0
		case strings.HasPrefix(s.Type, "Date"):
			d.Type = "datetime"
		}
		out = append(out, d)
	}
	return out
}

// fakeCRMControls are the sandbox page's buttons for the fake CRM: add a hot lead in it, and
// sync now rather than at the next minute.
func fakeCRMControls(s *server) []sandbox.Control {
	var (
		mu   sync.Mutex
		run  func(context.Context) (crmRun, error)
		next int // the owner to try first: hot leads go round the reps
	)
	return []sandbox.Control{
		{Label: "Add a hot lead in the CRM", Help: "Creates a lead in the fake Salesforce org (its list: /crm/) that the model should call hot. The next sync (every minute, or the button below) brings it in, scores it and DMs its owner “hot now”.",
			Run: func(ctx context.Context) (string, error) {
				if err := s.waitReady(ctx); err != nil {
					return "", err
				}
				reps, err := s.st.Reps(ctx)
				if err != nil {
					return "", err
				}
				mu.Lock()
				owner, awake := pickAwake(reps, next, s.a.hotNowOptions(), time.Now())
				next++
				mu.Unlock()
				if owner == nil {
					return "", errors.New("the CRM has no reps to own a lead: import reps first")
				}
				l, err := s.fakeCRM.AddLead(owner.Email, true)
				if err != nil {
					return "", err
				}
				msg := fmt.Sprintf("Created %s at %s in the CRM (%s), owned by %s. See it at %s/crm/; the next sync brings it in within a minute, or press “Sync with the CRM now”.",
					l.Name, l.Company, l.ID, l.Owner, s.base)
				if !awake {
					msg += fmt.Sprintf(" It is night for every rep (crm.hot_now quiet hours), so no “hot now” DM goes out until %d:00 their time; tomorrow's digest carries it.", s.a.cfg.File.CRM.HotNow.QuietUntil)
				}
				return msg, nil
			}},
		{Label: "Sync with the CRM now", Help: "Runs the crm_sync job now, under its lock: pulls what changed in the fake org, scores it, sends “hot now” DMs and writes scores back to the CRM.",
			Run: func(ctx context.Context) (string, error) {
				if err := s.waitReady(ctx); err != nil {
					return "", err
				}
				mu.Lock()
				if run == nil {
					var err error
					if run, err = s.a.crmSyncRun(s.st, s.rt, nil); err != nil {
						mu.Unlock()
						return "", err
					}
				}
				r := run
				mu.Unlock()
				var res crmRun
				ran, err := s.sched.RunNow(ctx, "crm_sync", func(ctx context.Context) (any, error) {
					var err error
					res, err = r(ctx)
					return res, err
				})
				if !ran && err == nil {
					return "", errors.New("a sync is running right now (the scheduled one holds its lock): try again in a few seconds")
				}
				return crmRunSummary(res), err
			}},
	}
}

// pickAwake returns the first rep from index next on (round the list) who is not in the hot
// now quiet hours, and true; when every rep is, the first one and false.
func pickAwake(reps []leadbot.Rep, next int, opt handlers.HotNowOptions, now time.Time) (*leadbot.Rep, bool) {
	var owners []leadbot.Rep
	for _, r := range reps {
		if !r.IsManager {
			owners = append(owners, r)
		}
	}
	if len(owners) == 0 {
		return nil, false
	}
	for i := range owners {
		r := owners[(next+i)%len(owners)]
		loc, err := time.LoadLocation(r.Timezone)
		if err != nil {
			loc = time.UTC
		}
		if !opt.QuietAt(now.In(loc)) {
			return &r, true
		}
	}
	return &owners[next%len(owners)], false
}

// crmRunSummary says what a sync run did, in one line.
func crmRunSummary(r crmRun) string {
	st := r.Sync["salesforce"]
	msg := fmt.Sprintf("Synced: %d %s pulled (%d new, %d updated, %d unchanged), %d scored, %d written back to the CRM",
		st.Pulled, plural(st.Pulled, "record", "records"), st.New, st.Updated, st.Unchanged, r.Scored, st.Written)
	h := r.HotNow
	msg += fmt.Sprintf("; %d “hot now” %s sent", h.Sent, plural(h.Sent, "DM", "DMs"))
	var more []string
	for _, x := range []struct {
		n    int
		what string
	}{{h.Quiet, "held for the rep's quiet hours"}, {h.Capped, "over the day's cap or already sent"}, {h.HeldOut, "in the holdout"},
		{h.Unmatched, "owner not in Slack"}, {h.Failed, "failed"}} {
		if x.n > 0 {
			more = append(more, fmt.Sprintf("%d %s", x.n, x.what))
		}
	}
	if len(more) > 0 {
		msg += " (" + strings.Join(more, ", ") + ")"
	}
	if n := len(st.Rejects); n > 0 {
		msg += fmt.Sprintf("; %d rejected, first: %s %s", n, st.Rejects[0].ID, st.Rejects[0].Reason)
	}
	return msg + "."
}

// standaloneCRM is `leadbot sandbox -fake-crm`'s org: the demo's CRM with the sandbox's users
// as its users, and the files a leadbot in another process needs to sync with it (the key, a
// LEADBOT_CONFIG, the users as a reps file), in a directory removed on Close.
type standaloneCRM struct {
	crm    *demo.CRM
	dir    string
	owners []string // the users who are not managers: the leads' owners

	mu   sync.Mutex
	next int
}

func startStandaloneCRM(users userFlags) (*standaloneCRM, error) {
	var owners []string
	var crmUsers []demo.CRMUser
	for _, u := range users {
		if !u.IsManager {
			owners = append(owners, u.Email)
			crmUsers = append(crmUsers, demo.CRMUser{Email: u.Email, Name: cmp.Or(u.RealName, u.Name)})
		}
	}
	if len(owners) == 0 {
		return nil, errors.New("-fake-crm: every -user is a manager; add a rep to own the CRM's leads")
	}
	dir, err := os.MkdirTemp("", "leadbot-fake-crm-")
	if err != nil {
		return nil, err
	}
	c, err := demo.StartCRM(crmUsers, writeBackDefs(crmsync.DefaultWriteBackFields())...)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("fake CRM: %w", err)
	}
	return &standaloneCRM{crm: c, dir: dir, owners: owners}, nil
}

// Close stops the org and removes its files.
func (f *standaloneCRM) Close() {
	f.crm.Close()
	os.RemoveAll(f.dir)
}

// controls is the sandbox page's button that adds a lead in the org (none without an org).
func (f *standaloneCRM) controls() []sandbox.Control {
	if f == nil {
		return nil
	}
	return []sandbox.Control{{Label: "Add a hot lead in the CRM",
		Help: "Creates a lead in the fake Salesforce org that a trained model should call hot; a leadbot syncing with it (every minute, as the printed LEADBOT_CONFIG says) brings it in.",
		Run: func(context.Context) (string, error) {
			f.mu.Lock()
			owner := f.owners[f.next%len(f.owners)]
			f.next++
			f.mu.Unlock()
			l, err := f.crm.AddLead(owner, true)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("Created %s at %s in the CRM (%s), owned by %s. The org's leads: %s/", l.Name, l.Company, l.ID, l.Owner, f.crm.Org.URL), nil
		}}}
}

// print writes the key, the configuration and the reps file, and prints the environment that
// points leadbot at the org, then comments (without "=", which `grep =` would pick) on what to
// run.
func (f *standaloneCRM) print(w io.Writer, users []sandbox.User) error {
	key, cfg, reps := filepath.Join(f.dir, "sf.key"), filepath.Join(f.dir, "leadbot.yaml"), filepath.Join(f.dir, "reps.csv")
	for _, file := range []struct {
		path, body string
	}{{key, f.crm.PrivateKey}, {cfg, fakeCRMYAML(f.crm.Org.URL)}, {reps, repsCSV(users)}} {
		if err := os.WriteFile(file.path, []byte(file.body), 0o600); err != nil {
			return fmt.Errorf("fake CRM: %w", err)
		}
	}
	fmt.Fprintf(w, "SALESFORCE_CONSUMER_KEY=%s\nSALESFORCE_USERNAME=%s\nSALESFORCE_PRIVATE_KEY_FILE=%s\nLEADBOT_CONFIG=%s\n",
		f.crm.ConsumerKey, f.crm.Username, key, cfg)
	fmt.Fprintf(w, "# fake Salesforce org at %s (its leads on that page)\n", f.crm.Org.URL)
	fmt.Fprintf(w, "# first make the users leadbot's reps: leadbot import reps %s\n", reps)
	return nil
}

// fakeCRMYAML is the LEADBOT_CONFIG of a leadbot syncing with the standalone org: what
// fakeCRMConfig sets in-process, as a file.
func fakeCRMYAML(loginURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# leadbot sandbox -fake-crm: sync with the fake Salesforce org every minute.\ncrm:\n  schedule: %q\n  salesforce:\n    login_url: %s\n    attributes:\n", fakeCRMSchedule, loginURL)
	for _, a := range demo.CRMFields {
		fmt.Fprintf(&b, "      %q: %s\n", a.Name, a.Field)
	}
	b.WriteString("    write_back: {enabled: true}\n")
	return b.String()
}

// repsCSV is the users as a reps file for `leadbot import reps`, each rep under the first manager.
func repsCSV(users []sandbox.User) string {
	manager := ""
	for _, u := range users {
		if u.IsManager {
			manager = u.Email
			break
		}
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"email", "name", "manager_email", "slack_user_id", "timezone"})
	for _, u := range users {
		m := manager
		if u.IsManager {
			m = ""
		}
		_ = w.Write([]string{u.Email, cmp.Or(u.RealName, u.Name), m, u.ID, u.TZ})
	}
	w.Flush()
	return b.String()
}
