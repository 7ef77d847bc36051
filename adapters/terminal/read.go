package terminal

import (
	"bufio"
	"errors"
	"io"
	"unicode/utf8"
)

// inputLine is one line of input, without its end of line, or the error that
// ended the input (io.EOF at the end).
type inputLine struct {
	text      string
	truncated bool // the line was longer than the maximum and was cut
	err       error
}

// readLines sends every line of r to out, then the error that ended the
// input, and returns; it also returns as soon as done is closed.
func readLines(r *bufio.Reader, maxBytes int, out chan<- inputLine, done <-chan struct{}) {
	for {
		l, err := readLine(r, maxBytes)
		if err == nil || l.text != "" || l.truncated {
			select {
			case out <- l:
			case <-done:
				return
			}
		}
		if err != nil {
			select {
			case out <- inputLine{err: err}:
			case <-done:
			}
			return
		}
	}
}

// readLine reads one line of r, ended by "\n" or "\r\n" (or by the end of
// the input), keeping at most maxBytes bytes of it, cut on a character
// boundary, and discarding the rest. Its error is the one that ended the
// input, with the last, unterminated, line if any.
func readLine(r *bufio.Reader, maxBytes int) (inputLine, error) {
	var (
		buf     []byte
		dropped bool // bytes beyond maxBytes+1 were discarded
		err     error
	)
	// One byte more than the maximum is kept, so that a "\r" just after
	// the maximum can be told from content.
	keep := maxBytes + 1
	for {
		var chunk []byte
		chunk, err = r.ReadSlice('\n')
		if err == nil {
			chunk = chunk[:len(chunk)-1]
		}
		if room := keep - len(buf); len(chunk) > room {
			chunk = chunk[:room]
			dropped = true
		}
		buf = append(buf, chunk...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			break
		}
	}
	if err == nil || errors.Is(err, io.EOF) {
		if !dropped && len(buf) > 0 && buf[len(buf)-1] == '\r' {
			buf = buf[:len(buf)-1]
		}
	}
	l := inputLine{}
	if len(buf) > maxBytes {
		buf = cutRunes(buf[:maxBytes])
		l.truncated = true
	}
	l.text = string(buf)
	return l, err
}

// cutRunes drops an incomplete UTF-8 sequence left at the end of b by a cut.
func cutRunes(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			return b
		}
	}
	return b
}
