package salesforce_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"

	"github.com/leadbot/leadbot/crmsync/salesforce"
	"github.com/leadbot/leadbot/crmsync/salesforce/sffake"
)

type budget struct{ used, max, takes int }

func (b *budget) Take(context.Context) error               { b.takes++; return nil }
func (b *budget) Observe(_ context.Context, used, max int) { b.used, b.max = used, max }

// TestAuthFlows signs in with each flow and reports a refusal with what to fix.
func TestAuthFlows(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	org := sffake.Start(sffake.Options{ConsumerKey: "ck", ConsumerSecret: "cs", Username: "bot@x.io", PublicKey: &key.PublicKey})
	defer org.Close()
	for _, tc := range []struct {
		name string
		auth salesforce.Auth
		want string // "" is success; else in the error
	}{
		{"jwt", salesforce.Auth{ConsumerKey: "ck", Username: "bot@x.io", PrivateKey: key}, ""},
		{"client credentials", salesforce.Auth{ConsumerKey: "ck", ConsumerSecret: "cs"}, ""},
		{"wrong key", salesforce.Auth{ConsumerKey: "ck", Username: "bot@x.io", PrivateKey: other}, "does not match the certificate"},
		{"unapproved user", salesforce.Auth{ConsumerKey: "ck", Username: "eve@x.io", PrivateKey: key}, "pre-authorize"},
		{"wrong secret", salesforce.Auth{ConsumerKey: "ck", ConsumerSecret: "nope"}, "consumer key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.auth.LoginURL = org.URL
			b := &budget{}
			c := salesforce.New(salesforce.Config{Auth: tc.auth, Budget: b})
			_, _, err := c.Limits(context.Background())
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			case tc.want == "" && (b.max != 15000 || b.used < 1 || b.takes != 1):
				t.Fatalf("Sforce-Limit-Info read as %d/%d after %d takes, want n/15000 after 1", b.used, b.max, b.takes)
			}
		})
	}
}

// TestQueryPagesAndErrors follows nextRecordsUrl with the batch size asked, and turns API errors
// into *APIError with Salesforce's code.
func TestQueryPagesAndErrors(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	org := sffake.Start(sffake.Options{ConsumerKey: "ck", Username: "u", PublicKey: &key.PublicKey})
	defer org.Close()
	for range 450 {
		org.Put("Lead", sffake.Record{"LastName": "x"})
	}
	c := salesforce.New(salesforce.Config{Auth: salesforce.Auth{LoginURL: org.URL, ConsumerKey: "ck", Username: "u", PrivateKey: key}})
	var sizes []int
	err := c.Query(context.Background(), "SELECT Id FROM Lead ORDER BY SystemModstamp, Id", salesforce.QueryOptions{BatchSize: 200},
		func(rs []salesforce.Record) error { sizes = append(sizes, len(rs)); return nil })
	if err != nil || len(sizes) != 3 || sizes[2] != 50 {
		t.Fatalf("pages %v, %v; want 200, 200, 50", sizes, err)
	}
	err = c.Query(context.Background(), "SELECT Nope FROM Lead", salesforce.QueryOptions{}, func([]salesforce.Record) error { return nil })
	var ae *salesforce.APIError
	if !errors.As(err, &ae) || ae.Code != "INVALID_FIELD" || ae.Status != 400 {
		t.Fatalf("bad field: %v, want INVALID_FIELD", err)
	}
	if _, err := c.Update(context.Background(), "Lead", make([]salesforce.Record, 201)); err == nil {
		t.Fatal("201 records in one collection must be refused before the call")
	}
}

func TestRecordString(t *testing.T) {
	r := salesforce.Record{"A": nil, "B": 12.0, "C": true, "Owner": map[string]any{"Email": "a@b.c"}}
	for f, want := range map[string]string{"A": "", "B": "12", "C": "true", "Owner.Email": "a@b.c", "Owner.Name": "", "Missing.X": ""} {
		if got := r.String(f); got != want {
			t.Errorf("String(%s) = %q, want %q", f, got, want)
		}
	}
}
