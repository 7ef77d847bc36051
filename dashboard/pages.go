package dashboard

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	signin "github.com/sndgct/maillage/bot/dashboard"
)

// Threshold is the smallest count of people shown as is: 1 to 4 are
// written « < 5 » (statistical confidentiality: a small count may point at
// someone).
const Threshold = 5

func masked(n int) bool { return n > 0 && n < Threshold }

// count writes a count of people.
func count(lang bot.Lang, n int) string {
	if masked(n) {
		return "<\u00a05"
	}
	return core.FormatInt(lang, n)
}

// rate writes num/den as a percentage, or a dash when den counts fewer
// than Threshold people (the rate would tell about someone).
func rate(lang bot.Lang, num, den int) string {
	if den < Threshold {
		return "—"
	}
	return core.Percent(lang, 100*float64(num)/float64(den))
}

func ratePoint(num, den int) float64 {
	if den < Threshold {
		return math.NaN()
	}
	return 100 * float64(num) / float64(den)
}

func (s *Server) shortDate(lang bot.Lang, r RoundFigures) string {
	t := r.Created.In(loc(&s.b.Settings))
	if lang == bot.French {
		return t.Format("02/01/2006")
	}
	return t.Format("2006-01-02")
}

// overviewRows are the rows of the members' table.
func (s *Server) memberRows(p core.Printer, f *Figures) [][]string {
	c := f.Counts
	n := func(v int) string { return count(p.Lang, v) }
	return [][]string{
		{p.T("dashboard.members.total"), n(f.Total)},
		{p.T("dashboard.members.onboarded"), n(c.Onboarded)},
		{p.T("dashboard.members.matchable"), n(c.Matchable)},
		{p.T("dashboard.members.paused"), n(c.Paused)},
		{p.T("dashboard.members.inactive"), n(f.Inactive)},
		{p.T("dashboard.members.invited"), n(c.Invited)},
	}
}

func (s *Server) roundsTable(p core.Printer, f *Figures, id string, limit int) *table {
	lang := p.Lang
	t := &table{ID: id, Caption: p.T("dashboard.rounds.caption"), Head: []string{
		p.T("dashboard.rounds.date"), p.T("dashboard.rounds.groups"), p.T("dashboard.rounds.members"),
	}}
	for _, kind := range SitOutKinds {
		t.Head = append(t.Head, p.T("dashboard.rounds.satout."+cmp.Or(kind, "unrecorded")))
	}
	t.Head = append(t.Head,
		p.T("dashboard.rounds.response"), p.T("dashboard.rounds.met_members"), p.T("dashboard.rounds.met_groups"),
		p.T("dashboard.rounds.repeats"),
	)
	for i, r := range f.Rounds {
		if limit > 0 && i == limit {
			break
		}
		row := []string{s.shortDate(lang, r), count(lang, r.Introductions), count(lang, r.Members)}
		for _, n := range r.SatOutWhy {
			row = append(row, count(lang, n))
		}
		t.Rows = append(t.Rows, append(row,
			rate(lang, r.Answered, r.Members), rate(lang, r.Met, r.Members), rate(lang, r.MetGroups, r.Introductions),
			core.FormatInt(lang, r.Repeats),
		))
	}
	return t
}

