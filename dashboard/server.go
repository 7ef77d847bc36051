// Package dashboard serves the organizers' web dashboard on the bot's own
// HTTP server, under /tableau-de-bord (French) and its English alias
// /dashboard: the network's figures as server-rendered HTML, SVG charts
// each with its data table, CSV exports of every table. Everything is
// embedded in the binary (templates, style sheet); the pages need no
// script and no external resource.
//
// Organizers sign in with the personal link the chat command « tableau de
// bord » gives (bot/dashboard); the session is a cookie (HttpOnly,
// SameSite=Strict, Secure behind HTTPS) whose token the store knows only by
// its keyed hash. Every form that changes something carries an
// anti-forgery token derived from the session.
//
// Every figure is a count, never a name, and a count of 1 to 4 people is
// written « < 5 ».
package dashboard

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/broadcasts"
	"github.com/sndgct/maillage/bot/core"
	signin "github.com/sndgct/maillage/bot/dashboard"
)

//go:embed templates/*.html static/*
var files embed.FS

// CookieName is the session cookie's name.
const CookieName = "maillage_tdb"

// Options tune the server. The zero value is usable.
type Options struct {
	// Logger receives the few log lines (never a token). Nil: the core's.
	Logger *slog.Logger
	// MaxAge is how old the figures may be before a page asks for new
	// ones (default one minute; they are counted in the background).
	MaxAge time.Duration
	// Refresh is how often, in seconds, the broadcasts page reloads
	// itself while one runs (default 5).
	Refresh int
}

// Server serves the dashboard.
type Server struct {
	b       *core.Bot
	auth    *signin.Feature
	bc      *broadcasts.Feature // nil when the binary runs no broadcasts
	store   Store
	cache   *cache
	tmpl    *template.Template
	css     []byte
	log     *slog.Logger
	secure  bool
	refresh int
}

// New builds the dashboard over the core, which must run the dashboard
// feature (bot/dashboard).
func New(b *core.Bot, opts Options) (*Server, error) {
	auth, ok := signin.Of(b)
	if !ok {
		return nil, errors.New("dashboard: the core runs no dashboard feature (bot/dashboard)")
	}
	st, ok := b.Store.(Store)
	if !ok {
		return nil, errors.New("dashboard: the store cannot give the dashboard's figures")
	}
	if opts.Logger == nil {
		opts.Logger = b.Log
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = time.Minute
	}
	if opts.Refresh <= 0 {
		opts.Refresh = 5
	}
	s := &Server{b: b, auth: auth, store: st, log: opts.Logger.With("component", "dashboard"), refresh: opts.Refresh}
	s.bc, _ = broadcasts.Of(b)
	s.secure = strings.HasPrefix(b.Settings.Dashboard.URL, "https://")
	s.cache = &cache{clock: b.Clock, maxAge: opts.MaxAge, compute: func(ctx context.Context, now time.Time) (*Figures, error) {
		return Compute(ctx, st, &b.Settings, b.MatchRules(), now)
	}}
	auth.OnLink(func() { s.cache.prefetch(context.Background()) })
	tmpl, err := template.New("").Funcs(template.FuncMap{
		"t": func(lang, key string, args ...string) string { return b.Cat.T(lang, key, args...) },
	}).ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard: templates: %w", err)
	}
	s.tmpl = tmpl
	if s.css, err = fs.ReadFile(files, "static/style.css"); err != nil {
		return nil, fmt.Errorf("dashboard: style sheet: %w", err)
	}
	return s, nil
}

// page is one page of the dashboard: its id, its path in each language
// (after the base) and how to build its sections.
type page struct {
	id    string
	slug  map[bot.Lang]string
	build func(s *Server, ctx context.Context, p core.Printer, v *view) ([]section, error)
}

var pages = []page{
	{"overview", map[bot.Lang]string{bot.French: "", bot.English: ""}, (*Server).overview},
	{"rounds", roundsSlug, (*Server).roundsPage},
	{"members", map[bot.Lang]string{bot.French: "membres", bot.English: "members"}, (*Server).membersPage},
	{"congress", map[bot.Lang]string{bot.French: "congres", bot.English: "congress"}, (*Server).congressPage},
	{"broadcasts", broadcastsSlug, (*Server).broadcastsPage},
}

// Paths of the pages that are not figures.
var (
	accessSlug  = map[bot.Lang]string{bot.French: "accessibilite", bot.English: "accessibility"}
	signOutSlug = map[bot.Lang]string{bot.French: "deconnexion", bot.English: "sign-out"}
)

