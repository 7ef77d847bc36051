package broadcasts

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/congress"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/placeholder"
	"github.com/sndgct/maillage/internal/textnorm"
)

// Broadcasts: what organizers write (texts with placeholders), to whom
// (segments), and how a broadcast is rendered for one member. The compose
// dialogue is in broadcasts_chat.go, the delivery in broadcast_engine.go.

// MaxBroadcastRunes bounds a broadcast's text in each language: one post
// on every platform, whatever the escapes.
const MaxBroadcastRunes = 4000

// Placeholders a broadcast's text may hold (internal/placeholder): the
// same rule as `config check` applies to scheduled announcements.
const (
	placeholderFirstName    = placeholder.FirstName
	placeholderCollectivity = placeholder.Collectivity
)

// placeholderRE finds "{name}" and stray braces.
var placeholderRE = placeholder.RE

// BroadcastTextError is a text that cannot be sent as is; Key and Args
// say why in the message catalogue (key "broadcasts.text_<Key>").
type BroadcastTextError struct {
	Key  string
	Args []string
}

func (e *BroadcastTextError) Error() string {
	return "broadcast text: " + e.Key + " " + strings.Join(e.Args, " ")
}

// CheckBroadcastText checks a broadcast's text: not empty, at most
// MaxBroadcastRunes, and no placeholder other than {prenom} and
// {collectivite} (accents and case aside: {Prénom} is {prenom}).
func CheckBroadcastText(text string) error {
	if strings.TrimSpace(text) == "" {
		return &BroadcastTextError{Key: "empty"}
	}
	if n := utf8.RuneCountInString(text); n > MaxBroadcastRunes {
		return &BroadcastTextError{Key: "too_long", Args: []string{"count", strconv.Itoa(n), "max", strconv.Itoa(MaxBroadcastRunes)}}
	}
	switch bad, brace := placeholder.Check(text); {
	case brace:
		return &BroadcastTextError{Key: "brace"}
	case bad != "":
		return &BroadcastTextError{Key: "placeholder", Args: []string{"placeholder", bad}}
	}
	return nil
}

// placeholderName returns the placeholder "{…}" names, or "".
func placeholderName(m string) string { return placeholder.Name(m) }

// renderBroadcastText fills the placeholders for one member. A missing
// first name leaves no gap ("Bonjour {prenom}," → "Bonjour,"); a missing
// collectivity becomes fallback ("votre collectivité").
func renderBroadcastText(text, firstName, collectivity string) string {
	out := placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		switch placeholderName(m) {
		case placeholderFirstName:
			return firstName
		case placeholderCollectivity:
			return collectivity
		}
		return m
	})
	if firstName == "" {
		out = strings.NewReplacer("  ", " ", " ,", ",", " .", ".", " !", "!", "( )", "").Replace(out)
	}
	return out
}

// firstName is the first word of a member's name ("Anne-Marie Dupont" →
// "Anne-Marie"); "" when unknown.
func firstName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// broadcastReply is the broadcast as m receives it: in their language
// (else the default), placeholders filled.
func (b *Feature) broadcastReply(bc bot.Broadcast, m bot.Member) bot.Reply {
	lang := b.Core.Outbox.MemberLang(m)
	text := bc.Text[lang]
	if text == "" {
		lang = b.Settings.DefaultLang
		text = bc.Text[lang]
	}
	coll := b.Cat.T(string(lang), "broadcasts.your_collectivity")
	if m.Collectivity != nil && m.Collectivity.Name != "" {
		coll = m.Collectivity.Name
	}
	return bot.Reply{Text: renderBroadcastText(text, firstName(m.Name), coll)}
}

// SegmentError is a segment expression that cannot be read; Key and Args
// say why in the message catalogue (key "broadcasts.segment_<Key>").
type SegmentError struct {
	Key  string
	Args []string
}

func (e *SegmentError) Error() string {
	return "segment: " + e.Key + " " + strings.Join(e.Args, " ")
}

// segmentKeys maps the criteria's names (folded, French and English) to
// their canonical name.
var segmentKeys = map[string]string{
	"role": "role", "fonction": "role", "poste": "role",
	"region":      "region",
	"departement": "departement", "dept": "departement", "dep": "departement", "department": "departement",
	"taille": "taille", "size": "taille", "population": "taille", "strate": "taille",
	"interet": "interet", "interets": "interet", "interest": "interet", "interests": "interet", "theme": "interet",
	"seance": "seance", "session": "seance", "inscrits": "seance", "attendance": "seance",
	"evenement": "evenement", "event": "evenement",
	"langue": "langue", "lang": "langue", "language": "langue",
}