func (s *Server) overview(ctx context.Context, p core.Printer, v *view) ([]section, error) {
	f, err := s.figures(ctx, p, v)
	if err != nil {
		return nil, err
	}
	lang := p.Lang
	m := f.Month
	month := &table{ID: "month", Caption: p.T("dashboard.month.caption"), Head: []string{p.T("dashboard.figure"), p.T("dashboard.count")},
		Rows: [][]string{
			{p.T("dashboard.month.rounds"), core.FormatInt(lang, m.Rounds)},
			{p.T("dashboard.month.groups"), count(lang, m.Introductions)},
			{p.T("dashboard.month.members"), count(lang, m.Members)},
			{p.T("dashboard.month.answered"), count(lang, m.Answered)},
			{p.T("dashboard.month.met"), count(lang, m.Met)},
			{p.T("dashboard.month.rate"), rate(lang, m.Met, m.Members)},
		}}
	secs := []section{
		{ID: "membres", Title: p.T("dashboard.members.title"), Intro: []string{p.T("dashboard.members.intro")},
			Table: &table{ID: "members", Caption: p.T("dashboard.members.caption"),
				Head: []string{p.T("dashboard.figure"), p.T("dashboard.count")}, Rows: s.memberRows(p, f)}},
		{ID: "mois", Title: p.T("dashboard.month.title"), Table: month},
	}
	last := section{ID: "derniers-tours", Title: p.T("dashboard.rounds.last_title"), Intro: []string{p.T("dashboard.rounds.intro")}}
	if len(f.Rounds) == 0 {
		last.Intro = []string{p.T("dashboard.rounds.none")}
	} else {
		last.Table = s.roundsTable(p, f, "last-rounds", 5)
		last.More = &navItem{Label: p.T("dashboard.rounds.more"), Href: signin.Base[lang] + "/" + roundsSlug[lang]}
	}
	return append(secs, last), nil
}

var roundsSlug = map[bot.Lang]string{bot.French: "tours", bot.English: "rounds"}

// noRefreshParam, set on the broadcasts page, stops its reloading.
var noRefreshParam = map[bot.Lang]string{bot.French: "sans-actualisation", bot.English: "no-refresh"}

var broadcastsSlug = map[bot.Lang]string{bot.French: "diffusions", bot.English: "broadcasts"}

// trendRounds is how many rounds the trends show.
const trendRounds = 50

func (s *Server) roundsPage(ctx context.Context, p core.Printer, v *view) ([]section, error) {
	f, err := s.figures(ctx, p, v)
	if err != nil {
		return nil, err
	}
	if len(f.Rounds) == 0 {
		return []section{{ID: "tours", Title: p.T("dashboard.trends.title"), Intro: []string{p.T("dashboard.rounds.none")}}}, nil
	}
	n := min(len(f.Rounds), trendRounds)
	var xs []string
	series := []Series{{Name: p.T("dashboard.rounds.response")}, {Name: p.T("dashboard.rounds.met_members")}, {Name: p.T("dashboard.rounds.met_groups")}}
	for i := n - 1; i >= 0; i-- { // oldest first
		r := f.Rounds[i]
		xs = append(xs, s.shortDate(p.Lang, r))
		series[0].Values = append(series[0].Values, ratePoint(r.Answered, r.Members))
		series[1].Values = append(series[1].Values, ratePoint(r.Met, r.Members))
		series[2].Values = append(series[2].Values, ratePoint(r.MetGroups, r.Introductions))
	}
	title := p.T("dashboard.trends.chart", "count", strconv.Itoa(n))
	return []section{{
		ID: "tendances", Title: p.T("dashboard.trends.title"), Intro: []string{p.T("dashboard.trends.intro"), p.T("dashboard.rounds.intro")},
		Chart: lineChart("c-trends", title, p.T("dashboard.chart.desc"), xs, series),
		Table: s.roundsTable(p, f, "rounds", trendRounds),
	}}, nil
}

func (s *Server) regionName(p core.Printer, code string) string {
	if code == "" {
		return p.T("dashboard.region.none")
	}
	if s.b.Dir != nil {
		if reg, ok := s.b.Dir.Region(code); ok {
			return reg.Name
		}
	}
	return code
}

func (s *Server) interestName(p core.Printer, id string) string {
	if l, ok := core.LabelByID(s.b.Settings.Interests, id); ok {
		return l.Text(p.Lang)
	}
	return id
}

func (s *Server) topicName(p core.Printer, id string) string {
	if t := s.b.Congress.Topic(id); t.FR != "" || t.EN != "" {
		return t.Label(p.Lang)
	}
	return s.interestName(p, id)
}

