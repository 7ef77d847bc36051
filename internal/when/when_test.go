package when

import (
	"errors"
	"testing"
	"time"
)

var paris, _ = time.LoadLocation("Europe/Paris")

// now: Thursday 26 November 2026, 10:00 in Paris.
var now = time.Date(2026, 11, 26, 10, 0, 0, 0, paris)

func at(m time.Month, d, h, mi int) time.Time { return time.Date(2026, m, d, h, mi, 0, 0, paris) }

func TestParse(t *testing.T) {
	tests := []struct {
		in, lang string
		at       time.Time
		task     string
	}{
		{"demain à 9h d'appeler Véronique", "fr", at(11, 27, 9, 0), "appeler Véronique"},
		{"dans 2 heures de relire la note", "fr", at(11, 26, 12, 0), "relire la note"},
		{"le 12 décembre à 14h30 : CODIR", "fr", at(12, 12, 14, 30), "CODIR"},
		{"le 12 décembre à 14 h 30 : CODIR", "fr", at(12, 12, 14, 30), "CODIR"},
		{"on Friday at 10am to call the prefecture", "en", at(11, 27, 10, 0), "call the prefecture"},
		{"tomorrow at 9:30 to send the budget", "en", at(11, 27, 9, 30), "send the budget"},
		{"in 10 minutes to check the agenda", "en", at(11, 26, 10, 10), "check the agenda"},
		{"d'appeler Véronique demain à 9h", "fr", at(11, 27, 9, 0), "appeler Véronique"},
		{"vendredi à 10h de préparer le conseil municipal", "fr", at(11, 27, 10, 0), "préparer le conseil municipal"},
		{"lundi prochain à 8h30 d'envoyer le rapport", "fr", at(11, 30, 8, 30), "envoyer le rapport"},
		{"demain de rappeler le maire de Lyon", "fr", at(11, 27, 9, 0), "rappeler le maire de Lyon"},
		{"à 17h que la commission commence", "fr", at(11, 26, 17, 0), "la commission commence"},
		{"à 9h d'ouvrir le courrier", "fr", at(11, 27, 9, 0), "ouvrir le courrier"}, // 9:00 is past today
		{"dans 3 jours : relancer la DGFiP", "fr", at(11, 29, 10, 0), "relancer la DGFiP"},
		{"le 1er décembre à midi de déjeuner avec l'élu", "fr", at(12, 1, 12, 0), "déjeuner avec l'élu"},
		{"demain matin d'appeler la sous-préfecture", "fr", at(11, 27, 9, 0), "appeler la sous-préfecture"},
		{"dans 2 h de relire", "fr", at(11, 26, 12, 0), "relire"},
		{"tomorrow to call back", "en", at(11, 27, 9, 0), "call back"},
		{"jeudi prochain à 14h de la réunion budgétaire", "fr", at(12, 3, 14, 0), "la réunion budgétaire"},
		{"le 3 janvier de souhaiter la bonne année", "fr", time.Date(2027, 1, 3, 9, 0, 0, 0, paris), "souhaiter la bonne année"},
		{"dans une heure de rappeler", "fr", at(11, 26, 11, 0), "rappeler"},
		{"dans 30 min de rappeler", "fr", at(11, 26, 10, 30), "rappeler"},
		{"ce soir d'envoyer le courriel", "fr", at(11, 26, 18, 0), "envoyer le courriel"},
		{"demain après-midi de passer en mairie", "fr", at(11, 27, 14, 0), "passer en mairie"},
		{"lundi 8h30 : bureau municipal", "fr", at(11, 30, 8, 30), "bureau municipal"},
		{"le 15/12 à 10h de payer", "fr", at(12, 15, 10, 0), "payer"},
		{"d'appeler le maire de Lyon le 12 décembre à 14h", "fr", at(12, 12, 14, 0), "appeler le maire de Lyon"},
		{"que le conseil a lieu demain à 18h", "fr", at(11, 27, 18, 0), "le conseil a lieu"},
		{"de relancer Mme Martin dans 2 jours", "fr", at(11, 28, 10, 0), "relancer Mme Martin"},
		{"mardi de préparer le CODIR de mercredi", "fr", at(12, 1, 9, 0), "préparer le CODIR de mercredi"},
		{"tomorrow morning to call", "en", at(11, 27, 9, 0), "call"},
		{"next Monday at 8:30 to send the report", "en", at(11, 30, 8, 30), "send the report"},
		{"at 5pm to call the mayor", "en", at(11, 26, 17, 0), "call the mayor"},
		{"to call Bob tomorrow at 10am", "en", at(11, 27, 10, 0), "call Bob"},
		{"Friday to send the minutes", "en", at(11, 27, 9, 0), "send the minutes"},
		// The other language as a fallback.
		{"tomorrow at 9am to call back", "fr", at(11, 27, 9, 0), "call back"},
	}
	for _, tt := range tests {
		r, err := Parse(tt.in, tt.lang, now)
		if err != nil {
			t.Errorf("Parse(%q) error: %v (phrase %q)", tt.in, err, r.Phrase)
			continue
		}
		if !r.At.Equal(tt.at) || r.Task != tt.task {
			t.Errorf("Parse(%q) = %v %q (phrase %q), want %v %q", tt.in, r.At, r.Task, r.Phrase, tt.at, tt.task)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"d'appeler Véronique", ErrNoDate},
		{"bientôt de partir", ErrNoDate},
		{"", ErrNoDate},
		{"demain à 9h", ErrNoTask},
		{"hier à 9h d'appeler Véronique", ErrPast},
		{"le 3 janvier 2020 : voeux", ErrPast},
	}
	for _, tt := range tests {
		r, err := Parse(tt.in, "fr", now)
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q) = %v %q, %v; want %v", tt.in, r.At, r.Task, err, tt.want)
		}
	}
}

