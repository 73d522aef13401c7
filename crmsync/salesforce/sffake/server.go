package sffake

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Options configure a fake org.
type Options struct {
	ConsumerKey    string         // the connected app's consumer key
	ConsumerSecret string         // for client credentials ("" refuses that flow)
	Username       string         // the pre-authorized integration user (JWT bearer)
	PublicKey      *rsa.PublicKey // the certificate's key the JWT assertion is verified with
	DailyMax       int            // the org's daily API allowance (0: 15,000)
	Start          time.Time      // the org's clock (zero: 2026-01-01 UTC)
	// Now, when set, is a wall clock the org's timestamps follow (a demo org); otherwise they
	// move a second a write from Start, which keeps tests and benchmarks reproducible.
	Now func() time.Time
}

// Server is a running fake org.
type Server struct {
	*httptest.Server
	opt Options
	org *org

	calls      atomic.Int64    // API calls answered (token requests excluded)
	tokens     atomic.Int64    // tokens issued
	used       int             // against DailyMax; guarded by org.mu
	sessions   map[string]bool // the valid access tokens; guarded by org.mu
	faults     []fault
	recFails   map[string]string // record id → "CODE: message" for the next update
	locators   map[string]*locator
	seqLoc     int
	updates    int
	lastUpdate []map[string]any
	byEndpoint map[string]int
}

type fault struct {
	status     int
	code       string
	retryAfter int
}

type locator struct {
	records []Record
	fields  []string
	object  string
	batch   int
	all     bool
}

// Start starts a fake org on loopback; Close stops it.
func Start(opt Options) *Server {
	if opt.DailyMax == 0 {
		opt.DailyMax = 15000
	}
	if opt.Start.IsZero() {
		opt.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	s := &Server{opt: opt, org: newOrg(opt.Start, opt.Now), recFails: map[string]string{}, locators: map[string]*locator{}, sessions: map[string]bool{}, byEndpoint: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /services/oauth2/token", s.token)
	mux.HandleFunc("/services/data/{version}/{rest...}", s.api)
	mux.Handle("GET /{$}", s.LeadsPage()) // the org's Lead list, for a person watching
	s.Server = httptest.NewServer(mux)
	return s
}

// Calls is how many API calls the fake answered (token requests are not API calls).
func (s *Server) Calls() int64 { return s.calls.Load() }

// Tokens is how many access tokens the fake issued.
func (s *Server) Tokens() int64 { return s.tokens.Load() }

// Put creates (no Id) or updates a record and returns its Id; its SystemModstamp moves on.
func (s *Server) Put(object string, r Record) string {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	return s.org.put(object, r)
}

// Get returns a copy of a record.
func (s *Server) Get(object, id string) (Record, bool) {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	r, ok := s.org.objects[object][id]
	if !ok {
		return nil, false
	}
	out := Record{}
	for k, v := range r {
		out[k] = v
	}
	return out, true
}

// Delete moves a record to the recycle bin (IsDeleted); master, when set, is the record it was
// merged into (MasterRecordId).
func (s *Server) Delete(object, id, master string) {
	r := Record{"Id": id, "IsDeleted": true}
	if master != "" {
		r["MasterRecordId"] = master
	}
	s.Put(object, r)
}

// AddFields adds custom fields to an object's describe (an admin creating them).
func (s *Server) AddFields(object string, fs ...FieldDef) {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	s.org.fields[object] = append(s.org.fields[object], fs...)
}

// Fail makes the next API call answer status with errorCode (and Retry-After seconds when > 0).
func (s *Server) Fail(status int, code string, retryAfter int) {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	s.faults = append(s.faults, fault{status, code, retryAfter})
}

// FailRecord makes the next update of record id fail with statusCode.
func (s *Server) FailRecord(id, statusCode string) {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	s.recFails[id] = statusCode
}

// ExpireSession invalidates every access token issued: the next call answers 401
// INVALID_SESSION_ID, as after a session timeout or a revoked token.
func (s *Server) ExpireSession() {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	clear(s.sessions)
}

// SetUsage sets the org's API usage today (other integrations' calls count too).
func (s *Server) SetUsage(used int) {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	s.used = used
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, []map[string]any{{"errorCode": code, "message": msg}})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	refuse := func(code, desc string) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
	}
	switch r.PostForm.Get("grant_type") {
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		if msg := s.verifyJWT(r.PostForm.Get("assertion")); msg != "" {
			refuse("invalid_grant", msg)
			return
		}
	case "client_credentials":
		if s.opt.ConsumerSecret == "" || r.PostForm.Get("client_id") != s.opt.ConsumerKey || r.PostForm.Get("client_secret") != s.opt.ConsumerSecret {
			refuse("invalid_client", "invalid client credentials")
			return
		}
	default:
		refuse("unsupported_grant_type", "grant type not supported")
		return
	}
	n := s.tokens.Add(1)
	tok := fmt.Sprintf("00Dfake!token%d", n)
	s.org.mu.Lock()
	s.sessions[tok] = true
	s.org.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token": tok, "instance_url": s.URL, "id": s.URL + "/id/00Dfake/005fake", "token_type": "Bearer",
		"issued_at": strconv.FormatInt(time.Now().UnixMilli(), 10), "scope": "api",
	})
}

// verifyJWT checks an assertion as Salesforce does: RS256 with the connected app's certificate,
// iss the consumer key, sub an approved user, aud the login URL, exp in the future.
func (s *Server) verifyJWT(a string) string {
	parts := strings.Split(a, ".")
	if len(parts) != 3 {
		return "invalid assertion"
	}
	enc := base64.RawURLEncoding
	sig, err := enc.DecodeString(parts[2])
	if err != nil || s.opt.PublicKey == nil {
		return "invalid assertion"
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(s.opt.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return "invalid assertion: JWT signature does not match"
	}
	body, _ := enc.DecodeString(parts[1])
	var c struct {
		Iss, Sub, Aud string
		Exp           int64
	}
	if json.Unmarshal(body, &c) != nil {
		return "invalid assertion"
	}
	switch {
	case c.Iss != s.opt.ConsumerKey:
		return "invalid_client_id: client identifier invalid"
	case c.Aud != s.URL:
		return "audience is invalid"
	case c.Exp < time.Now().Unix():
		return "expired authorization code"
	case c.Sub != s.opt.Username:
		return "user hasn't approved this consumer"
	}
	return ""
}