// RegisterRoutes adds the dashboard's routes, in both languages.
func (s *Server) RegisterRoutes(mux *http.ServeMux) {
	for _, lang := range bot.Languages {
		base, ok := signin.Base[lang]
		if !ok {
			continue
		}
		mux.HandleFunc("GET "+base, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, base+"/", http.StatusSeeOther)
		})
		for _, pg := range pages {
			pattern := "GET " + base + "/" + pg.slug[lang]
			if pg.slug[lang] == "" {
				pattern += "{$}"
			}
			mux.HandleFunc(pattern, s.signedIn(lang, func(w http.ResponseWriter, r *http.Request, sess signin.Session) {
				s.servePage(w, r, lang, pg, sess)
			}))
		}
		mux.HandleFunc("GET "+base+"/csv/{table}", s.signedIn(lang, func(w http.ResponseWriter, r *http.Request, sess signin.Session) {
			s.serveCSV(w, r, lang, r.PathValue("table"))
		}))
		mux.HandleFunc("GET "+signin.SignIn[lang], func(w http.ResponseWriter, r *http.Request) { s.signInForm(w, r, lang) })
		mux.HandleFunc("POST "+signin.SignIn[lang], func(w http.ResponseWriter, r *http.Request) { s.signIn(w, r, lang) })
		mux.HandleFunc("POST "+base+"/"+signOutSlug[lang], func(w http.ResponseWriter, r *http.Request) { s.signOut(w, r, lang) })
		mux.HandleFunc("GET "+base+"/"+accessSlug[lang], func(w http.ResponseWriter, r *http.Request) { s.accessibility(w, r, lang) })
		mux.HandleFunc("GET "+base+"/style.css", s.serveCSS)
	}
}

// view is what the layout template renders.
type view struct {
	Lang     string
	Title    string
	Base     string
	Nav      []navItem
	Other    navItem // the same page in the other language
	Sections []section
	// Refresh, when > 0, reloads the page every Refresh seconds (meta
	// refresh: works without script).
	Refresh int
	// NoRefresh: the organizer stopped the reloading (the query asks so).
	NoRefresh bool
	// SignedIn shows the navigation and the sign-out form (with CSRF).
	SignedIn bool
	CSRF     string
	SignOut  string
	AsOf     string
	// Message is the page's text when it is not a page of figures (a
	// refusal, the sign-in form, the accessibility statement).
	Message []string
	// SignInToken, when set, shows the sign-in button.
	SignInToken  string
	SignInAction string
	TokenParam   string
	Access       string
}

type navItem struct {
	Label, Href, Lang string
	Current           bool
}

// section is a part of a page: a heading, an optional chart, a table
// (with its CSV export), an optional list of progress bars.
type section struct {
	ID, Title string
	Intro     []string
	Chart     template.HTML
	Table     *table
	CSV       string
	Progress  []progressItem
	// Control is a link right after the explanation (stop or resume
	// the reloading); More one after the table.
	Control *navItem
	More    *navItem
}

type progressItem struct {
	Label      string
	Value, Max int
	Text       string
}

// table is a data table: caption, column headers, rows whose first cell
// heads the row. The CSV export is the same table.
type table struct {
	ID      string
	Caption string
	Head    []string
	Rows    [][]string
}

func (s *Server) newView(r *http.Request, lang bot.Lang, title, current string, sess *signin.Session) *view {
	l := string(lang)
	v := &view{Lang: l, Title: title, Base: signin.Base[lang], Access: signin.Base[lang] + "/" + accessSlug[lang]}
	p := s.b.Printer(lang)
	if sess != nil {
		v.SignedIn = true
		v.CSRF = s.auth.CSRF(*sess)
		v.SignOut = signin.Base[lang] + "/" + signOutSlug[lang]
		for _, pg := range pages {
			v.Nav = append(v.Nav, navItem{Label: p.T("dashboard.nav." + pg.id), Href: signin.Base[lang] + "/" + pg.slug[lang], Current: pg.id == current})
		}
	}
	other := bot.English
	if lang == bot.English {
		other = bot.French
	}
	href := signin.Base[other] + "/"
	for _, pg := range pages {
		if pg.id == current {
			href += pg.slug[other]
		}
	}
	if current == "accessibility" {
		href = signin.Base[other] + "/" + accessSlug[other]
	}
	v.Other = navItem{Label: s.b.Cat.T(string(other), "dashboard.lang_switch"), Href: href, Lang: string(other)}
	return v
}

// headers sets what every answer of the dashboard carries: no caching, no
// referrer (a sign-in link must not leak), no framing, and a content
// policy that allows nothing but the dashboard's own style sheet.
func headers(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
}

