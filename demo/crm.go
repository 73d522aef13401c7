package demo

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/leadbot/leadbot/crmsync/salesforce/sffake"
)

// CRMField is where the demo's CRM keeps one of the demo's attributes: Name as the model knows
// it, Field the Lead field's API name.
type CRMField struct {
	Name, Field string
	def         sffake.FieldDef
}

// CRMFields are the demo's attributes as Lead fields: standard ones where Salesforce has them,
// custom ones (…__c) where it does not. The sync keeps each under its Name.
var CRMFields = []CRMField{
	{"Industry", "Industry", sffake.FieldDef{}},
	{"Company size", "Company_Size__c", sffake.FieldDef{Name: "Company_Size__c", Type: "picklist", Length: 255, Updateable: true}},
	{"Job title", "Title", sffake.FieldDef{}},
	{"Website visits", "Website_Visits__c", sffake.FieldDef{Name: "Website_Visits__c", Type: "double", Updateable: true}},
	{"Time on website (s)", "Time_On_Website__c", sffake.FieldDef{Name: "Time_On_Website__c", Type: "double", Updateable: true}},
	{"Pricing page views", "Pricing_Page_Views__c", sffake.FieldDef{Name: "Pricing_Page_Views__c", Type: "double", Updateable: true}},
	{"Opened last email", "Opened_Last_Email__c", sffake.FieldDef{Name: "Opened_Last_Email__c", Type: "picklist", Length: 255, Updateable: true}},
	{"Country", "Country", sffake.FieldDef{}},
}

// CRM is the demo's Salesforce: a fake org on loopback (sffake) that follows the wall clock,
// has the demo's attributes as Lead fields and the team as users, and takes new leads drawn as
// the demo's are. Its connected app's credentials are ConsumerKey, Username and PrivateKey.
type CRM struct {
	Org         *sffake.Server
	ConsumerKey string
	Username    string
	PrivateKey  string // PEM (PKCS #8), as SALESFORCE_PRIVATE_KEY holds it

	mu    sync.Mutex
	s     *seeder           // draws the leads; guarded by mu
	users map[string]string // email → user id
	names map[string]string // email → name
	seq   int
	base  string // the run's id prefix: a restarted org never reuses a lead's id
}

// CRMUser is a user of the demo's org: a rep who owns its leads.
type CRMUser struct{ Email, Name string }

// StartCRM starts the demo's org with users (the reps who own its leads); fields are more Lead
// fields to create (leadbot's write-back). Close stops it.
func StartCRM(users []CRMUser, fields ...sffake.FieldDef) (*CRM, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	c := &CRM{ConsumerKey: "3MVG9demo.leadbot", Username: "leadbot@demo.leadbot.dev",
		PrivateKey: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		users:      map[string]string{}, names: map[string]string{}, base: strconv.FormatInt(time.Now().Unix(), 36)}
	now := time.Now()
	c.Org = sffake.Start(sffake.Options{ConsumerKey: c.ConsumerKey, Username: c.Username, PublicKey: &key.PublicKey,
		Start: now, Now: time.Now, DailyMax: 100000})
	for _, f := range CRMFields {
		if f.def.Name != "" {
			c.Org.AddFields("Lead", f.def)
		}
	}
	c.Org.AddFields("Lead", fields...)
	for _, u := range users {
		name := u.Name
		if name == "" {
			name = u.Email
		}
		c.users[strings.ToLower(u.Email)] = c.Org.Put("User", sffake.Record{"Email": u.Email, "Name": name, "IsActive": true})
		c.names[strings.ToLower(u.Email)] = name
	}
	seed := uint64(now.UnixNano())
	c.s = &seeder{rng: mrand.New(mrand.NewPCG(seed, 0xc0ffee)), now: now}
	c.s.newAccounts(600)
	return c, nil
}

// Close stops the org.
func (c *CRM) Close() { c.Org.Close() }

// CRMLead is a lead the demo's CRM created.
type CRMLead struct {
	ID, Name, Company, Owner string
}

// AddLead creates a lead owned by the user with email ownerEmail, drawn as the demo's leads are;
// a hot one has what the demo's buyers have (a referral, a VP or a CEO at a mid-sized software or
// finance company, many visits and pricing page views).
func (c *CRM) AddLead(ownerEmail string, hot bool) (CRMLead, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	owner, ok := c.users[strings.ToLower(ownerEmail)]
	if !ok {
		return CRMLead{}, fmt.Errorf("%s is not a user of the demo's CRM", ownerEmail)
	}
	s := c.s
	a := s.accounts[s.rng.IntN(len(s.accounts))]
	f := s.drawFields()
	if hot {
		b := *a
		b.industry, b.size = []string{"Software", "Finance"}[s.rng.IntN(2)], "201-500"
		a = &b
		f.source, f.title = 1, s.rng.IntN(2) // Referral; CEO or VP Sales
		f.visits, f.pricing, f.opened = 6+s.rng.IntN(6), 3+s.rng.IntN(3), true
		f.onSite = f.visits * (120 + s.rng.IntN(120))
	}
	name, email := s.drawContact(a)
	first, last, _ := strings.Cut(name, " ")
	c.seq++
	id := fmt.Sprintf("00Q%s%0*dAAA", c.base, 12-len(c.base), c.seq) // 18 characters, unique across restarts
	r := sffake.Record{"Id": id, "FirstName": first, "LastName": last, "Company": a.name, "Email": email,
		"OwnerId": owner, "Status": "Open - Not Contacted", "LeadSource": sources[f.source]}
	for k, v := range f.attributes(a) {
		for _, cf := range CRMFields {
			if cf.Name == k {
				r[cf.Field] = v
			}
		}
	}
	for k, v := range r {
		if n, ok := v.(int); ok {
			r[k] = float64(n) // JSON numbers, as the API returns them
		}
	}
	c.Org.Put("Lead", r)
	return CRMLead{ID: id, Name: name, Company: a.name, Owner: c.names[strings.ToLower(ownerEmail)]}, nil
}
