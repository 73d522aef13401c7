package sandbox

import (
	"fmt"
	"time"
)

// verificationToken is the deprecated token Slack still puts in payloads.
const verificationToken = "sandbox-verification-token"

// userRef is the user object of interaction payloads.
func (w *Workspace) userRef(u *User) obj {
	return obj{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": w.cfg.TeamID}
}

func (w *Workspace) teamRef() obj {
	return obj{"id": w.cfg.TeamID, "domain": w.cfg.TeamName}
}

// channelName is what Slack calls a conversation in payloads.
func channelName(c *Channel) string {
	if c.IsIM {
		return "directmessage"
	}
	return c.Name
}

// actionTS is an action_ts / event_ts in ts format.
func actionTS() string {
	now := time.Now().UnixMicro()
	return fmt.Sprintf("%d.%06d", now/1e6, now%1e6)
}

// slashPayload builds a slash_commands payload: every value a string,
// including is_enterprise_install (older slack-go fails without it).
func (w *Workspace) slashPayload(u *User, c *Channel, command, text, responseURL, trigger string) obj {
	return obj{
		"token": verificationToken, "team_id": w.cfg.TeamID, "team_domain": w.cfg.TeamName,
		"channel_id": c.ID, "channel_name": channelName(c), "user_id": u.ID, "user_name": u.Name,
		"command": command, "text": text, "api_app_id": w.appID, "is_enterprise_install": "false",
		"response_url": responseURL, "trigger_id": trigger,
	}
}

// eventCallback wraps an inner event in the full event_callback envelope
// payload; slack-go only dispatches typed events from this shape.
func (w *Workspace) eventCallback(inner obj) obj {
	w.nextID['E']++
	return obj{
		"token": verificationToken, "team_id": w.cfg.TeamID, "api_app_id": w.appID,
		"event": inner, "type": "event_callback",
		"event_id":   fmt.Sprintf("Ev%08X", w.nextID['E']),
		"event_time": time.Now().Unix(),
		"authorizations": []obj{{"enterprise_id": nil, "team_id": w.cfg.TeamID, "user_id": w.botUserID,
			"is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false,
		"event_context":         "4-" + randHex(16),
	}
}

// interactionBase is what every interactive payload carries.
func (w *Workspace) interactionBase(typ string, u *User) obj {
	return obj{"type": typ, "user": w.userRef(u), "api_app_id": w.appID, "token": verificationToken,
		"team": w.teamRef(), "enterprise": nil, "is_enterprise_install": false}
}