func (s *Server) render(w http.ResponseWriter, status int, v *view) {
	headers(w)
	var b strings.Builder
	if err := s.tmpl.ExecuteTemplate(&b, "layout.html", v); err != nil {
		s.log.Error("dashboard page", "err", err)
		http.Error(w, s.b.Cat.T(v.Lang, "dashboard.error"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// refuse answers a request without a valid session or link: the same page
// whatever the reason, with the way to get a new link.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, lang bot.Lang, status int) {
	p := s.b.Printer(lang)
	v := s.newView(r, lang, p.T("dashboard.refused.title"), "", nil)
	v.Message = []string{p.T("dashboard.refused.text"), p.T("dashboard.refused.how")}
	s.render(w, status, v)
}

func (s *Server) failed(w http.ResponseWriter, r *http.Request, lang bot.Lang, err error) {
	s.log.Error("dashboard", "path", r.URL.Path, "err", err)
	p := s.b.Printer(lang)
	v := s.newView(r, lang, p.T("dashboard.unavailable.title"), "", nil)
	v.Message = []string{p.T("dashboard.unavailable.text")}
	s.render(w, http.StatusServiceUnavailable, v)
}

// signedIn runs h with the request's session, or refuses it.
func (s *Server) signedIn(lang bot.Lang, h func(http.ResponseWriter, *http.Request, signin.Session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(CookieName)
		if err != nil {
			s.refuse(w, r, lang, http.StatusUnauthorized)
			return
		}
		sess, err := s.auth.Session(r.Context(), c.Value)
		switch {
		case errors.Is(err, signin.ErrRefused):
			s.clearCookie(w)
			s.refuse(w, r, lang, http.StatusUnauthorized)
			return
		case err != nil:
			s.failed(w, r, lang, err)
			return
		}
		h(w, r, sess)
	}
}

// signInForm shows the button that uses the link: a GET never uses it, so
// that a chat platform's link preview does not spend it.
func (s *Server) signInForm(w http.ResponseWriter, r *http.Request, lang bot.Lang) {
	token := r.URL.Query().Get(signin.TokenParam[lang])
	if token == "" || len(token) > 100 {
		s.refuse(w, r, lang, http.StatusForbidden)
		return
	}
	s.cache.prefetch(r.Context()) // the organizer is about to press the button
	p := s.b.Printer(lang)
	v := s.newView(r, lang, p.T("dashboard.signin.title"), "", nil)
	v.Message = []string{p.T("dashboard.signin.text")}
	v.SignInToken, v.SignInAction, v.TokenParam = token, signin.SignIn[lang], signin.TokenParam[lang]
	other := bot.Lang(v.Other.Lang) // the same link, in the other language
	v.Other.Href = signin.SignIn[other] + "?" + signin.TokenParam[other] + "=" + url.QueryEscape(token)
	s.render(w, http.StatusOK, v)
}

// sameOrigin refuses a form posted from another site: the browser's
// Sec-Fetch-Site header, when it sends one, must say same-origin; else its
// Origin header, when it names one (with the no-referrer policy, browsers
// may send "null"), must name this host. The link's token or the CSRF
// token is required besides.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request, lang bot.Lang) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if !sameOrigin(r) || r.ParseForm() != nil {
		s.refuse(w, r, lang, http.StatusForbidden)
		return
	}
	sess, err := s.auth.Redeem(r.Context(), r.PostForm.Get(signin.TokenParam[lang]))
	switch {
	case errors.Is(err, signin.ErrRefused):
		s.refuse(w, r, lang, http.StatusForbidden)
		return
	case err != nil:
		s.failed(w, r, lang, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: sess.Token, Path: "/", MaxAge: int(signin.SessionTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure || r.TLS != nil})
	headers(w)
	http.Redirect(w, r, signin.Base[lang]+"/", http.StatusSeeOther)
}

func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure})
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, lang bot.Lang) {
	s.signedIn(lang, func(w http.ResponseWriter, r *http.Request, sess signin.Session) {
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		if !sameOrigin(r) || r.ParseForm() != nil || !s.auth.CheckCSRF(sess, r.PostForm.Get("csrf")) {
			p := s.b.Printer(lang)
			v := s.newView(r, lang, p.T("dashboard.csrf.title"), "", nil)
			v.Message = []string{p.T("dashboard.csrf.text")}
			s.render(w, http.StatusForbidden, v)
			return
		}
		if err := s.auth.SignOut(r.Context(), sess); err != nil {
			s.failed(w, r, lang, err)
			return
		}
		s.clearCookie(w)
		p := s.b.Printer(lang)
		v := s.newView(r, lang, p.T("dashboard.signed_out.title"), "", nil)
		v.Message = []string{p.T("dashboard.signed_out.text")}
		s.render(w, http.StatusOK, v)
	})(w, r)
}

func (s *Server) serveCSS(w http.ResponseWriter, _ *http.Request) {
	headers(w)
	w.Header().Set("Cache-Control", "max-age=3600")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write(s.css)
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request, lang bot.Lang, pg page, sess signin.Session) {
	p := s.b.Printer(lang)
	v := s.newView(r, lang, p.T("dashboard.title."+pg.id), pg.id, &sess)
	v.NoRefresh = r.URL.Query().Get(noRefreshParam[lang]) != ""
	secs, err := pg.build(s, r.Context(), p, v)
	if err != nil {
		s.failed(w, r, lang, err)
		return
	}
	for i := range secs {
		if secs[i].Table != nil {
			secs[i].CSV = signin.Base[lang] + "/csv/" + secs[i].Table.ID + ".csv"
		}
	}
	v.Sections = secs
	s.render(w, http.StatusOK, v)
}

// figures returns the cached figures and writes their date in v.
func (s *Server) figures(ctx context.Context, p core.Printer, v *view) (*Figures, error) {
	f, err := s.cache.get(ctx)
	if err != nil {
		return nil, err
	}
	v.AsOf = p.T("dashboard.as_of", "date", s.b.FormatDateTime(p.Lang, f.At, nil))
	return f, nil
}
