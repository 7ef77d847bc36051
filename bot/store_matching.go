package bot

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"time"
)

// MatchStore keeps the introduction rounds and what each member said about
// them. It is part of Store; see Store for the errors common to every
// method (invalid references, ended contexts, ErrUnavailable).
//
// A round is written once, before any message is sent (CreateRound), so
// that a crash or a second replica resumes it instead of planning another;
// it is rewritten only to record its follow-up or to anonymise a member
// who erased their data (SaveRound).
type MatchStore interface {
	// CreateRound stores r unless a round with r.ID exists, and reports
	// whether it stored it. ErrInvalid for an empty ID, a zero Created or
	// an invalid member reference in a group.
	CreateRound(ctx context.Context, r MatchRound) (bool, error)

	// SaveRound replaces the stored round r.ID. It returns an error
	// wrapping ErrNotFound when there is none, ErrInvalid as CreateRound.
	SaveRound(ctx context.Context, r MatchRound) error

	// Round returns the round with this id, or an error wrapping
	// ErrNotFound.
	Round(ctx context.Context, id string) (MatchRound, error)

	// Rounds calls fn for the rounds, newest first (by Created, then ID
	// descending), at most limit of them (limit <= 0: all). It stops at,
	// and returns, the first error fn returns.
	Rounds(ctx context.Context, limit int, fn func(MatchRound) error) error

	// DeleteRound removes a round (retention purge). It returns an error
	// wrapping ErrNotFound when there is none.
	DeleteRound(ctx context.Context, id string) error

	// MatchRecord returns the member's answers and "not again" list, or an
	// error wrapping ErrNotFound when they have none.
	MatchRecord(ctx context.Context, ref UserRef) (MatchRecord, error)

	// SaveMatchRecord creates or replaces rec.Member's record. ErrInvalid
	// when rec.Member or a reference in rec.NotAgain is not valid.
	SaveMatchRecord(ctx context.Context, rec MatchRecord) error

	// EachMatchRecord calls fn for every record, ordered by
	// Member.String(); it stops at, and returns, the first error of fn.
	EachMatchRecord(ctx context.Context, fn func(MatchRecord) error) error

	// EraseMatchRecord removes the member's record. No error when there is
	// none.
	EraseMatchRecord(ctx context.Context, ref UserRef) error
}

// MatchRound is one round of introductions, as planned.
type MatchRound struct {
	// ID identifies the round: "<job>|<slot in ms>" for a scheduled round,
	// "manual|<ms>" for one an administrator started.
	ID string `json:"id"`
	// Job names the scheduled job ("" for a manual round); Slot is its slot.
	Job     string       `json:"job,omitempty"`
	Slot    time.Time    `json:"slot"`
	Created time.Time    `json:"created"`
	Groups  []MatchGroup `json:"groups"`
	// SatOut are the members left out this round (odd pool in sit-out
	// mode, or nobody they may meet): they are served first next time.
	SatOut []UserRef `json:"sat_out,omitempty"`
	// SatOutWhy says why each of SatOut sits out, in the same order (a
	// reason of internal/matching: "own_size", "odd"…); empty for rounds
	// stored before reasons were kept.
	SatOutWhy []string `json:"sat_out_why,omitempty"`
	// Total is the sum of the groups' scores, in milli-points; Gap the
	// solver's primal-dual gap (0: proven optimal).
	Total int64 `json:"total"`
	Gap   int64 `json:"gap"`
	// FollowedUp is when the follow-up was sent.
	FollowedUp time.Time `json:"followed_up,omitzero"`
}

// MatchGroup is one introduction: two members, or three.
type MatchGroup struct {
	Members []UserRef `json:"members"`
	// Score in milli-points.
	Score int64 `json:"score"`
	// Starter is the key of the question of the bank chosen to open the
	// conversation (content.Question.Key), never one asked before to a
	// pair of the group.
	Starter string `json:"starter,omitempty"`
}

// Valid reports an error when the round cannot be stored.
func (r MatchRound) Valid() error {
	switch {
	case r.ID == "":
		return errors.New("round: missing id")
	case r.Created.IsZero():
		return errors.New("round: missing creation time")
	}
	for _, g := range r.Groups {
		for _, m := range g.Members {
			if err := m.Valid(); err != nil {
				return err
			}
		}
	}
	for _, m := range r.SatOut {
		if err := m.Valid(); err != nil {
			return err
		}
	}
	return nil
}

// CompareRounds orders rounds newest first, as Rounds yields them.
func CompareRounds(a, b MatchRound) int {
	return cmp.Or(b.Created.Compare(a.Created), strings.Compare(b.ID, a.ID))
}

// Answers to an introduction.
const (
	AnswerMet      = "met"       // « Nous avons échangé »
	AnswerNotNow   = "not_now"   // « Pas ce tour-ci »
	AnswerNotAgain = "not_again" // « Ne plus me proposer cette personne »
)

// MatchRecord is what a member said about their introductions: personal
// data, exported and erased with the rest.
type MatchRecord struct {
	Member UserRef `json:"member"`
	// Answers, one per round answered (the last answer counts).
	Answers []MatchAnswer `json:"answers,omitempty"`
	// NotAgain are the members this one asked never to meet again.
	NotAgain []UserRef `json:"not_again,omitempty"`
	// Paused is when the member was last paused for ignoring their
	// introductions: only later rounds count towards the next pause.
	Paused  time.Time `json:"paused,omitzero"`
	Updated time.Time `json:"updated"`
}

// MatchAnswer is a member's answer about one round.
type MatchAnswer struct {
	Round  string    `json:"round"`
	Answer string    `json:"answer"`
	At     time.Time `json:"at"`
}

// Answer returns the member's answer for the round, if any.
func (r MatchRecord) Answer(round string) (MatchAnswer, bool) {
	for _, a := range r.Answers {
		if a.Round == round {
			return a, true
		}
	}
	return MatchAnswer{}, false
}

// Valid reports an error when the record cannot be stored.
func (r MatchRecord) Valid() error {
	if err := r.Member.Valid(); err != nil {
		return err
	}
	for _, m := range r.NotAgain {
		if err := m.Valid(); err != nil {
			return err
		}
	}
	return nil
}

// CompareMatchRecords orders records as EachMatchRecord yields them.
func CompareMatchRecords(a, b MatchRecord) int {
	return strings.Compare(a.Member.String(), b.Member.String())
}