func TestParseZone(t *testing.T) {
	noumea, _ := time.LoadLocation("Pacific/Noumea")
	r, err := Parse("demain à 9h de voter", "fr", now.In(noumea)) // 20:00 in Nouméa
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 27, 9, 0, 0, 0, noumea); !r.At.Equal(want) {
		t.Errorf("At = %v, want %v (9:00 in Nouméa)", r.At, want)
	}
}

func BenchmarkParse(b *testing.B) {
	inputs := []string{
		"demain à 9h d'appeler Véronique",
		"le 12 décembre à 14h30 : CODIR",
		"d'appeler Véronique demain à 9h",
	}
	for b.Loop() {
		for _, in := range inputs {
			if _, err := Parse(in, "fr", now); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// Relative delays are honoured to the second: "dans 30 secondes" is 30
// seconds from now, never "déjà passée".
func TestParseSeconds(t *testing.T) {
	n := time.Date(2026, 11, 26, 10, 0, 17, 0, paris)
	tests := []struct {
		in, lang string
		after    time.Duration
	}{
		{"dans 3 secondes de boire un verre d'eau", "fr", 3 * time.Second},
		{"dans 30 secondes de boire", "fr", 30 * time.Second},
		{"dans 45 s de relancer", "fr", 45 * time.Second},
		{"dans 2 minutes de rappeler", "fr", 2 * time.Minute},
		{"in 30 seconds to drink", "en", 30 * time.Second},
		{"in 3 seconds to check", "en", 3 * time.Second},
	}
	for _, tt := range tests {
		r, err := Parse(tt.in, tt.lang, n)
		if err != nil {
			t.Errorf("Parse(%q): %v (phrase %q)", tt.in, err, r.Phrase)
			continue
		}
		if want := n.Add(tt.after); !r.At.Equal(want) {
			t.Errorf("Parse(%q) = %v, want %v", tt.in, r.At, want)
		}
	}
}

// A day the calendar lacks is refused, saying which and why, instead of
// being moved to another day.
func TestParseImpossibleDates(t *testing.T) {
	tests := []struct {
		in, text string
		max      int
	}{
		{"le 31 février d'appeler Véronique", "31 février", 29},
		{"le 30 février 2027 de payer", "30 février 2027", 28},
		{"le 31 avril : CODIR", "31 avril", 30},
		{"le 31/06 à 9h de relancer", "31/06", 30},
		{"le 32 décembre de fêter", "32 décembre", 31},
		{"on February 30 to call", "February 30", 29},
		{"le 0 mars de rien", "0 mars", 31},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in, "fr", now)
		var ie *ImpossibleDateError
		if !errors.Is(err, ErrImpossibleDate) || !errors.As(err, &ie) {
			t.Errorf("Parse(%q) error = %v, want an impossible date", tt.in, err)
			continue
		}
		if ie.Text != tt.text || ie.MaxDay != tt.max {
			t.Errorf("Parse(%q): %q with %d days, want %q with %d", tt.in, ie.Text, ie.MaxDay, tt.text, tt.max)
		}
	}
	for _, ok := range []string{"le 29 février de voter", "le 28/02 de payer", "le 31 décembre de fêter", "à 14/30 de x", "le 29 février 2028 de voter"} {
		if err := CheckCalendar(ok); err != nil {
			t.Errorf("CheckCalendar(%q) = %v, want nil", ok, err)
		}
	}
}
