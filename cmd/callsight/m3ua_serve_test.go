package main

import (
	"bytes"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/callsight/callsight/callctl"
)

// serve with an M3UA association on a host without kernel SCTP (these
// machines) stops at start with a message that says why and what to do,
// instead of running without the source it was asked for; a bad M3UA
// setting is refused before that.
func TestServeM3UAWithoutSCTP(t *testing.T) {
	if fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 132 /* IPPROTO_SCTP */); err == nil {
		syscall.Close(fd)
		t.Skip("this host has kernel SCTP: the association would be tried for real")
	}
	key := callctl.HashKey("k") + " ops admin"
	run := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		done := make(chan error, 1)
		go func() {
			done <- cmdServe(append([]string{"--listen", "127.0.0.1:0", "--store", "none", "--api-key", key}, args...), &out, &errb)
		}()
		select {
		case err := <-done:
			return errb.String(), err
		case <-time.After(30 * time.Second):
			t.Fatalf("serve %q kept running", args)
			return "", nil
		}
	}
	_, err := run("--m3ua-remote", "127.0.0.1:2905", "--m3ua-point-code", "1", "--m3ua-peer-point-code", "2", "--m3ua-routing-context", "1")
	if err == nil || !strings.Contains(err.Error(), "SCTP is unavailable") || !strings.Contains(err.Error(), "modprobe sctp") {
		t.Errorf("serve with --m3ua-remote and no SCTP: %v, want the reason and the remedy", err)
	}
	if _, err := run("--m3ua-remote", "not-an-address"); err == nil || strings.Contains(err.Error(), "SCTP is unavailable") {
		t.Errorf("serve with a bad --m3ua-remote: %v, want the setting refused first", err)
	}
}
