package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// A person at a real terminal (a pseudo-terminal here) sees the
// conversation and nothing else: the logs go to maillage.log in the data
// directory, named in one line at start; the markup is rendered as ANSI
// styles, never as raw "*" or "_".
func TestInteractiveTerminalShowsNoLogLine(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer ptmx.Close()
	// A non-blocking copy of the master side, so that reading it can end
	// at a deadline: the adapter's reader may still hold the tty side once
	// run returns, so the master sees no hang-up.
	fd, err := syscall.Dup(int(ptmx.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	master := os.NewFile(uintptr(fd), "ptmx")
	defer master.Close()
	var screen bytes.Buffer
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(&screen, master) // ends at the read deadline set below
		close(copied)
	}()

	dir := t.TempDir()
	if _, err := master.WriteString("Bonjour\nprofil\naide\n/quitter\n"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, []string{"--data-dir", dir}, stdio{in: tty, out: tty, err: tty},
		env("MAILLAGE_LOG_LEVEL", "debug"))
	// Everything written is already in the master's buffer.
	if err := master.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
		t.Fatalf("the pseudo-terminal takes no deadline: %v", err)
	}
	<-copied
	tty.Close()
	got := screen.String()
	if code != 0 {
		t.Fatalf("exit %d; screen:\n%s", code, got)
	}

	logPath := filepath.Join(dir, logFileName)
	for _, want := range []string{
		fr("terminal.log_file", "path", logPath),
		fr("help.header"),
		"\x1b[1m", // bold, rendered
	} {
		if !strings.Contains(got, want) {
			t.Errorf("screen lacks %q", want)
		}
	}
	for _, bad := range []string{"level=", "msg=", "component=", "*Votre", "*profil", " _"} {
		if strings.Contains(got, bad) {
			t.Errorf("screen shows %q", bad)
		}
	}
	if t.Failed() {
		t.Logf("screen:\n%s", got)
	}
	logs, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("log file: %v", err)
	}
	if !strings.Contains(string(logs), "maillage started") {
		t.Errorf("the log file lacks the start line:\n%s", logs)
	}
	e2eLogs.add(t.Name(), string(logs))
}