// ParseSegment reads a segment expression: criteria separated by "," or
// ";", each "name=value" with several values separated by "|" or " ou "
// ("région=Bretagne|Normandie, rôle=dgs, taille=2000-10000"). "tous",
// "everyone" or "" is everyone. Names: rôle, région, département, taille
// (a range "2000-10000", "<3500", ">=20000"), intérêt, séance (number of
// the current event's session or "event/session"), événement (registered
// for any session of it), langue. Régions and départements are given by
// name or INSEE code, rôles and intérêts by id or label.
func (b *Feature) ParseSegment(ctx context.Context, expr string) (bot.Segment, error) {
	var seg bot.Segment
	expr = strings.TrimSpace(textnorm.Clean(expr))
	switch textnorm.Fold(expr) {
	case "", "tous", "tout le monde", "everyone", "all", "tous les membres", "all members":
		return seg, nil
	}
	for part := range strings.FieldsFuncSeq(expr, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			name, value, ok = strings.Cut(part, ":")
		}
		key := segmentKeys[strings.ReplaceAll(textnorm.Fold(name), " ", "")]
		if !ok || strings.TrimSpace(value) == "" {
			return seg, &SegmentError{Key: "syntax", Args: []string{"part", strings.TrimSpace(part)}}
		}
		if key == "" {
			return seg, &SegmentError{Key: "unknown_criterion", Args: []string{"name", strings.TrimSpace(name)}}
		}
		if key == "taille" {
			lo, hi, err := parsePopulationRange(value)
			if err != nil {
				return seg, err
			}
			seg.MinPopulation, seg.MaxPopulation = lo, hi
			continue
		}
		for _, v := range splitValues(value) {
			if err := b.addCriterion(ctx, &seg, key, v); err != nil {
				return seg, err
			}
		}
	}
	return seg, nil
}

