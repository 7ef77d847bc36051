package config

import (
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong with the configuration.
type Problem struct {
	// Path is the dotted path of the key (e.g. "matching.weights.size" or
	// "interests[3].id"), the environment variable name for a value read from
	// the environment, or empty for the file as a whole.
	Path string
	// Message says what is wrong and, when possible, what is expected.
	Message string
	// Line is the 1-based line in the file, or 0 when unknown (defaults,
	// environment).
	Line int
}

// String returns "path: message", or the message alone when Path is empty.
func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Problems is the error returned by Load, Parse and Validate: every problem
// found, in file order (those without a line last).
type Problems struct {
	// File is the name of the file in messages; empty when not from a file.
	File string
	List []Problem
}

// Error returns one problem per line as "FILE:LINE: path: message"; the line
// is omitted when unknown and the file when there is none.
func (p *Problems) Error() string {
	var b strings.Builder
	for i, pr := range p.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		if p.File != "" {
			b.WriteString(p.File)
			if pr.Line > 0 {
				b.WriteByte(':')
				b.WriteString(strconv.Itoa(pr.Line))
			}
			b.WriteString(": ")
		} else if pr.Line > 0 {
			b.WriteString("line ")
			b.WriteString(strconv.Itoa(pr.Line))
			b.WriteString(": ")
		}
		b.WriteString(pr.String())
	}
	return b.String()
}

// sortProblems orders problems by line, keeping the order found within a
// line; problems without a line go last.
func sortProblems(list []Problem) {
	sort.SliceStable(list, func(i, j int) bool {
		li, lj := list[i].Line, list[j].Line
		if li == 0 || lj == 0 {
			return li != 0 && lj == 0
		}
		return li < lj
	})
}