// countSection is a bar chart and its table over counts.
func countSection(p core.Printer, id, title, head string, counts []Count, label func(string) string, intro ...string) section {
	sec := section{ID: id, Title: title, Intro: intro}
	if len(counts) == 0 {
		sec.Intro = append(sec.Intro, p.T("dashboard.none"))
		return sec
	}
	t := &table{ID: id, Caption: title, Head: []string{head, p.T("dashboard.members_count")}}
	var bars []Bar
	for _, c := range counts {
		l, txt := label(c.Key), count(p.Lang, c.N)
		t.Rows = append(t.Rows, []string{l, txt})
		bars = append(bars, Bar{Label: l, Value: c.N, Text: txt})
	}
	sec.Table = t
	sec.Chart = barChart("c-"+id, title, p.T("dashboard.chart.desc"), bars)
	return sec
}

func (s *Server) membersPage(ctx context.Context, p core.Printer, v *view) ([]section, error) {
	f, err := s.figures(ctx, p, v)
	if err != nil {
		return nil, err
	}
	bounds := s.b.MatchRules().Brackets
	var brackets []Count
	var labels []string
	for i, n := range f.ByBracket {
		l := core.BracketLabel(p, bounds, i)
		labels = append(labels, l)
		brackets = append(brackets, Count{Key: l, N: n})
	}
	same := func(k string) string { return k }
	secs := []section{
		countSection(p, "regions", p.T("dashboard.regions.title"), p.T("dashboard.region"), f.ByRegion,
			func(c string) string { return s.regionName(p, c) }, p.T("dashboard.registered_only")),
		countSection(p, "strata", p.T("dashboard.strata.title"), p.T("dashboard.stratum"), brackets, same, p.T("dashboard.registered_only")),
	}
	mix := section{ID: "mixing", Title: p.T("dashboard.mixing.title"), Intro: []string{p.T("dashboard.mixing.intro")}}
	t := &table{ID: "mixing", Caption: p.T("dashboard.mixing.title"), Head: append([]string{p.T("dashboard.stratum")}, labels...)}
	for i, row := range f.Mixing {
		cells := []string{labels[i]}
		for _, n := range row {
			cells = append(cells, count(p.Lang, n))
		}
		t.Rows = append(t.Rows, cells)
	}
	mix.Table = t
	mix.Chart = heatMap("c-mixing", p.T("dashboard.mixing.title"), p.T("dashboard.chart.desc"), labels, f.Mixing,
		func(n int) string { return count(p.Lang, n) })
	secs = append(secs, mix,
		countSection(p, "interests", p.T("dashboard.interests.title"), p.T("dashboard.interest"), f.Interests,
			func(id string) string { return s.interestName(p, id) }, p.T("dashboard.registered_only")))
	return secs, nil
}

// Bounds of the congress tables.
const (
	topSessions = 20
	topMisses   = 30
)

func (s *Server) congressPage(ctx context.Context, p core.Printer, v *view) ([]section, error) {
	f, err := s.figures(ctx, p, v)
	if err != nil {
		return nil, err
	}
	lang := p.Lang
	secs := []section{countSection(p, "topics", p.T("dashboard.topics.title"), p.T("dashboard.topic"), f.Topics,
		func(id string) string { return s.topicName(p, id) })}
	sess := section{ID: "sessions", Title: p.T("dashboard.sessions.title"), Intro: []string{p.T("dashboard.sessions.intro", "count", strconv.Itoa(topSessions))}}
	if len(f.Sessions) == 0 {
		sess.Intro = append(sess.Intro, p.T("dashboard.none"))
	} else {
		snap := s.b.Congress.Content(ctx)
		t := &table{ID: "sessions", Caption: p.T("dashboard.sessions.title"),
			Head: []string{p.T("dashboard.session"), p.T("dashboard.sessions.followers"), p.T("dashboard.sessions.registered")}}
		for i, sc := range f.Sessions {
			if i == topSessions {
				break
			}
			label := sc.Key
			if ev, se, ok := snap.SessionByKey(sc.Key); ok {
				label = se.Title + " (" + ev.Name + ")"
			}
			t.Rows = append(t.Rows, []string{label, count(lang, sc.Followers), count(lang, sc.Registered)})
		}
		sess.Table = t
	}
	miss := section{ID: "misses", Title: p.T("dashboard.misses.title"), Intro: []string{p.T("dashboard.misses.intro", "count", strconv.Itoa(topMisses))}}
	if len(f.Misses) == 0 {
		miss.Intro = append(miss.Intro, p.T("dashboard.none"))
	} else {
		t := &table{ID: "misses", Caption: p.T("dashboard.misses.title"), Head: []string{p.T("dashboard.misses.query"), p.T("dashboard.misses.count")}}
		for i, c := range f.Misses {
			if i == topMisses {
				break
			}
			t.Rows = append(t.Rows, []string{c.Key, count(lang, c.N)})
		}
		miss.Table = t
	}
	return append(secs, sess, miss), nil
}

