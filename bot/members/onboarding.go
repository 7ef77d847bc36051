package members

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/bot/core"
	"github.com/sndgct/maillage/internal/textnorm"
)

// The onboarding dialogue gathers, in a direct message, what matching
// needs: the collectivity (resolved from the official data and confirmed),
// the member's role, interests, preferences and language, and an explicit
// opt-in. Its answers live in the stored Dialogue until the end, so that
// it resumes after a restart or on another replica, and nothing is kept
// about a member who abandons it. "annuler" ends it at any step.
//
// The same steps serve to change one field of a profile ("modifier
// collectivité"): the dialogue's "edit" entry names the field, and the
// dialogue ends as soon as that field is answered.

const onboardingKind = "onboarding"

// Dialogue data keys.
const (
	dEdit      = "edit"               // "" during onboarding, else the field being changed
	dColl      = "coll"               // JSON Collectivity proposed or declared
	dCollOK    = "coll_ok"            // "1" once confirmed
	dCands     = "cands"              // JSON []Collectivity offered to choose from
	dPage      = "page"               // the page of dCands shown, from 0
	dRole      = "role"               // member role id
	dInterests = "interests"          // comma-separated interest ids
	dIntDone   = "int_done"           // "1" once the interests are settled
	dCadence   = "cadence"            // biweekly | monthly
	dSize      = "size"               // similar | open
	dRegion    = "region"             // same | any
	dLang      = core.DialogueLangKey // fr | en
	dPrefsDone = "prefs_done"         // "1" once the preferences are settled
	dPrefsEdit = "prefs_edit"         // "1" while going through them one by one
	dOtherType = "other_type"         // declared employer's type
	dOtherDep  = "other_dep"          // declared employer's département
)

// otherTypes are the kinds of employer a member may declare when theirs is
// not in the official data.
var otherTypes = []string{"cdg", "syndicat", "ccas", "etablissement", "autre"}

// otherSizes are the approximate sizes offered (population served).
var otherSizes = []int{1000, 5000, 20000, 100000, 500000}

// maxCandidates bounds the homonyms or suggestions offered as buttons at
// once; more are offered page by page, up to maxListed.
const (
	maxCandidates = 8
	maxListed     = 200
)

// startOnboarding asks the first question, after the greeting when greet
// is set; text, when given ("DGS de Saint-Pierre-du-Perray"), is already
// the answer.
func (b onboarding) startOnboarding(ctx context.Context, r *core.Turn, text, edit string, greet bool) []bot.Reply {
	now := b.Clock.Now()
	d := bot.Dialogue{Member: r.Msg.From, Kind: onboardingKind, Started: now, Expires: now.Add(b.Settings.DialogueTTL),
		Data: map[string]string{}}
	if edit != "" {
		d.Data[dEdit] = edit
	} else if r.Known {
		b.prefill(&d, r.Member) // imported by an organizer: to be confirmed
	}
	if edit == "" && r.Member.Language == "" {
		// A first message in English is answered in English, and the
		// dialogue keeps speaking it (core.DialogueLangKey).
		if l, ok := core.GuessLang(r.Text); ok {
			r.Lang = l
			d.Data[dLang] = string(l)
		}
	}
	var lead []bot.Reply
	if greet {
		lead = append(lead, b.greeting(r))
	}
	if text != "" {
		return append(lead, b.onbCollectivityText(ctx, r, &d, text)...)
	}
	return b.onbNext(ctx, r, &d, lead...)
}

// prefill starts the dialogue from what an organizer's import gave: the
// collectivity is still to be confirmed and the interests to be settled.
func (b onboarding) prefill(d *bot.Dialogue, m bot.Member) {
	if m.Collectivity != nil {
		b.setColl(d, *m.Collectivity)
	}
	if _, ok := core.LabelByID(b.Settings.MemberRoles, m.Role); ok {
		d.Data[dRole] = m.Role
	}
	b.setInterests(d, m.Interests)
}

// greeting says in three lines what Maillage does, what it keeps and why,
// and the member's rights.
func (b onboarding) greeting(r *core.Turn) bot.Reply {
	p := b.Settings.Privacy
	rights := r.T("members.greeting.rights")
	if p.Contact != "" {
		rights = r.T("members.greeting.rights_contact", "contact", p.Contact)
	}
	return bot.Reply{Text: strings.Join([]string{
		r.T("members.greeting.what", "bot", b.Settings.Name),
		r.T("members.greeting.data", "controller", p.Controller, "months", strconv.Itoa(p.RetentionMonths)),
		rights,
	}, "\n")}
}

