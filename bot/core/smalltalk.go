package core

import (
	"context"
	"strconv"
	"strings"

	"github.com/sndgct/maillage/bot"
	"github.com/sndgct/maillage/internal/textnorm"
)

// Small talk: what people write that is no command but deserves a short,
// warm answer rather than « je n'ai pas compris ».

// Kinds of small talk.
const (
	TalkThanks = "thanks"
	TalkBye    = "bye"
	TalkHow    = "how"
	TalkWho    = "who"
	TalkHello  = "hello"
)

// talkPhrases are the folded messages of each kind, in both languages.
var talkPhrases = map[string][]string{
	TalkThanks: {"merci", "merci beaucoup", "merci bien", "merci a vous", "merci infiniment", "mille mercis",
		"grand merci", "super merci", "parfait merci", "ok merci", "d accord merci", "tres bien merci", "oui merci",
		"thanks", "thank you", "thanks a lot", "thank you very much", "many thanks", "thx", "cheers"},
	TalkBye: {"au revoir", "a bientot", "a plus tard", "a plus", "bonne journee", "bonne soiree",
		"bonne fin de journee", "bonne semaine", "bonne nuit", "a demain", "au revoir et merci", "merci au revoir",
		"bye", "goodbye", "good bye", "bye bye", "see you", "see you soon", "have a nice day", "have a good day"},
	TalkHow: {"comment ca marche", "comment ca fonctionne", "comment cela fonctionne", "comment cela marche",
		"comment fonctionne maillage", "comment ca se passe", "a quoi ca sert", "a quoi servez vous",
		"a quoi sert maillage", "que faites vous", "c est quoi", "c est quoi maillage", "qu est ce que maillage",
		"qu est ce que c est", "how does it work", "how does this work", "how do you work", "what do you do",
		"what is this", "what is maillage", "how does maillage work"},
	TalkWho: {"qui etes vous", "vous etes qui", "qui es tu", "t es qui", "qui est maillage", "presentez vous",
		"who are you", "who is this", "what are you"},
	TalkHello: {"bonjour", "salut", "bonsoir", "coucou", "hello", "hi", "hey", "good morning", "good afternoon",
		"good evening"},
}

// talkLead are words that may open small talk without changing its kind
// (« bonjour, comment ça marche ? », « ok merci »).
var talkLead = map[string]bool{"bonjour": true, "salut": true, "bonsoir": true, "hello": true, "hi": true,
	"ok": true, "oui": true, "yes": true, "super": true, "parfait": true, "alors": true, "et": true, "so": true,
	"madame": true, "monsieur": true, "maillage": true}

var talkIndex = func() map[string]string {
	m := map[string]string{}
	for kind, ps := range talkPhrases {
		for _, p := range ps {
			m[p] = kind
		}
	}
	return m
}()

// SmallTalk tells which kind of small talk text is, if it is nothing else:
// « merci », « au revoir », « comment ça marche ? », « qui êtes-vous ? »,
// « bonjour » and their English forms. A greeting followed by something
// else (« bonjour, je suis DGS ») is not small talk.
func SmallTalk(text string) (string, bool) {
	words := strings.Fields(textnorm.Fold(text))
	if len(words) == 0 || len(words) > 8 {
		return "", false
	}
	if kind, ok := talkIndex[strings.Join(words, " ")]; ok {
		return kind, true
	}
	for len(words) > 1 && talkLead[words[0]] {
		words = words[1:]
		if kind, ok := talkIndex[strings.Join(words, " ")]; ok {
			return kind, true
		}
	}
	return "", false
}

// TalkReply is the short answer to small talk of this kind.
func (b *Bot) TalkReply(r *Turn, kind string) bot.Reply {
	if kind == TalkWho {
		return b.presentation(r)
	}
	return r.Reply("talk."+kind, "bot", b.Settings.Name)
}

// presentation says what the bot does and keeps, and the member's rights.
func (b *Bot) presentation(r *Turn) bot.Reply {
	p := b.Settings.Privacy
	contact := ""
	if p.Contact != "" {
		contact = " " + r.T("hello.contact", "contact", p.Contact)
	}
	return r.Reply("hello.text", "bot", b.Settings.Name, "controller", p.Controller,
		"months", strconv.Itoa(p.RetentionMonths), "contact", contact)
}

// englishWords and frenchWords tell the language of a first message; words
// both languages use (« a », « on », « de » in names) count for neither.
var englishWords = map[string]bool{"i": true, "im": true, "am": true, "the": true, "of": true, "hello": true,
	"hi": true, "hey": true, "my": true, "is": true, "are": true, "you": true, "how": true, "does": true,
	"it": true, "work": true, "works": true, "who": true, "what": true, "we": true, "our": true, "thanks": true,
	"thank": true, "please": true, "from": true, "at": true, "and": true, "would": true, "like": true,
	"to": true, "meet": true, "colleagues": true, "city": true, "town": true, "council": true, "want": true,
	"good": true, "morning": true, "this": true, "with": true, "for": true, "bye": true, "goodbye": true,
	"county": true, "director": true, "general": true, "deputy": true, "mayor": true}

var frenchWords = map[string]bool{"je": true, "suis": true, "du": true, "des": true, "la": true, "le": true,
	"les": true, "bonjour": true, "bonsoir": true, "salut": true, "merci": true, "ma": true, "mon": true,
	"mes": true, "et": true, "voudrais": true, "pour": true, "vous": true, "comment": true, "ca": true,
	"qui": true, "etes": true, "ville": true, "mairie": true, "commune": true, "au": true, "aux": true,
	"un": true, "une": true, "est": true, "travaille": true, "directeur": true, "directrice": true,
	"generale": true, "adjoint": true, "adjointe": true, "collegues": true, "rencontrer": true, "revoir": true,
	"marche": true, "departement": true, "communaute": true, "chez": true, "j": true, "d": true, "l": true}

// GuessLang tells the language of a message when its words make it clear:
// « Hello, I am the DGS of Vannes » is English, « je suis DGS de Vannes »
// French, « DGS » neither.
func GuessLang(text string) (bot.Lang, bool) {
	en, fr := 0, 0
	for _, w := range strings.Fields(textnorm.Fold(text)) {
		if englishWords[w] {
			en++
		}
		if frenchWords[w] {
			fr++
		}
	}
	switch {
	case en > fr:
		return bot.English, true
	case fr > en:
		return bot.French, true
	}
	return "", false
}

// runChoice runs the command a suggestion button names (value: its id).
func (b *Bot) runChoice(ctx context.Context, r *Turn, id string) []bot.Reply {
	for _, c := range b.router.cmds {
		if c.ID != id {
			continue
		}
		if c.Role > r.Role {
			return []bot.Reply{r.Reply("error.forbidden." + c.Role.String())}
		}
		r.HandledAs(c.ID)
		r.Args = ""
		return c.Run(ctx, r)
	}
	return []bot.Reply{r.Reply("error.choice_unknown")}
}
