package bot

import "strings"

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

// RoleRule grants a role to one platform user, named by their user id or,
// where the platform gives it (ProfileReader), their e-mail address. An
// empty Workspace matches every workspace of the platform; an empty
// Platform in an e-mail rule matches every platform.
type RoleRule struct {
	Platform  Platform
	Workspace string
	User      string
	Email     string
}

// Matches reports whether the rule names u by its user id.
func (rr RoleRule) Matches(u UserRef) bool {
	return rr.User != "" && rr.Platform == u.Platform && rr.User == u.User &&
		(rr.Workspace == "" || rr.Workspace == u.Workspace)
}

// matchesEmail reports whether the e-mail rule names u, whose platform
// address is email.
func (rr RoleRule) MatchesEmail(u UserRef, email string) bool {
	return rr.Email != "" && email != "" && strings.EqualFold(rr.Email, email) &&
		(rr.Platform == "" || rr.Platform == u.Platform) && (rr.Workspace == "" || rr.Workspace == u.Workspace)
}
