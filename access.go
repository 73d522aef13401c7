package leadbot

// The access rule, written once. A lead belongs to its owner; the owner's manager acts for the
// team. So the owner and the owner's manager may see a lead and judge it (👍 / 👎, snooze,
// Undo); anyone may see an unassigned lead, nobody judges one until the CRM assigns it.
//
// Queries that must filter by this rule call the SQL function may_judge (migrations/
// 0004_access.sql), which states the same rule over the same three ids; TestAccessRule runs
// one table of cases through both and checks that they agree.

// MayJudge reports whether the viewer may give feedback on a lead whose owner is ownerID
// (nil: unassigned) and whose owner's manager is ownerManagerID (nil: none).
func MayJudge(viewerID int64, ownerID, ownerManagerID *int64) bool {
	if ownerID == nil {
		return false
	}
	return *ownerID == viewerID || (ownerManagerID != nil && *ownerManagerID == viewerID)
}

// MaySee reports whether the viewer may see such a lead: whoever may judge it, and anyone while
// it is unassigned.
func MaySee(viewerID int64, ownerID, ownerManagerID *int64) bool {
	return ownerID == nil || MayJudge(viewerID, ownerID, ownerManagerID)
}

// CanJudge is MayJudge for a viewer, a lead and the lead's owner (nil when the lead is
// unassigned or its owner is unknown).
func CanJudge(viewer Rep, lead Lead, owner *Rep) bool {
	return MayJudge(viewer.ID, lead.OwnerID, managerOf(owner))
}

// CanSee is MaySee for a viewer, a lead and the lead's owner.
func CanSee(viewer Rep, lead Lead, owner *Rep) bool {
	return MaySee(viewer.ID, lead.OwnerID, managerOf(owner))
}

func managerOf(owner *Rep) *int64 {
	if owner == nil {
		return nil
	}
	return owner.ManagerID
}
