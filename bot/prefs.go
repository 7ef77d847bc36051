package bot

// Values of Preferences.Cadence and Preferences.Region.
const (
	CadenceBiweekly = "biweekly"
	CadenceMonthly  = "monthly"
	RegionSame      = "same"
	RegionAny       = "any"
)
