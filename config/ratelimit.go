package config

// RateLimit bounds how many messages one member may address to the bot
// (a token bucket per member): PerMinute sustained, Burst at once. Over
// it, the member is told once and their messages are dropped until they
// slow down. PerMinute 0 disables the limit.
type RateLimit struct {
	PerMinute int `yaml:"per_minute"`
	Burst     int `yaml:"burst"`
}

func defaultRateLimit() RateLimit { return RateLimit{PerMinute: 30, Burst: 20} }

// validateRateLimit checks the rate_limit section.
func (c *Config) validateRateLimit(ch *checker) {
	ch.rangeInt("rate_limit.per_minute", c.RateLimit.PerMinute, 0, 6000)
	ch.rangeInt("rate_limit.burst", c.RateLimit.Burst, 1, 1000)
}
