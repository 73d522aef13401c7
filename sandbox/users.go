package sandbox

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // users.info needs zone offsets even where the OS has no zoneinfo
)

// tzLabels spells out the zone names Slack shows; Go only knows abbreviations.
var tzLabels = map[string]string{
	"PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time",
	"MST": "Mountain Standard Time", "MDT": "Mountain Daylight Time",
	"CST": "Central Standard Time", "CDT": "Central Daylight Time",
	"EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time",
	"GMT": "Greenwich Mean Time", "BST": "British Summer Time", "UTC": "Coordinated Universal Time",
	"CET": "Central European Time", "CEST": "Central European Summer Time",
	"IST": "India Standard Time", "JST": "Japan Standard Time",
	"AEST": "Australian Eastern Standard Time", "AEDT": "Australian Eastern Daylight Time",
}

// tzInfo returns Slack's tz_label and tz_offset (seconds) for a zone now.
func tzInfo(zone string) (label string, offset int) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return "Coordinated Universal Time", 0
	}
	abbr, off := time.Now().In(loc).Zone()
	if l, ok := tzLabels[abbr]; ok {
		return l, off
	}
	return abbr, off
}

// userJSON renders a user exactly in users.info's shape.
func (w *Workspace) userJSON(u *User) obj {
	label, off := tzInfo(u.TZ)
	first, last, _ := strings.Cut(u.RealName, " ")
	profile := obj{
		"real_name": u.RealName, "real_name_normalized": u.RealName,
		"display_name": u.Name, "display_name_normalized": u.Name,
		"first_name": first, "last_name": last,
		"email": u.Email, "title": u.Title, "team": w.cfg.TeamID,
		"image_24": "", "image_48": "", "image_72": "",
	}
	o := obj{
		"id": u.ID, "team_id": w.cfg.TeamID, "name": u.Name, "deleted": u.Deleted,
		"color": "9f69e7", "real_name": u.RealName,
		"tz": u.TZ, "tz_label": label, "tz_offset": off,
		"profile": profile, "is_admin": u.IsAdmin, "is_owner": false, "is_primary_owner": false,
		"is_restricted": false, "is_ultra_restricted": false, "is_bot": u.IsBot, "is_app_user": false,
		"updated": time.Now().Unix(), "is_email_confirmed": u.Email != "", "locale": "en-US",
	}
	if u.IsBot {
		profile["bot_id"] = w.botID
		profile["api_app_id"] = w.appID
	}
	return o
}

func (w *Workspace) apiUsersInfo(a *apiReq) (obj, *apiError) {
	u := w.usersByID[a.str("user")]
	if u == nil {
		return nil, fail("user_not_found")
	}
	return obj{"user": w.userJSON(u)}, nil
}

func (w *Workspace) apiLookupByEmail(a *apiReq) (obj, *apiError) {
	email := strings.ToLower(a.str("email"))
	for _, u := range w.users {
		if email != "" && strings.ToLower(u.Email) == email && !u.Deleted {
			return obj{"user": w.userJSON(u)}, nil
		}
	}
	return nil, fail("users_not_found")
}

// apiUsersList pages with an opaque cursor, as Slack does (limit ≤ 1000).
func (w *Workspace) apiUsersList(a *apiReq) (obj, *apiError) {
	limit, _ := strconv.Atoi(a.str("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	start := 0
	if c := a.str("cursor"); c != "" {
		b, err := base64.StdEncoding.DecodeString(c)
		if err != nil || !strings.HasPrefix(string(b), "user:") {
			return nil, fail("invalid_cursor")
		}
		start, _ = strconv.Atoi(strings.TrimPrefix(string(b), "user:"))
	}
	members := []obj{}
	end := min(start+limit, len(w.users))
	for _, u := range w.users[min(start, end):end] {
		members = append(members, w.userJSON(u))
	}
	next := ""
	if end < len(w.users) {
		next = base64.StdEncoding.EncodeToString([]byte("user:" + strconv.Itoa(end)))
	}
	return obj{"members": members, "cache_ts": time.Now().Unix(), "response_metadata": obj{"next_cursor": next}}, nil
}

// channelJSON renders a conversation object.
func (w *Workspace) channelJSON(c *Channel) obj {
	o := obj{"id": c.ID, "created": time.Now().Unix(), "is_archived": c.Archived, "is_im": c.IsIM,
		"is_channel": !c.IsIM, "is_private": false, "is_member": c.BotMember, "is_org_shared": false}
	if c.IsIM {
		o["user"] = c.User
		o["is_open"] = true
	} else {
		o["name"] = c.Name
		o["name_normalized"] = c.Name
		o["num_members"] = len(c.Members)
	}
	return o
}

func (w *Workspace) apiConversationsOpen(a *apiReq) (obj, *apiError) {
	if ch := a.str("channel"); ch != "" {
		c := w.channels[ch]
		if c == nil {
			return nil, fail("channel_not_found")
		}
		return obj{"channel": w.channelJSON(c), "no_op": true, "already_open": true}, nil
	}
	ids := strings.Split(a.str("users"), ",")
	if a.str("users") == "" {
		return nil, fail("users_list_not_supplied")
	}
	if len(ids) > 1 {
		// Group DMs are not modelled.
		return nil, fail("not_supported")
	}
	u := w.usersByID[strings.TrimSpace(ids[0])]
	if u == nil || u.IsBot {
		return nil, fail("user_not_found")
	}
	if u.Deleted {
		return nil, fail("user_disabled")
	}
	c := w.channels[u.DM]
	if a.boolean("return_im") {
		return obj{"channel": w.channelJSON(c)}, nil
	}
	return obj{"channel": obj{"id": c.ID}}, nil
}

func (w *Workspace) apiConversationsInfo(a *apiReq) (obj, *apiError) {
	c := w.resolveChannel(a.str("channel"))
	if c == nil {
		return nil, fail("channel_not_found")
	}
	return obj{"channel": w.channelJSON(c)}, nil
}