// maxBroadcasts bounds the broadcasts listed, newest first.
const maxBroadcasts = 50

func (s *Server) broadcastsPage(ctx context.Context, p core.Printer, v *view) ([]section, error) {
	lang := p.Lang
	var all []bot.Broadcast
	if err := s.store.Broadcasts(ctx, func(b bot.Broadcast) error {
		all = append(all, b)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("dashboard broadcasts: %w", err)
	}
	slices.Reverse(all)
	all = all[:min(len(all), maxBroadcasts)]
	v.AsOf = p.T("dashboard.as_of", "date", s.b.FormatDateTime(lang, s.b.Clock.Now(), nil))
	sec := section{ID: "diffusions", Title: p.T("dashboard.broadcasts.title"), Intro: []string{p.T("dashboard.broadcasts.intro")}}
	if len(all) == 0 {
		sec.Intro = append(sec.Intro, p.T("dashboard.broadcasts.none"))
		return []section{sec}, nil
	}
	t := &table{ID: "broadcasts", Caption: p.T("dashboard.broadcasts.title"), Head: []string{
		p.T("dashboard.broadcasts.id"), p.T("dashboard.broadcasts.created"), p.T("dashboard.broadcasts.origin"),
		p.T("dashboard.broadcasts.segment"), p.T("dashboard.broadcasts.state"), p.T("dashboard.broadcasts.total"),
		p.T("dashboard.broadcasts.sent"), p.T("dashboard.broadcasts.failed"), p.T("dashboard.broadcasts.unknown"),
		p.T("dashboard.broadcasts.skipped"), p.T("dashboard.broadcasts.pending"), p.T("dashboard.broadcasts.progress"),
	}}
	running := false
	for _, b := range all {
		counts, err := s.store.RecipientCounts(ctx, b.ID)
		if err != nil {
			return nil, fmt.Errorf("dashboard broadcast %s: %w", b.ID, err)
		}
		total := 0
		for _, n := range counts {
			total += n
		}
		pending := counts[bot.RecipientPending] + counts[bot.RecipientSending]
		done := total - pending
		seg := p.T("broadcasts.segment_everyone")
		if s.bc != nil {
			seg = s.bc.DescribeSegment(lang, b.Segment)
		}
		t.Rows = append(t.Rows, []string{
			b.ID, s.b.FormatDate(lang, b.Created), s.origin(p, b.Origin), seg, p.T("broadcasts.state." + string(b.State)),
			count(lang, max(total, b.Expected)), count(lang, counts[bot.RecipientSent]), count(lang, counts[bot.RecipientFailed]),
			count(lang, counts[bot.RecipientUnknown]), count(lang, counts[bot.RecipientSkipped]), count(lang, pending),
			rate(lang, done, total),
		})
		if b.State == bot.BroadcastRunning || b.State == bot.BroadcastScheduled {
			running = running || b.State == bot.BroadcastRunning
			item := progressItem{Label: p.T("dashboard.broadcasts.progress_label", "id", b.ID), Value: done, Max: max(total, 1),
				Text: p.T("dashboard.broadcasts.progress_text", "done", count(lang, done), "total", count(lang, total), "rate", rate(lang, done, total))}
			sec.Progress = append(sec.Progress, item)
		}
	}
	sec.Table = t
	here := signin.Base[lang] + "/" + broadcastsSlug[lang]
	switch {
	case running && v.NoRefresh:
		sec.Intro = append(sec.Intro, p.T("dashboard.broadcasts.paused"))
		sec.Control = &navItem{Label: p.T("dashboard.broadcasts.resume"), Href: here}
	case running:
		v.Refresh = s.refresh
		sec.Intro = append(sec.Intro, p.T("dashboard.broadcasts.refresh", "seconds", strconv.Itoa(s.refresh)))
		// RGAA 13.1: the organizer may stop the reloading.
		sec.Control = &navItem{Label: p.T("dashboard.broadcasts.pause"), Href: here + "?" + noRefreshParam[lang] + "=1"}
	}
	return []section{sec}, nil
}

// origin writes who started a broadcast, without naming anyone.
func (s *Server) origin(p core.Printer, origin string) string {
	switch {
	case origin == "cli":
		return p.T("dashboard.origin.cli")
	case strings.HasPrefix(origin, "job:"):
		return p.T("dashboard.origin.job", "name", strings.TrimPrefix(origin, "job:"))
	}
	return p.T("dashboard.origin.chat")
}

func (s *Server) accessibility(w http.ResponseWriter, r *http.Request, lang bot.Lang) {
	p := s.b.Printer(lang)
	var sess *signin.Session
	if c, err := r.Cookie(CookieName); err == nil {
		if got, err := s.auth.Session(r.Context(), c.Value); err == nil {
			sess = &got
		}
	}
	v := s.newView(r, lang, p.T("dashboard.access.title"), "accessibility", sess)
	contact := s.b.Settings.Privacy.Contact
	if contact == "" {
		contact = p.T("dashboard.access.contact_none")
	}
	v.Sections = []section{
		{ID: "etat", Title: p.T("dashboard.access.state_title"), Intro: []string{p.T("dashboard.access.state")}},
		{ID: "criteres", Title: p.T("dashboard.access.checked_title"), Intro: strings.Split(p.T("dashboard.access.checked"), "\n")},
		{ID: "limites", Title: p.T("dashboard.access.limits_title"), Intro: strings.Split(p.T("dashboard.access.limits"), "\n")},
		{ID: "technique", Title: p.T("dashboard.access.tech_title"), Intro: []string{p.T("dashboard.access.tech")}},
		{ID: "contact", Title: p.T("dashboard.access.contact_title"), Intro: []string{p.T("dashboard.access.contact", "contact", contact), p.T("dashboard.access.remedy")}},
	}
	s.render(w, http.StatusOK, v)
}

// serveCSV exports one table of the pages, as the page shows it
// (aggregates only), in UTF-8 with a byte order mark so that spreadsheet
// programs read the accents, separated by semicolons in French (the
// decimal comma) and commas in English.
func (s *Server) serveCSV(w http.ResponseWriter, r *http.Request, lang bot.Lang, name string) {
	id, ok := strings.CutSuffix(name, ".csv")
	p := s.b.Printer(lang)
	if ok {
		for _, pg := range pages {
			v := &view{}
			secs, err := pg.build(s, r.Context(), p, v)
			if err != nil {
				s.failed(w, r, lang, err)
				return
			}
			for _, sec := range secs {
				if sec.Table == nil || sec.Table.ID != id {
					continue
				}
				headers(w)
				w.Header().Set("Content-Type", "text/csv; charset=utf-8")
				w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="maillage-%s.csv"`, id))
				_, _ = w.Write([]byte("\ufeff"))
				cw := csv.NewWriter(w)
				if lang == bot.French {
					cw.Comma = ';'
				}
				_ = cw.Write(sec.Table.Head)
				for _, row := range sec.Table.Rows {
					_ = cw.Write(csvSafe(row))
				}
				cw.Flush()
				return
			}
		}
	}
	v := s.newView(r, lang, p.T("dashboard.notfound.title"), "", nil)
	v.Message = []string{p.T("dashboard.notfound.text")}
	s.render(w, http.StatusNotFound, v)
}

// csvSafe keeps a spreadsheet from reading a cell as a formula (a search
// typed by a member could start with « = »).
func csvSafe(row []string) []string {
	out := make([]string, len(row))
	for i, c := range row {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			c = "'" + c
		}
		out[i] = c
	}
	return out
}