func (b onboarding) saveDialogue(ctx context.Context, r *core.Turn, d *bot.Dialogue) bool {
	d.Expires = b.Clock.Now().Add(b.Settings.DialogueTTL)
	if err := b.store.SaveDialogue(ctx, *d); err != nil {
		b.Log.Error("saving dialogue", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
		return false
	}
	return true
}

// onbNext asks for the next missing answer, or ends the dialogue.
func (b onboarding) onbNext(ctx context.Context, r *core.Turn, d *bot.Dialogue, lead ...bot.Reply) []bot.Reply {
	edit := d.Data[dEdit]
	var ask bot.Reply
	switch {
	case (edit == "" || edit == "collectivity") && d.Data[dCollOK] != "1":
		if _, ok := collOf(d); ok {
			ask = b.askConfirm(r, d)
		} else {
			ask = b.askCollectivity(r, d)
		}
	case (edit == "" || edit == "role") && d.Data[dRole] == "":
		ask = b.askRole(r, d)
	case (edit == "" || edit == "interests") && d.Data[dIntDone] != "1":
		ask = b.askInterests(r, d, "")
	case edit == "help" && (d.Data[dOffersDone] != "1" || d.Data[dNeedsDone] != "1"):
		ask, _ = b.nextHelp(r, d)
	case edit == "" && d.Data[dPrefsDone] != "1" && d.Data[dPrefsEdit] != "1":
		ask = b.askPrefs(r, d)
	case (edit == "cadence" || edit == "prefs" || d.Data[dPrefsEdit] == "1") && d.Data[dCadence] == "":
		ask = b.askCadence(r, d)
	case (edit == "size" || edit == "prefs" || d.Data[dPrefsEdit] == "1") && d.Data[dSize] == "":
		ask = b.askSize(r, d)
	case (edit == "region" || edit == "prefs" || d.Data[dPrefsEdit] == "1") && d.Data[dRegion] == "":
		ask = b.askRegion(r, d)
	case d.Data[dPrefsEdit] == "1" && d.Data[dLang] == "":
		ask = b.askLang(r, d)
	case edit == "":
		d.Data[dPrefsDone] = "1"
		ask = b.askOptIn(r, d)
	default:
		return append(lead, b.finishEdit(ctx, r, d)...)
	}
	if !b.saveDialogue(ctx, r, d) {
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return append(lead, ask)
}

// dialogueOnboarding answers a typed message during the dialogue.
func (b onboarding) dialogueOnboarding(ctx context.Context, r *core.Turn, d bot.Dialogue, commandFound bool) ([]bot.Reply, bool) {
	if r.Msg.Conversation.Kind != bot.Direct {
		return nil, false // the onboarding happens in the direct conversation
	}
	if d.Data == nil {
		d.Data = map[string]string{}
	}
	text := r.Text
	if commandFound {
		cmd, args, _ := b.Core.MatchCommand(r.Text)
		switch cmd.ID {
		case "iam":
			text = args
		case "join":
			return []bot.Reply{b.withPrompt(r, "members.resume", b.reask(r, &d))}, true
		case "lang":
			// The language is one of the answers: changing it must not end
			// the dialogue, as the "langue" command's own dialogue would.
			if l, ok := core.LangFromText(args); ok {
				noted, ok := b.onbSetLang(ctx, r, &d, l)
				if !ok {
					return []bot.Reply{noted}, true
				}
				return append([]bot.Reply{noted}, b.onbStep(ctx, r, &d, b.reask(r, &d))...), true
			}
			return b.onbStep(ctx, r, &d, b.askLang(r, &d)), true
		default:
			return nil, false // "aide", "mes données"... run, and the dialogue waits
		}
	}
	folded := textnorm.Fold(text)
	if kind, ok := core.SmallTalk(text); ok {
		// « oui merci », « parfait, merci » answer a yes-or-no question.
		first, _, _ := strings.Cut(folded, " ")
		if yes, yn := core.YesNo(first); yn && (d.Step == "confirm" || d.Step == "prefs" || d.Step == "optin") {
			return b.Core.Choose(ctx, r, "onb."+d.Step, map[bool]string{true: "yes", false: "no"}[yes]), true
		}
		return b.onbTalk(ctx, r, &d, kind), true
	}
	// A number picks the numbered choice of the pending question, on
	// platforms without buttons as in the terminal.
	if n, err := strconv.Atoi(folded); err == nil && d.Step != "collectivity" {
		if q := b.reask(r, &d); n >= 1 && n <= len(q.Choices) {
			c := q.Choices[n-1]
			return b.Core.Choose(ctx, r, c.Action, c.Value), true
		}
	}
	switch d.Step {
	case "collectivity", "pick":
		if n, err := strconv.Atoi(folded); err == nil && d.Step == "pick" && n >= 0 && n < 100 {
			return []bot.Reply{b.withPrompt(r, "members.reprompt_choice", b.reask(r, &d))}, true // out of range
		}
		if _, typo := b.Core.SuggestCommand(text, r.Role, r.Lang); typo && !commandFound && len(b.Dir.Lookup(text)) == 0 {
			return nil, false // "profl": a mistyped command, not a collectivity
		}
		return b.onbCollectivityText(ctx, r, &d, text), true
	case "confirm":
		if yes, ok := core.YesNo(folded); ok {
			return b.onbConfirm(ctx, r, &d, yes), true
		}
		return b.onbCollectivityText(ctx, r, &d, text), true
	case "other_type":
		for _, t := range otherTypes {
			if folded == textnorm.Fold(r.T("members.other.type."+t)) || folded == t {
				return b.onbOtherType(ctx, r, &d, t), true
			}
		}
		return []bot.Reply{b.askOtherType(r, &d, "members.other.type_reprompt")}, true
	case "other_dep":
		return b.onbOtherDep(ctx, r, &d, text), true
	case "other_size":
		if n, ok := parseSize(folded); ok {
			return b.onbOtherSize(ctx, r, &d, n), true
		}
		return []bot.Reply{b.askOtherSize(r, &d, "members.other.size_reprompt")}, true
	case "role":
		if l, _, _, ok := core.FindLabel(b.Settings.MemberRoles, text); ok {
			return b.onbRole(ctx, r, &d, l.ID), true
		}
		if i, err := strconv.Atoi(folded); err == nil && i >= 1 && i <= len(b.Settings.MemberRoles) {
			return b.onbRole(ctx, r, &d, b.Settings.MemberRoles[i-1].ID), true
		}
		return []bot.Reply{b.withPrompt(r, "members.role.reprompt", b.askRole(r, &d))}, true
	case "interests":
		return b.onbInterestsText(ctx, r, &d, text), true
	case "offers", "needs":
		return b.onbHelpText(ctx, r, &d, text), true
	case "prefs":
		if yes, ok := core.YesNo(folded); ok {
			return b.onbPrefs(ctx, r, &d, yes), true
		}
		return []bot.Reply{b.withPrompt(r, "members.reprompt_choice", b.askPrefs(r, &d))}, true
	case "cadence", "size", "region", "lang":
		if v, ok := b.prefFromText(d.Step, folded); ok {
			return b.onbPref(ctx, r, &d, d.Step, v), true
		}
		return []bot.Reply{b.withPrompt(r, "members.reprompt_choice", b.reask(r, &d))}, true
	case "optin":
		if yes, ok := core.YesNo(folded); ok {
			return b.onbOptIn(ctx, r, &d, yes), true
		}
		return []bot.Reply{b.withPrompt(r, "members.reprompt_choice", b.askOptIn(r, &d))}, true
	}
	return b.onbNext(ctx, r, &d), true
}

// onbTalk answers small talk during the onboarding, then repeats the
// pending question; « au revoir » leaves it waiting.
func (b onboarding) onbTalk(ctx context.Context, r *core.Turn, d *bot.Dialogue, kind string) []bot.Reply {
	switch kind {
	case core.TalkBye:
		return []bot.Reply{r.Reply("members.talk.bye")}
	case core.TalkHow, core.TalkWho:
		return []bot.Reply{b.greeting(r), b.withPrompt(r, "members.resume", b.reask(r, d))}
	}
	return []bot.Reply{b.withPrompt(r, "members.talk.thanks", b.reask(r, d))}
}

// reask repeats the current question (resuming after an interruption).
func (b onboarding) reask(r *core.Turn, d *bot.Dialogue) bot.Reply {
	asks := map[string]func(*core.Turn, *bot.Dialogue) bot.Reply{
		"pick":       func(r *core.Turn, d *bot.Dialogue) bot.Reply { return b.askPick(r, d, "members.coll.pick") },
		"confirm":    b.askConfirm,
		"other_type": func(r *core.Turn, d *bot.Dialogue) bot.Reply { return b.askOtherType(r, d, "members.other.type_ask") },
		"other_dep":  b.askOtherDep,
		"other_size": func(r *core.Turn, d *bot.Dialogue) bot.Reply { return b.askOtherSize(r, d, "members.other.size_ask") },
		"role":       b.askRole,
		"interests":  func(r *core.Turn, d *bot.Dialogue) bot.Reply { return b.askInterests(r, d, "") },
		"prefs":      b.askPrefs,
		"cadence":    b.askCadence,
		"size":       b.askSize,
		"region":     b.askRegion,
		"lang":       b.askLang,
		"optin":      b.askOptIn,
		"offers":     func(r *core.Turn, d *bot.Dialogue) bot.Reply { return b.askHelp(r, d, "offers", "") },
		"needs":      func(r *core.Turn, d *bot.Dialogue) bot.Reply { return b.askHelp(r, d, "needs", "") },
	}
	if ask, ok := asks[d.Step]; ok {
		return ask(r, d)
	}
	return b.askCollectivity(r, d)
}

// withPrompt puts a short sentence before a question.
func (b onboarding) withPrompt(r *core.Turn, key string, q bot.Reply) bot.Reply {
	q.Text = r.T(key) + "\n" + q.Text
	return q
}

// Collectivity.

func (b onboarding) askCollectivity(r *core.Turn, d *bot.Dialogue) bot.Reply {
	d.Step = "collectivity"
	key := "members.coll.ask"
	if d.Data[dEdit] == "collectivity" {
		key = "members.coll.ask_edit"
	} else if d.Data[dRole] != "" {
		key = "members.coll.ask_role_known"
	}
	return bot.Reply{Text: r.T(key, "role", b.Core.RoleLabel(r.Lang, d.Data[dRole])),
		Choices: []bot.Choice{{Action: "onb.other", Value: "1", Label: r.T("members.coll.other_button")}}}
}

// fillers are words people put before a collectivity's name in a sentence.
var fillers = map[string]bool{"je": true, "suis": true, "i": true, "am": true, "m": true, "im": true,
	"travaille": true, "work": true, "the": true, "a": true, "au": true, "aux": true, "of": true, "at": true,
	"for": true, "in": true, "chez": true, "pour": true, "de": true, "du": true, "des": true, "d": true,
	"et": true, "and": true, "comme": true, "as": true, "en": true, "tant": true, "que": true}

// onbCollectivityText reads a sentence that names the collectivity and
// perhaps the role ("Je suis DGS de Saint-Pierre-du-Perray").
func (b onboarding) onbCollectivityText(ctx context.Context, r *core.Turn, d *bot.Dialogue, text string) []bot.Reply {
	var lead []bot.Reply
	query := text
	// The role named in the sentence is taken too, even when only the
	// collectivity is being changed ("je suis DGA de Tours Métropole").
	roleRead := false
	if l, before, after, ok := core.FindLabel(b.Settings.MemberRoles, text); ok {
		d.Data[dRole], roleRead = l.ID, true
		query = after
		if strings.TrimSpace(after) == "" {
			query = before
		}
	}
	words := strings.Fields(textnorm.Fold(query))
	for len(words) > 0 && greetWords[words[0]] {
		words = words[1:] // « Bonjour, Saint-Pierre-du-Perray »
	}
	switch strings.Join(words, " ") {
	case "autre", "autre employeur", "other", "other employer", "aucune", "none":
		return b.onbOther(ctx, r, d)
	}
	var found []bot.Collectivity
	q := strings.Join(words, " ")
	for len(words) > 0 {
		q = strings.Join(words, " ")
		if found = b.Dir.Lookup(q); len(found) > 0 || !fillers[words[0]] {
			break
		}
		words = words[1:]
	}
	if len(words) == 0 {
		// Only a role, or only filler words.
		return b.onbNext(ctx, r, d, lead...)
	}
	switch {
	case len(found) == 1:
		b.setColl(d, found[0])
		delete(d.Data, dCands)
		q := b.askConfirm(r, d)
		if !roleRead {
			// The role was noted earlier: no need to say it again.
			q.Text = r.T("members.coll.confirm", "collectivity", b.Core.DescribeColl(r.Lang, found[0]))
		}
		return b.onbStep(ctx, r, d, q)
	case len(found) > 1:
		b.setCands(d, found)
		key := "members.coll.homonyms"
		if len(found) > maxCandidates {
			key = "members.coll.homonyms_paged"
		}
		return b.onbStep(ctx, r, d, b.askPick(r, d, key))
	}
	shown, _ := textnorm.Truncate(text, 60)
	if !nameLike(words) {
		// Nothing in the sentence looks like a collectivity's name (« je
		// voudrais rencontrer des collègues de ma région »): ask for it,
		// with what was read (the role).
		delete(d.Data, dCands)
		if d.Step == "" {
			return b.onbNext(ctx, r, d, lead...)
		}
		rep := b.askCollectivity(r, d)
		rep.Text = r.T("members.coll.not_a_name", "input", shown) + "\n" + rep.Text
		return b.onbStep(ctx, r, d, rep)
	}
	if sugg := b.Dir.Suggest(q, maxCandidates); len(sugg) > 0 {
		b.setCands(d, sugg)
		rep := b.askPick(r, d, "members.coll.suggest")
		rep.Text = r.T("members.coll.unknown", "input", shown) + "\n" + rep.Text
		return b.onbStep(ctx, r, d, rep)
	}
	delete(d.Data, dCands)
	rep := b.askCollectivity(r, d)
	rep.Text = r.T("members.coll.unknown", "input", shown) + "\n" + r.T("members.coll.hint")
	return b.onbStep(ctx, r, d, rep)
}

// greetWords may open a sentence before the name.
var greetWords = map[string]bool{"bonjour": true, "bonsoir": true, "salut": true, "hello": true, "hi": true,
	"madame": true, "monsieur": true, "oui": true, "yes": true}

// sentenceWords do not occur in a collectivity's name: a query holding one
// is a sentence, not a name, and gets no suggestions.
var sentenceWords = map[string]bool{"je": true, "j": true, "voudrais": true, "veux": true, "souhaite": true,
	"souhaiterais": true, "aimerais": true, "cherche": true, "rencontrer": true, "echanger": true, "parler": true,
	"ma": true, "mon": true, "mes": true, "notre": true, "nos": true, "votre": true, "vos": true, "collegue": true,
	"collegues": true, "comment": true, "pourquoi": true, "quoi": true, "quel": true, "quelle": true, "est": true,
	"ce": true, "qui": true, "que": true, "ne": true, "pas": true, "sais": true, "merci": true, "svp": true,
	"vous": true, "nous": true, "tu": true, "please": true, "my": true, "our": true, "your": true, "want": true,
	"would": true, "like": true, "meet": true, "colleagues": true, "colleague": true, "how": true, "what": true,
	"why": true, "who": true, "is": true, "are": true, "do": true, "does": true, "can": true, "not": true,
	"know": true, "help": true, "aide": true, "peux": true, "pouvez": true, "suis": true, "am": true}

// kindWords name a kind of collectivity, not one.
var kindWords = map[string]bool{"region": true, "departement": true, "ville": true, "commune": true,
	"mairie": true, "agglo": true, "agglomeration": true, "metropole": true, "interco": true,
	"intercommunalite": true, "communaute": true, "communes": true, "conseil": true, "departemental": true,
	"regional": true, "collectivite": true, "territoriale": true, "city": true, "town": true, "council": true,
	"la": true, "le": true, "les": true, "l": true, "de": true, "du": true, "des": true, "d": true}

// nameLike tells whether folded words may be a collectivity's name (or
// the start of one) worth suggesting near names for.
func nameLike(words []string) bool {
	if len(words) == 0 || len(words) > 7 {
		return false
	}
	onlyKind, letters := true, false
	for _, w := range words {
		if sentenceWords[w] {
			return false
		}
		onlyKind = onlyKind && kindWords[w]
		letters = letters || strings.ContainsFunc(w, unicode.IsLetter)
	}
	return letters && !onlyKind
}

// onbStep saves the dialogue and returns the question.
func (b onboarding) onbStep(ctx context.Context, r *core.Turn, d *bot.Dialogue, q bot.Reply) []bot.Reply {
	if !b.saveDialogue(ctx, r, d) {
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	return []bot.Reply{q}
}

func (b onboarding) setColl(d *bot.Dialogue, c bot.Collectivity) {
	data, _ := json.Marshal(c)
	d.Data[dColl] = string(data)
}

func collOf(d *bot.Dialogue) (bot.Collectivity, bool) {
	var c bot.Collectivity
	if d.Data[dColl] == "" || json.Unmarshal([]byte(d.Data[dColl]), &c) != nil {
		return bot.Collectivity{}, false
	}
	return c, true
}

func (b onboarding) setCands(d *bot.Dialogue, cs []bot.Collectivity) {
	if len(cs) > maxListed {
		cs = cs[:maxListed]
	}
	data, _ := json.Marshal(cs)
	d.Data[dCands] = string(data)
	delete(d.Data, dPage)
}

func candsOf(d *bot.Dialogue) []bot.Collectivity {
	var cs []bot.Collectivity
	_ = json.Unmarshal([]byte(d.Data[dCands]), &cs)
	return cs
}

func (b onboarding) askConfirm(r *core.Turn, d *bot.Dialogue) bot.Reply {
	d.Step = "confirm"
	c, _ := collOf(d)
	key := "members.coll.confirm"
	if d.Data[dRole] != "" {
		key = "members.coll.confirm_role"
	}
	return bot.Reply{Text: r.T(key, "collectivity", b.Core.DescribeColl(r.Lang, c), "role", b.Core.RoleLabel(r.Lang, d.Data[dRole])),
		Choices: []bot.Choice{
			{Action: "onb.confirm", Value: "yes", Label: r.T("members.yes"), Style: "primary"},
			{Action: "onb.confirm", Value: "no", Label: r.T("members.coll.not_mine")},
			{Action: "onb.other", Value: "1", Label: r.T("members.coll.other_button")},
		}}
}

func (b onboarding) askPick(r *core.Turn, d *bot.Dialogue, key string) bot.Reply {
	d.Step = "pick"
	cs := candsOf(d)
	page, _ := strconv.Atoi(d.Data[dPage])
	if page < 0 || page*maxCandidates >= len(cs) {
		page = 0
	}
	from, to := page*maxCandidates, min((page+1)*maxCandidates, len(cs))
	rep := bot.Reply{Text: r.T(key, "count", strconv.Itoa(len(cs)), "from", strconv.Itoa(from+1), "to", strconv.Itoa(to))}
	for i := from; i < to; i++ {
		rep.Choices = append(rep.Choices, bot.Choice{Action: "onb.pick", Value: strconv.Itoa(i), Label: b.shortColl(r.Lang, cs[i])})
	}
	if len(cs) > maxCandidates {
		// The others, page by page; the last page leads back to the first.
		next, label := page+1, r.T("members.coll.more_button", "count", strconv.Itoa(min(maxCandidates, len(cs)-to)))
		if to == len(cs) {
			next, label = 0, r.T("members.coll.first_button")
		}
		rep.Choices = append(rep.Choices, bot.Choice{Action: "onb.page", Value: strconv.Itoa(next), Label: label})
	}
	rep.Choices = append(rep.Choices, bot.Choice{Action: "onb.other", Value: "1", Label: r.T("members.coll.other_button")})
	return rep
}

// onbPage shows another page of the candidates.
func (b onboarding) onbPage(ctx context.Context, r *core.Turn, d *bot.Dialogue, value string) []bot.Reply {
	page, err := strconv.Atoi(value)
	if err != nil || page < 0 || page*maxCandidates >= len(candsOf(d)) {
		return []bot.Reply{b.withPrompt(r, "members.reprompt_choice", b.askPick(r, d, "members.coll.pick"))}
	}
	d.Data[dPage] = value
	return b.onbStep(ctx, r, d, b.askPick(r, d, "members.coll.homonyms_paged"))
}

func (b onboarding) onbPick(ctx context.Context, r *core.Turn, d *bot.Dialogue, value string) []bot.Reply {
	cs := candsOf(d)
	i, err := strconv.Atoi(value)
	if err != nil || i < 0 || i >= len(cs) {
		return []bot.Reply{b.withPrompt(r, "members.reprompt_choice", b.askPick(r, d, "members.coll.pick"))}
	}
	b.setColl(d, cs[i])
	delete(d.Data, dCands)
	d.Data[dCollOK] = "1"
	return b.onbNext(ctx, r, d)
}

func (b onboarding) onbConfirm(ctx context.Context, r *core.Turn, d *bot.Dialogue, yes bool) []bot.Reply {
	if _, ok := collOf(d); !ok {
		return b.onbNext(ctx, r, d)
	}
	if !yes {
		delete(d.Data, dColl)
		rep := b.askCollectivity(r, d)
		rep.Text = r.T("members.coll.retry")
		return b.onbStep(ctx, r, d, rep)
	}
	d.Data[dCollOK] = "1"
	return b.onbNext(ctx, r, d)
}

// Declared employers.

func (b onboarding) onbOther(ctx context.Context, r *core.Turn, d *bot.Dialogue) []bot.Reply {
	delete(d.Data, dColl)
	delete(d.Data, dCands)
	return b.onbStep(ctx, r, d, b.askOtherType(r, d, "members.other.type_ask"))
}

func (b onboarding) askOtherType(r *core.Turn, d *bot.Dialogue, key string) bot.Reply {
	d.Step = "other_type"
	rep := bot.Reply{Text: r.T(key)}
	for _, t := range otherTypes {
		rep.Choices = append(rep.Choices, bot.Choice{Action: "onb.other_type", Value: t, Label: r.T("members.other.type." + t)})
	}
	return rep
}

func (b onboarding) onbOtherType(ctx context.Context, r *core.Turn, d *bot.Dialogue, t string) []bot.Reply {
	if !slices.Contains(otherTypes, t) {
		return []bot.Reply{b.askOtherType(r, d, "members.other.type_reprompt")}
	}
	d.Data[dOtherType] = t
	return b.onbStep(ctx, r, d, b.askOtherDep(r, d))
}

func (b onboarding) askOtherDep(r *core.Turn, d *bot.Dialogue) bot.Reply {
	d.Step = "other_dep"
	return bot.Reply{Text: r.T("members.other.dep_ask")}
}

func (b onboarding) onbOtherDep(ctx context.Context, r *core.Turn, d *bot.Dialogue, text string) []bot.Reply {
	if dep, ok := b.findDepartement(text); ok {
		d.Data[dOtherDep] = dep.Code
		return b.onbStep(ctx, r, d, b.askOtherSize(r, d, "members.other.size_ask"))
	}
	shown, _ := textnorm.Truncate(text, 60)
	return []bot.Reply{r.Reply("members.other.dep_unknown", "input", shown)}
}

// findDepartement reads a département typed by its code or its name.
func (b onboarding) findDepartement(text string) (bot.Collectivity, bool) {
	if c, ok := b.Dir.Departement(strings.TrimSpace(text)); ok {
		return c, true
	}
	for _, c := range b.Dir.Lookup(text) {
		if c.Kind == bot.KindDepartement {
			return c, true
		}
	}
	return bot.Collectivity{}, false
}

func (b onboarding) askOtherSize(r *core.Turn, d *bot.Dialogue, key string) bot.Reply {
	d.Step = "other_size"
	rep := bot.Reply{Text: r.T(key)}
	for i, n := range otherSizes {
		rep.Choices = append(rep.Choices, bot.Choice{Action: "onb.other_size", Value: strconv.Itoa(n),
			Label: r.T("members.other.size." + strconv.Itoa(i))})
	}
	return rep
}

// parseSize reads an approximate population typed as a number ("30 000",
// "environ 30000", "12k").
func parseSize(folded string) (int, bool) {
	s := strings.NewReplacer("environ", "", "about", "", "around", "", "habitants", "", "inhabitants", "",
		" ", "", ".", "", ",", "").Replace(folded)
	mult := 1
	if strings.HasSuffix(s, "k") {
		s, mult = strings.TrimSuffix(s, "k"), 1000
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 20_000_000/mult {
		return 0, false
	}
	return n * mult, true
}

func (b onboarding) onbOtherSize(ctx context.Context, r *core.Turn, d *bot.Dialogue, n int) []bot.Reply {
	c := bot.Collectivity{Kind: bot.KindOther, Code: d.Data[dOtherType], Population: n, Departement: d.Data[dOtherDep]}
	if dep, ok := b.Dir.Departement(c.Departement); ok {
		c.Region = dep.Region
	}
	b.setColl(d, c)
	d.Data[dCollOK] = "1"
	return b.onbNext(ctx, r, d)
}

// Role.

func (b onboarding) askRole(r *core.Turn, d *bot.Dialogue) bot.Reply {
	d.Step = "role"
	rep := bot.Reply{Text: r.T("members.role.ask")}
	for _, l := range b.Settings.MemberRoles {
		rep.Choices = append(rep.Choices, bot.Choice{Action: "onb.role", Value: l.ID, Label: l.Text(r.Lang)})
	}
	return rep
}

func (b onboarding) onbRole(ctx context.Context, r *core.Turn, d *bot.Dialogue, id string) []bot.Reply {
	if _, ok := core.LabelByID(b.Settings.MemberRoles, id); !ok {
		return []bot.Reply{b.withPrompt(r, "members.role.reprompt", b.askRole(r, d))}
	}
	d.Data[dRole] = id
	return b.onbNext(ctx, r, d)
}

// Interests.

func interestsOf(d *bot.Dialogue) []string {
	if d.Data[dInterests] == "" {
		return nil
	}
	return strings.Split(d.Data[dInterests], ",")
}

func (b onboarding) setInterests(d *bot.Dialogue, ids []string) {
	// Keep the configured order.
	var out []string
	for _, l := range b.Settings.Interests {
		if slices.Contains(ids, l.ID) {
			out = append(out, l.ID)
		}
	}
	d.Data[dInterests] = strings.Join(out, ",")
}

// interestChoices offers the configured interests as buttons of action,
// valued prefix + id, those chosen ticked.
func (b onboarding) interestChoices(lang bot.Lang, chosen []string, action, prefix string) []bot.Choice {
	cs := make([]bot.Choice, 0, len(b.Settings.Interests)+1)
	for _, l := range b.Settings.Interests {
		label := l.Text(lang)
		if slices.Contains(chosen, l.ID) {
			label = "✓ " + label
		}
		cs = append(cs, bot.Choice{Action: action, Value: prefix + l.ID, Label: label})
	}
	return cs
}

func (b onboarding) askInterests(r *core.Turn, d *bot.Dialogue, lead string) bot.Reply {
	d.Step = "interests"
	chosen := interestsOf(d)
	text := r.T("members.interests.ask")
	if len(chosen) > 0 {
		text = r.T("members.interests.chosen", "interests", b.Core.InterestLabels(r.Lang, chosen))
	}
	if lead != "" {
		text = lead + "\n" + text
	}
	rep := bot.Reply{Text: text, Choices: b.interestChoices(r.Lang, chosen, "onb.interest", "")}
	rep.Choices = append(rep.Choices, bot.Choice{Action: "onb.interests_done", Value: "1",
		Label: r.T("members.interests.done_button"), Style: "primary"})
	return rep
}

func (b onboarding) onbToggleInterest(ctx context.Context, r *core.Turn, d *bot.Dialogue, id string) []bot.Reply {
	if _, ok := core.LabelByID(b.Settings.Interests, id); !ok {
		return []bot.Reply{b.askInterests(r, d, r.T("members.reprompt_choice"))}
	}
	chosen := interestsOf(d)
	if i := slices.Index(chosen, id); i >= 0 {
		chosen = slices.Delete(chosen, i, i+1)
	} else {
		chosen = append(chosen, id)
	}
	b.setInterests(d, chosen)
	return b.onbStep(ctx, r, d, b.askInterests(r, d, ""))
}

func (b onboarding) onbInterestsDone(ctx context.Context, r *core.Turn, d *bot.Dialogue) []bot.Reply {
	if len(interestsOf(d)) == 0 {
		return []bot.Reply{b.askInterests(r, d, r.T("members.interests.none"))}
	}
	d.Data[dIntDone] = "1"
	return b.onbNext(ctx, r, d)
}

var doneWords = map[string]bool{"termine": true, "fini": true, "c est tout": true, "done": true,
	"finished": true, "that s all": true, "ok": true, "valider": true, "suivant": true, "next": true}

// onbInterestsText reads interests typed by number or name, separated by
// commas, "et" or spaces ("1, 4 et 7", "IA; management").
func (b onboarding) onbInterestsText(ctx context.Context, r *core.Turn, d *bot.Dialogue, text string) []bot.Reply {
	folded := textnorm.Fold(text)
	if doneWords[folded] {
		return b.onbInterestsDone(ctx, r, d)
	}
	chosen := interestsOf(d)
	if d.Data[dEdit] == "interests" {
		chosen = nil // a typed list replaces the current one
	}
	var unknown []string
	add := func(id string) {
		if !slices.Contains(chosen, id) {
			chosen = append(chosen, id)
		}
	}
	for _, part := range splitList(text) {
		pf := textnorm.Fold(part)
		if pf == "" || doneWords[pf] {
			continue
		}
		if nums, ok := allNumbers(pf); ok {
			for _, n := range nums {
				if n >= 1 && n <= len(b.Settings.Interests) {
					add(b.Settings.Interests[n-1].ID)
				} else {
					unknown = append(unknown, strconv.Itoa(n))
				}
			}
			continue
		}
		if l, ok := exactLabel(b.Settings.Interests, pf); ok {
			add(l.ID)
			continue
		}
		shown, _ := textnorm.Truncate(part, 40)
		unknown = append(unknown, shown)
	}
	b.setInterests(d, chosen)
	if len(unknown) > 0 {
		lead := r.T("members.interests.unknown", "input", strings.Join(unknown, ", "))
		return b.onbStep(ctx, r, d, b.askInterests(r, d, lead))
	}
	return b.onbInterestsDone(ctx, r, d)
}

// splitList cuts a typed list on commas, semicolons, slashes, "et" and "and".
func splitList(s string) []string {
	s = strings.NewReplacer(";", ",", "/", ",", "+", ",", "\n", ",").Replace(s)
	var out []string
	for _, part := range strings.Split(s, ",") {
		words := strings.Fields(part)
		var cur []string
		for _, w := range words {
			if f := textnorm.Fold(w); f == "et" || f == "and" {
				out = append(out, strings.Join(cur, " "))
				cur = nil
				continue
			}
			cur = append(cur, w)
		}
		out = append(out, strings.Join(cur, " "))
	}
	return out
}

func allNumbers(folded string) ([]int, bool) {
	var out []int
	for _, w := range strings.Fields(folded) {
		n, err := strconv.Atoi(w)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, len(out) > 0
}

// exactLabel returns the label one of whose phrases is exactly folded.
func exactLabel(labels []bot.Label, folded string) (bot.Label, bool) {
	for _, l := range labels {
		if slices.Contains(l.Phrases(), folded) {
			return l, true
		}
	}
	return bot.Label{}, false
}

// Preferences.

func (b onboarding) defaultPrefs(r *core.Turn, d *bot.Dialogue) {
	if d.Data[dCadence] == "" {
		d.Data[dCadence] = bot.CadenceMonthly
	}
	if d.Data[dSize] == "" {
		d.Data[dSize] = "similar"
	}
	if d.Data[dRegion] == "" {
		d.Data[dRegion] = bot.RegionAny
	}
	if d.Data[dLang] == "" {
		d.Data[dLang] = string(r.Lang)
	}
}

func (b onboarding) prefsSummary(lang bot.Lang, d *bot.Dialogue) string {
	return b.prefsLines(lang, d.Data[dCadence], d.Data[dSize], d.Data[dRegion], d.Data[dLang])
}

func (b onboarding) askPrefs(r *core.Turn, d *bot.Dialogue) bot.Reply {
	d.Step = "prefs"
	b.defaultPrefs(r, d)
	return bot.Reply{Text: r.T("members.prefs.ask") + "\n" + b.prefsSummary(r.Lang, d),
		Choices: []bot.Choice{
			{Action: "onb.prefs", Value: "yes", Label: r.T("members.prefs.ok_button"), Style: "primary"},
			{Action: "onb.prefs", Value: "no", Label: r.T("members.prefs.change_button")},
		}}
}

func (b onboarding) onbPrefs(ctx context.Context, r *core.Turn, d *bot.Dialogue, ok bool) []bot.Reply {
	if ok {
		b.defaultPrefs(r, d)
		d.Data[dPrefsDone] = "1"
		return b.onbNext(ctx, r, d)
	}
	for _, k := range []string{dCadence, dSize, dRegion, dLang} {
		delete(d.Data, k)
	}
	d.Data[dPrefsEdit] = "1"
	return b.onbNext(ctx, r, d)
}

// prefValues lists each preference's values, in the order shown.
var prefValues = map[string][]string{
	"cadence": {bot.CadenceBiweekly, bot.CadenceMonthly},
	"size":    {"similar", "open"},
	"region":  {bot.RegionSame, bot.RegionAny},
	"lang":    {string(bot.French), string(bot.English)},
}

func (b onboarding) askPref(r *core.Turn, d *bot.Dialogue, step string) bot.Reply {
	d.Step = step
	rep := bot.Reply{Text: r.T("members.prefs.ask_" + step)}
	for _, v := range prefValues[step] {
		label := ""
		if step == "lang" {
			label = b.Cat.T(v, "lang.self_name")
		} else {
			label = r.T("members.prefs." + step + "." + v)
		}
		rep.Choices = append(rep.Choices, bot.Choice{Action: "onb.pref", Value: step + ":" + v, Label: label})
	}
	return rep
}

func (b onboarding) askCadence(r *core.Turn, d *bot.Dialogue) bot.Reply {
	return b.askPref(r, d, "cadence")
}
func (b onboarding) askSize(r *core.Turn, d *bot.Dialogue) bot.Reply { return b.askPref(r, d, "size") }
func (b onboarding) askRegion(r *core.Turn, d *bot.Dialogue) bot.Reply {
	return b.askPref(r, d, "region")
}
func (b onboarding) askLang(r *core.Turn, d *bot.Dialogue) bot.Reply { return b.askPref(r, d, "lang") }

// prefFromText reads a preference typed as its number or its label.
func (b onboarding) prefFromText(step, folded string) (string, bool) {
	vals := prefValues[step]
	if n, err := strconv.Atoi(folded); err == nil && n >= 1 && n <= len(vals) {
		return vals[n-1], true
	}
	if step == "lang" {
		l, ok := core.LangFromText(folded)
		return string(l), ok
	}
	for _, v := range vals {
		for _, lang := range bot.Languages {
			if textnorm.Fold(b.Cat.T(string(lang), "members.prefs."+step+"."+v)) == folded {
				return v, true
			}
		}
	}
	return "", false
}

func (b onboarding) onbPref(ctx context.Context, r *core.Turn, d *bot.Dialogue, step, v string) []bot.Reply {
	if !slices.Contains(prefValues[step], v) {
		return []bot.Reply{b.withPrompt(r, "members.reprompt_choice", b.reask(r, d))}
	}
	key := map[string]string{"cadence": dCadence, "size": dSize, "region": dRegion, "lang": dLang}[step]
	d.Data[key] = v
	var lead []bot.Reply
	if step == "lang" {
		noted, ok := b.onbSetLang(ctx, r, d, bot.Lang(v))
		if !ok {
			return []bot.Reply{noted}
		}
		lead = append(lead, noted)
	}
	if d.Data[dPrefsEdit] == "1" && d.Data[dCadence] != "" && d.Data[dSize] != "" && d.Data[dRegion] != "" &&
		d.Data[dLang] != "" {
		delete(d.Data, dPrefsEdit)
		d.Data[dPrefsDone] = "1"
	}
	return b.onbNext(ctx, r, d, lead...)
}

// onbSetLang changes the language at once, as the "langue" command does
// (the member record keeps it, even before the end of the onboarding),
// and keeps it among the dialogue's answers.
func (b onboarding) onbSetLang(ctx context.Context, r *core.Turn, d *bot.Dialogue, l bot.Lang) (bot.Reply, bool) {
	d.Data[dLang] = string(l)
	r.Member.Language = l
	if err := r.SaveMember(ctx); err != nil {
		return r.Reply("error.unavailable"), false
	}
	r.Lang = l
	return r.Reply("lang.set", "language", r.T("lang.name."+string(l))), true
}

// Opt-in.

func (b onboarding) askOptIn(r *core.Turn, d *bot.Dialogue) bot.Reply {
	d.Step = "optin"
	c, _ := collOf(d)
	return bot.Reply{Text: r.T("members.optin.ask",
		"collectivity", b.Core.DescribeColl(r.Lang, c),
		"role", b.Core.RoleLabel(r.Lang, d.Data[dRole]),
		"interests", b.Core.InterestLabels(r.Lang, interestsOf(d)),
		"prefs", b.prefsSummary(r.Lang, d)),
		Choices: []bot.Choice{
			{Action: "onb.optin", Value: "yes", Label: r.T("members.optin.yes_button"), Style: "primary"},
			{Action: "onb.optin", Value: "no", Label: r.T("members.optin.no_button")},
		}}
}

func (b onboarding) onbOptIn(ctx context.Context, r *core.Turn, d *bot.Dialogue, yes bool) []bot.Reply {
	now := b.Clock.Now()
	b.applyDialogue(ctx, r, d)
	r.Member.Onboarded = now
	if yes {
		r.Member.OptedIn = now
	} else {
		r.Member.OptedIn = time.Time{}
	}
	if err := r.SaveMember(ctx); err != nil {
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	b.Core.EndDialogue(ctx, r)
	b.Log.Info("member onboarded", "member", b.Core.Pseudonym(r.Member.Ref), "opted_in", yes)
	if yes {
		// The help question is optional: offered by a button, not asked.
		done := r.Reply("members.optin.done")
		done.Choices = []bot.Choice{{Action: "edit.field", Value: "help", Label: r.T("members.help.offer_button")}}
		return []bot.Reply{done}
	}
	return []bot.Reply{r.Reply("members.optin.declined")}
}

// applyDialogue copies the answers gathered so far into r.member.
func (b onboarding) applyDialogue(ctx context.Context, r *core.Turn, d *bot.Dialogue) {
	m := &r.Member
	if c, ok := collOf(d); ok && d.Data[dCollOK] == "1" {
		m.Collectivity = &c
	}
	if v := d.Data[dRole]; v != "" {
		m.Role = v
	}
	if d.Data[dIntDone] == "1" {
		m.Interests = interestsOf(d)
	}
	applyHelp(d, m)
	if v := d.Data[dCadence]; v != "" {
		m.Prefs.Cadence = v
	}
	if v := d.Data[dSize]; v != "" {
		m.Prefs.SimilarSizeOnly = v == "similar"
	}
	if v := d.Data[dRegion]; v != "" {
		m.Prefs.Region = v
	}
	if v := d.Data[dLang]; v != "" {
		m.Language = bot.Lang(v)
		r.Lang = m.Language
	}
	if m.Name == "" || m.TimeZone == "" {
		if pr, ok := b.Adapters[r.Msg.From.Platform].(bot.ProfileReader); ok {
			if p, err := pr.Profile(ctx, r.Msg.From); err == nil {
				if m.Name == "" {
					m.Name = core.CleanField(p.DisplayName, core.MaxNameRunes)
				}
				if m.TimeZone == "" {
					m.TimeZone = core.CleanField(p.TimeZone, 64)
				}
			}
		}
	}
}

// finishEdit saves the one field changed and ends the dialogue.
func (b onboarding) finishEdit(ctx context.Context, r *core.Turn, d *bot.Dialogue) []bot.Reply {
	if !r.Known {
		b.Core.EndDialogue(ctx, r)
		return []bot.Reply{r.Reply("members.not_registered")}
	}
	b.applyDialogue(ctx, r, d)
	if err := r.SaveMember(ctx); err != nil {
		return []bot.Reply{r.Reply("error.unavailable")}
	}
	b.Core.EndDialogue(ctx, r)
	return []bot.Reply{r.Reply("members.edit.done"), b.profileReply(r)}
}

// Choices.

func (b onboarding) onboardingChoices() map[string]core.ChoiceHandler {
	with := func(f func(ctx context.Context, r *core.Turn, d *bot.Dialogue, value string) []bot.Reply) core.ChoiceHandler {
		return func(ctx context.Context, r *core.Turn, value string) []bot.Reply {
			d, err := b.store.Dialogue(ctx, r.Msg.From)
			switch {
			case core.IsNotFound(err) || (err == nil && d.Kind != onboardingKind):
				return []bot.Reply{r.Reply("members.expired")}
			case err != nil:
				b.Log.Error("reading dialogue", "member", b.Core.Pseudonym(r.Msg.From), "err", err)
				return []bot.Reply{r.Reply("error.unavailable")}
			}
			if d.Data == nil {
				d.Data = map[string]string{}
			}
			return f(ctx, r, &d, value)
		}
	}
	return map[string]core.ChoiceHandler{
		"onb.pick": with(b.onbPick),
		"onb.page": with(b.onbPage),
		"onb.confirm": with(func(ctx context.Context, r *core.Turn, d *bot.Dialogue, v string) []bot.Reply {
			return b.onbConfirm(ctx, r, d, v == "yes")
		}),
		"onb.other": with(func(ctx context.Context, r *core.Turn, d *bot.Dialogue, _ string) []bot.Reply {
			return b.onbOther(ctx, r, d)
		}),
		"onb.other_type": with(b.onbOtherType),
		"onb.other_size": with(func(ctx context.Context, r *core.Turn, d *bot.Dialogue, v string) []bot.Reply {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return []bot.Reply{b.askOtherSize(r, d, "members.other.size_reprompt")}
			}
			return b.onbOtherSize(ctx, r, d, n)
		}),
		"onb.role":     with(b.onbRole),
		"onb.interest": with(b.onbToggleInterest),
		"onb.help":     with(b.onbToggleHelp),
		"onb.help_done": with(func(ctx context.Context, r *core.Turn, d *bot.Dialogue, v string) []bot.Reply {
			return b.onbHelpDone(ctx, r, d, v)
		}),
		"onb.interests_done": with(func(ctx context.Context, r *core.Turn, d *bot.Dialogue, _ string) []bot.Reply {
			return b.onbInterestsDone(ctx, r, d)
		}),
		"onb.prefs": with(func(ctx context.Context, r *core.Turn, d *bot.Dialogue, v string) []bot.Reply {
			return b.onbPrefs(ctx, r, d, v == "yes")
		}),
		"onb.pref": with(func(ctx context.Context, r *core.Turn, d *bot.Dialogue, v string) []bot.Reply {
			step, val, _ := strings.Cut(v, ":")
			return b.onbPref(ctx, r, d, step, val)
		}),
		"onb.optin": with(func(ctx context.Context, r *core.Turn, d *bot.Dialogue, v string) []bot.Reply {
			return b.onbOptIn(ctx, r, d, v == "yes")
		}),
	}
}

// Describing collectivities.

// shortColl is a button label: "Saint-Denis (Seine-Saint-Denis, 149 077 hab.)".
func (b onboarding) shortColl(lang bot.Lang, c bot.Collectivity) string {
	where := b.Cat.T(string(lang), "members.kind."+string(c.Kind))
	if c.Kind == bot.KindCommune || c.Kind == bot.KindEPCI {
		if dep, ok := b.Dir.Departement(c.Departement); ok {
			where = dep.Name
		}
	}
	return b.Cat.T(string(lang), "members.coll.short", "name", c.Name, "where", where,
		"population", core.FormatInt(lang, c.Population))
}

// onboarding is the members feature seen as the onboarding dialogue.
type onboarding struct{ *Feature }

func (b *Feature) onboarding() onboarding { return onboarding{b} }
