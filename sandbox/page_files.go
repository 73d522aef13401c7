package sandbox

import (
	"bytes"
	"image"
	_ "image/gif" // image sizes for the page
	_ "image/jpeg"
	_ "image/png"
	"mime"
	"net/http"
	"slices"
	"strconv"
)

// The files shared into conversations, as the page shows them (Slack's own client shows an
// image inline under its title, any other file as a download).

// pageFile is a shared file as the sandbox page shows it: images inline, as Slack does, the
// others as a link. URL serves the bytes (apiPageFile).
type pageFile struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Title    string `json:"title"`
	Mimetype string `json:"mimetype"`
	Size     int    `json:"size"`
	URL      string `json:"url"`
	// Width and Height of an image (as Slack's original_w and original_h), so the page keeps its
	// room before it loads and the conversation does not jump.
	Width  int `json:"original_w,omitempty"`
	Height int `json:"original_h,omitempty"`
}

// pageFilesLocked returns the files shared into channel, by the message that shared them.
// Caller holds mu.
func (w *Workspace) pageFilesLocked(channel string) map[string][]pageFile {
	out := map[string][]pageFile{}
	for _, f := range w.files().files {
		if f.Completed && f.Channel == channel && f.MessageTS != "" {
			pf := pageFile{ID: f.ID, Name: f.Name, Title: f.Title, Mimetype: f.Mimetype, Size: len(f.Data), URL: "/sandbox/api/files/" + f.ID}
			if inlineTypes[f.Mimetype] {
				if c, _, err := image.DecodeConfig(bytes.NewReader(f.Data)); err == nil {
					pf.Width, pf.Height = c.Width, c.Height
				}
			}
			out[f.MessageTS] = append(out[f.MessageTS], pf)
		}
	}
	return out
}

// inlineTypes are the file types the page shows inline; every other file is downloaded, never
// rendered, so a file the bot uploads cannot run in the page's origin.
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// apiPageFile serves a shared file's bytes to the page.
func (w *Workspace) apiPageFile(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	f := w.files().byID[r.PathValue("id")]
	var data []byte
	var name, mt string
	if f != nil && f.Completed && f.Channel != "" {
		data, name, mt = slices.Clone(f.Data), f.Name, f.Mimetype
	}
	w.mu.Unlock()
	if data == nil {
		http.NotFound(rw, r)
		return
	}
	pageSecurityHeaders(rw.Header())
	if inlineTypes[mt] {
		rw.Header().Set("Content-Type", mt)
	} else {
		rw.Header().Set("Content-Type", "application/octet-stream")
		rw.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	}
	rw.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = rw.Write(data)
}
