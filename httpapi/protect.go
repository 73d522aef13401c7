package httpapi

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
)

// RequireToken serves h only to requests that carry "Authorization: Bearer <token>", compared
// as the webhook API compares it; the others get 401, or 503 with disabled (the sentence that
// says how to turn it on) when token is empty, for then nothing could be authorised.
func RequireToken(token, disabled string, h http.Handler) http.Handler {
	a := &api{Deps: Deps{Token: token}, tokenSum: sha256.Sum256([]byte(token))}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token == "" {
			writeJSON(w, fail(http.StatusServiceUnavailable, disabled))
			return
		}
		if resp, ok := a.authorize(r); !ok {
			writeJSON(w, resp)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// writeJSON writes resp as route does, without the log line and the metric.
func writeJSON(w http.ResponseWriter, resp response) {
	for k, v := range resp.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(resp.status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // "<LEADBOT_API_TOKEN>" stays readable
	enc.Encode(resp.body)
}
