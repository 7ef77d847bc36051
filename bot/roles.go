package bot

// Role is what a person may do. Each role may do everything the roles
// below it may do.
type Role int

// Roles, from the least to the most privileged.
const (
	RoleMember Role = iota
	RoleOrganizer
	RoleAdmin
)

func (r Role) String() string {
	switch r {
	case RoleOrganizer:
		return "organizer"
	case RoleAdmin:
		return "admin"
	}
	return "member"
}

// RoleRule grants a role to one platform user. An empty Workspace matches
// every workspace of the platform.
type RoleRule struct {
	Platform  Platform
	Workspace string
	User      string
}

// Matches reports whether the rule names u.
func (rr RoleRule) Matches(u UserRef) bool {
	return rr.Platform == u.Platform && rr.User == u.User &&
		(rr.Workspace == "" || rr.Workspace == u.Workspace)
}

func (b *Bot) roleOf(u UserRef) Role {
	for _, rr := range b.settings.Admins {
		if rr.Matches(u) {
			return RoleAdmin
		}
	}
	for _, rr := range b.settings.Organizers {
		if rr.Matches(u) {
			return RoleOrganizer
		}
	}
	return RoleMember
}
