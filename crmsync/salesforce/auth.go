package salesforce

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Auth says how the client gets its access token: the OAuth 2.0 JWT bearer flow of a connected
// app (ConsumerKey, Username, PrivateKey) or, as the alternative, the client-credentials flow
// (ConsumerKey, ConsumerSecret; LoginURL must then be the org's My Domain).
type Auth struct {
	LoginURL       string // https://login.salesforce.com, https://test.salesforce.com or a My Domain
	ConsumerKey    string
	Username       string          // JWT bearer: the integration user
	PrivateKey     *rsa.PrivateKey // JWT bearer: the key whose certificate the connected app holds
	ConsumerSecret string          // client credentials
}

// ParsePrivateKey reads an RSA private key in PEM (PKCS #1 or PKCS #8).
func ParsePrivateKey(pemText string) (*rsa.PrivateKey, error) {
	b, _ := pem.Decode([]byte(pemText))
	if b == nil {
		return nil, errors.New("not a PEM private key (it should start with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)")
	}
	if k, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse the private key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("the private key is not an RSA key (Salesforce's JWT flow signs with RS256)")
	}
	return rk, nil
}

// token is the token endpoint's answer.
type token struct {
	AccessToken string `json:"access_token"`
	InstanceURL string `json:"instance_url"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// assertion builds the JWT bearer assertion: RS256 over {iss, sub, aud, exp}. Twenty lines of
// crypto/rsa rather than a JWT library: the flow signs one fixed claim set and parses nothing.
func (a Auth) assertion(now time.Time) (string, error) {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, err := json.Marshal(map[string]any{
		"iss": a.ConsumerKey, "sub": a.Username, "aud": strings.TrimSuffix(a.LoginURL, "/"),
		"exp": now.Add(3 * time.Minute).Unix(),
	})
	if err != nil {
		return "", err
	}
	signing := header + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, a.PrivateKey, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signing + "." + enc.EncodeToString(sig), nil
}

// fetchToken asks the token endpoint for an access token.
func (c *Client) fetchToken(ctx context.Context) (token, error) {
	form := url.Values{}
	a := c.auth
	if a.PrivateKey != nil {
		assertion, err := a.assertion(c.now())
		if err != nil {
			return token{}, err
		}
		form.Set("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")
		form.Set("assertion", assertion)
	} else {
		form.Set("grant_type", "client_credentials")
		form.Set("client_id", a.ConsumerKey)
		form.Set("client_secret", a.ConsumerSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(a.LoginURL, "/")+"/services/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return token{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return token{}, fmt.Errorf("salesforce token endpoint %s: %w", a.LoginURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var t token
	_ = json.Unmarshal(body, &t)
	if resp.StatusCode != http.StatusOK || t.AccessToken == "" {
		return t, &AuthError{Status: resp.StatusCode, Code: t.Error, Description: t.Description}
	}
	return t, nil
}

// AuthError is a refusal of the token endpoint, with what to fix.
type AuthError struct {
	Status            int
	Code, Description string
}

func (e *AuthError) Error() string {
	hint := "check crm.salesforce.login_url, the consumer key and the credentials"
	switch {
	case strings.Contains(e.Description, "not approved") || strings.Contains(e.Description, "user hasn't approved"):
		hint = "pre-authorize the integration user: connected app → Manage → Permitted Users: Admin approved users are pre-authorized, then add the user's profile or permission set"
	case e.Code == "invalid_client_id" || e.Code == "invalid_client":
		hint = "SALESFORCE_CONSUMER_KEY is not the connected app's consumer key (Setup → App Manager → the app → View → Consumer Key)"
	case strings.Contains(e.Description, "audience"):
		hint = "crm.salesforce.login_url must be https://login.salesforce.com (production) or https://test.salesforce.com (sandbox)"
	case strings.Contains(e.Description, "signature") || strings.Contains(e.Description, "JWT"):
		hint = "SALESFORCE_PRIVATE_KEY does not match the certificate uploaded to the connected app (Use digital signatures)"
	case strings.Contains(e.Description, "user"):
		hint = "SALESFORCE_USERNAME is not an active user of this org"
	}
	return fmt.Sprintf("salesforce refused the token request (HTTP %d %s: %s): %s", e.Status, e.Code, e.Description, hint)
}