func splitValues(value string) []string {
	value = strings.ReplaceAll(value, " ou ", "|")
	value = strings.ReplaceAll(value, " or ", "|")
	var out []string
	for v := range strings.SplitSeq(value, "|") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (b *Feature) addCriterion(ctx context.Context, seg *bot.Segment, key, v string) error {
	unknown := func() error { return &SegmentError{Key: "unknown_" + key, Args: []string{"value", v}} }
	switch key {
	case "role":
		l, ok := findLabelExact(b.Settings.MemberRoles, v)
		if !ok {
			return b.unknownLabel(key, v, b.Settings.MemberRoles)
		}
		seg.Roles = appendNew(seg.Roles, l.ID)
	case "interet":
		l, ok := findLabelExact(b.Settings.Interests, v)
		if !ok {
			return b.unknownLabel(key, v, b.Settings.Interests)
		}
		seg.Interests = appendNew(seg.Interests, l.ID)
	case "region", "departement":
		code, ok := b.territoryCode(key, v)
		if !ok {
			return unknown()
		}
		if key == "region" {
			seg.Regions = appendNew(seg.Regions, code)
		} else {
			seg.Departements = appendNew(seg.Departements, code)
		}
	case "langue":
		l, ok := core.LangFromText(v)
		if !ok {
			l, ok = bot.ParseLang(v)
		}
		if !ok {
			return unknown()
		}
		seg.Langs = appendNew(seg.Langs, l)
	case "seance":
		snap := b.Core.Congress.Content(ctx)
		if _, s, ok := snap.SessionByKey(strings.ToLower(v)); ok {
			_ = s
			seg.Sessions = appendNew(seg.Sessions, strings.ToLower(v))
			return nil
		}
		ev := b.Core.Congress.Current(snap)
		if ev == nil {
			return unknown()
		}
		s, ok := congress.FindSession(ev, v)
		if !ok {
			return unknown()
		}
		seg.Sessions = appendNew(seg.Sessions, congress.SessionKey(ev, s))
	case "evenement":
		ev, ok := b.Core.Congress.Content(ctx).Set.Event(strings.ToLower(v))
		if !ok {
			return unknown()
		}
		seg.Sessions = appendNew(seg.Sessions, ev.ID+"/*")
	}
	return nil
}

// unknownLabel lists the ids to choose from.
func (b *Feature) unknownLabel(key, v string, labels []bot.Label) error {
	ids := make([]string, 0, len(labels))
	for _, l := range labels {
		ids = append(ids, l.ID)
	}
	return &SegmentError{Key: "unknown_" + key, Args: []string{"value", v, "choices", strings.Join(ids, ", ")}}
}

// findLabelExact finds the label whose id, labels or aliases are v.
func findLabelExact(labels []bot.Label, v string) (bot.Label, bool) {
	f := textnorm.Fold(v)
	for _, l := range labels {
		for _, p := range append([]string{l.ID, l.FR, l.EN}, l.Aliases...) {
			if p != "" && textnorm.Fold(p) == f {
				return l, true
			}
		}
	}
	return bot.Label{}, false
}

// territoryCode resolves a région or département by INSEE code or name.
func (b *Feature) territoryCode(key, v string) (string, bool) {
	lookup := b.Dir.Region
	kind := bot.KindRegion
	if key == "departement" {
		lookup, kind = b.Dir.Departement, bot.KindDepartement
	}
	if c, ok := lookup(strings.ToUpper(strings.TrimSpace(v))); ok {
		return c.Code, true
	}
	for _, c := range b.Dir.Lookup(v) {
		if c.Kind == kind {
			return c.Code, true
		}
	}
	return "", false
}

func appendNew[T comparable](list []T, v T) []T {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// parsePopulationRange reads a population range: "2000-10000", "<3500", "<=3500",
// ">20000", ">=20000", "2 000 à 10 000", "10k-50k".
func parsePopulationRange(v string) (lo, hi int, err error) {
	s := strings.ToLower(strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", ".", "", "habitants", "", "hab", "").Replace(v))
	s = strings.NewReplacer("à", "-", "to", "-", "–", "-").Replace(s)
	bad := &SegmentError{Key: "size", Args: []string{"value", strings.TrimSpace(v)}}
	num := func(x string) (int, bool) {
		mult := 1
		if t, ok := strings.CutSuffix(x, "k"); ok {
			x, mult = t, 1000
		}
		n, err := strconv.Atoi(x)
		return n * mult, err == nil && n >= 0
	}
	switch {
	case strings.HasPrefix(s, "<="), strings.HasPrefix(s, "<"):
		n, ok := num(strings.TrimLeft(s, "<="))
		if !ok {
			return 0, 0, bad
		}
		if !strings.HasPrefix(s, "<=") {
			n--
		}
		return 0, max(n, 0), nil
	case strings.HasPrefix(s, ">="), strings.HasPrefix(s, ">"):
		n, ok := num(strings.TrimLeft(s, ">="))
		if !ok {
			return 0, 0, bad
		}
		if !strings.HasPrefix(s, ">=") {
			n++
		}
		return n, 0, nil
	}
	a, c, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, bad
	}
	l, ok1 := num(a)
	h, ok2 := num(c)
	if !ok1 || !ok2 || h < l {
		return 0, 0, bad
	}
	return l, h, nil
}

// selector matches members against a segment (the registrations read
// once).
type selector struct {
	seg         bot.Segment
	defaultLang bot.Lang
	registered  map[bot.UserRef][]string // "event/session" keys
}

func (b *Feature) newSelector(ctx context.Context, seg bot.Segment) (*selector, error) {
	sel := &selector{seg: seg, defaultLang: b.Settings.DefaultLang}
	if len(seg.Sessions) == 0 {
		return sel, nil
	}
	sel.registered = map[bot.UserRef][]string{}
	err := b.store.EachHighlightFollows(ctx, func(f bot.HighlightFollows) error {
		for _, r := range f.Registrations {
			sel.registered[f.Member] = append(sel.registered[f.Member], r.Event+"/"+r.Session)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading session registrations: %w", err)
	}
	return sel, nil
}

// matches reads only the fields bot.SegmentView keeps (the listing may
// get nothing else: TestSegmentViewEnough).
func (s *selector) matches(m bot.Member) bool {
	seg := s.seg
	if len(seg.Roles) > 0 && !slices.Contains(seg.Roles, m.Role) {
		return false
	}
	if len(seg.Interests) > 0 && !slices.ContainsFunc(m.Interests, func(i string) bool { return slices.Contains(seg.Interests, i) }) {
		return false
	}
	c := m.Collectivity
	if (len(seg.Regions) > 0 || len(seg.Departements) > 0 || seg.MinPopulation > 0 || seg.MaxPopulation > 0) && c == nil {
		return false
	}
	if len(seg.Regions) > 0 && !slices.Contains(seg.Regions, c.Region) {
		return false
	}
	if len(seg.Departements) > 0 && !slices.Contains(seg.Departements, c.Departement) {
		return false
	}
	if c != nil && (c.Population < seg.MinPopulation || (seg.MaxPopulation > 0 && c.Population > seg.MaxPopulation)) {
		return false
	}
	if len(seg.Langs) > 0 {
		lang := m.Language
		if lang == "" {
			lang = s.defaultLang
		}
		if !slices.Contains(seg.Langs, lang) {
			return false
		}
	}
	if len(seg.Sessions) > 0 && !slices.ContainsFunc(s.registered[m.Ref], func(k string) bool {
		ev, _, _ := strings.Cut(k, "/")
		return slices.Contains(seg.Sessions, k) || slices.Contains(seg.Sessions, ev+"/*")
	}) {
		return false
	}
	return true
}

// DescribeSegment writes the segment for people, in lang (the dashboard
// shows it).
func (b *Feature) DescribeSegment(lang bot.Lang, seg bot.Segment) string {
	return b.describeSegment(lang, seg)
}

// describeSegment writes the segment for people, in lang.
func (b *Feature) describeSegment(lang bot.Lang, seg bot.Segment) string {
	T := func(key string, args ...string) string { return b.Cat.T(string(lang), key, args...) }
	if seg.IsZero() {
		return T("broadcasts.segment_everyone")
	}
	var parts []string
	labels := func(ids []string, list []bot.Label) string {
		out := make([]string, 0, len(ids))
		for _, id := range ids {
			if l, ok := core.LabelByID(list, id); ok {
				out = append(out, l.Text(lang))
			} else {
				out = append(out, id)
			}
		}
		return strings.Join(out, ", ")
	}
	terr := func(codes []string, lookup func(string) (bot.Collectivity, bool)) string {
		out := make([]string, 0, len(codes))
		for _, c := range codes {
			if t, ok := lookup(c); ok {
				out = append(out, t.Name)
			} else {
				out = append(out, c)
			}
		}
		return strings.Join(out, ", ")
	}
	if len(seg.Roles) > 0 {
		parts = append(parts, T("broadcasts.segment_roles", "values", labels(seg.Roles, b.Settings.MemberRoles)))
	}
	if len(seg.Regions) > 0 {
		parts = append(parts, T("broadcasts.segment_regions", "values", terr(seg.Regions, b.Dir.Region)))
	}
	if len(seg.Departements) > 0 {
		parts = append(parts, T("broadcasts.segment_departements", "values", terr(seg.Departements, b.Dir.Departement)))
	}
	switch {
	case seg.MinPopulation > 0 && seg.MaxPopulation > 0:
		parts = append(parts, T("broadcasts.segment_size_between", "min", core.FormatInt(lang, seg.MinPopulation), "max", core.FormatInt(lang, seg.MaxPopulation)))
	case seg.MinPopulation > 0:
		parts = append(parts, T("broadcasts.segment_size_min", "min", core.FormatInt(lang, seg.MinPopulation)))
	case seg.MaxPopulation > 0:
		parts = append(parts, T("broadcasts.segment_size_max", "max", core.FormatInt(lang, seg.MaxPopulation)))
	}
	if len(seg.Interests) > 0 {
		parts = append(parts, T("broadcasts.segment_interests", "values", labels(seg.Interests, b.Settings.Interests)))
	}
	if len(seg.Sessions) > 0 {
		parts = append(parts, T("broadcasts.segment_sessions", "values", strings.Join(seg.Sessions, ", ")))
	}
	if len(seg.Langs) > 0 {
		names := make([]string, 0, len(seg.Langs))
		for _, l := range seg.Langs {
			names = append(names, T("lang.name."+string(l)))
		}
		parts = append(parts, T("broadcasts.segment_langs", "values", strings.Join(names, ", ")))
	}
	return strings.Join(parts, " ; ")
}

// Audience is who a segment reaches now.
type Audience struct {
	// Recipients receive it; Sample is one of them (for the preview).
	Recipients int
	Sample     *bot.Member
	// OptedOut declined announcements; NotOnboarded never finished
	// signing up (imported only).
	OptedOut, NotOnboarded int
}

// CountAudience counts who the segment reaches now, for the preview.
func (b *Feature) CountAudience(ctx context.Context, seg bot.Segment, urgent bool) (Audience, error) {
	var a Audience
	sel, err := b.newSelector(ctx, seg)
	if err != nil {
		return a, err
	}
	probe := bot.Broadcast{Urgent: urgent}
	err = b.store.Members(ctx, func(m bot.Member) error {
		if !sel.matches(m) {
			return nil
		}
		switch b.excluded(m, probe) {
		case "opted_out":
			a.OptedOut++
		case "not_onboarded":
			a.NotOnboarded++
		default:
			a.Recipients++
			if a.Sample == nil {
				mm := m
				a.Sample = &mm
			}
		}
		return nil
	})
	if err != nil {
		return a, fmt.Errorf("counting the audience: %w", err)
	}
	return a, nil
}
