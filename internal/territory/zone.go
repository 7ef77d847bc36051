package territory

import "strings"

// zones are the IANA zones of the overseas départements and collectivities,
// by their INSEE code. Mainland France and Corsica are absent: they follow
// the configured zone. French Polynesia spans three zones; Tahiti's, where
// nine inhabitants in ten live, stands for it.
var zones = map[string]string{
	"971": "America/Guadeloupe",
	"972": "America/Martinique",
	"973": "America/Cayenne",
	"974": "Indian/Reunion",
	"975": "America/Miquelon",
	"976": "Indian/Mayotte",
	"977": "America/St_Barthelemy",
	"978": "America/Marigot",
	"984": "Indian/Kerguelen",
	"986": "Pacific/Wallis",
	"987": "Pacific/Tahiti",
	"988": "Pacific/Noumea",
}

// TimeZone returns the IANA zone of a collectivity of the overseas
// départements and collectivities, given the code of its département (or
// collectivité d'outre-mer): "974" gives "Indian/Reunion". It returns ""
// for mainland France and Corsica, and for an unknown code.
func TimeZone(departement string) string {
	return zones[strings.TrimSpace(departement)]
}

// zoneNames are the names people give an overseas zone, folded into keys
// (see Key), with the zone.
var zoneNames = map[string]string{
	"guadeloupe": "America/Guadeloupe", "martinique": "America/Martinique", "guyane": "America/Cayenne",
	"guyanefrancaise": "America/Cayenne", "frenchguiana": "America/Cayenne", "cayenne": "America/Cayenne",
	"lareunion": "Indian/Reunion", "reunion": "Indian/Reunion", "reunionisland": "Indian/Reunion",
	"saintpierreetmiquelon": "America/Miquelon", "miquelon": "America/Miquelon", "mayotte": "Indian/Mayotte",
	"saintbarthelemy": "America/St_Barthelemy", "saintbarth": "America/St_Barthelemy",
	"saintmartin": "America/Marigot", "wallisetfutuna": "Pacific/Wallis", "wallis": "Pacific/Wallis",
	"polynesie": "Pacific/Tahiti", "polynesiefrancaise": "Pacific/Tahiti", "frenchpolynesia": "Pacific/Tahiti",
	"tahiti": "Pacific/Tahiti", "nouvellecaledonie": "Pacific/Noumea", "newcaledonia": "Pacific/Noumea",
	"noumea": "Pacific/Noumea", "kerguelen": "Indian/Kerguelen",
	"france": "Europe/Paris", "metropole": "Europe/Paris", "francemetropolitaine": "Europe/Paris",
	"paris": "Europe/Paris", "heuredeparis": "Europe/Paris", "mainlandfrance": "Europe/Paris",
}

// ZoneByName returns the IANA zone of a place people name instead of a
// zone: « La Réunion », « Guadeloupe », « Nouvelle-Calédonie », « France
// métropolitaine »; "" when the name is not one of them.
func ZoneByName(name string) string {
	return zoneNames[Key(name)]
}
