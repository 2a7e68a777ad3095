package main

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestListenDebug(t *testing.T) {
	for _, tt := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:0", true},
		{"localhost:0", true},
		{"[::1]:0", true},
		{"0.0.0.0:0", false},
		{":0", false},
		{"10.1.2.3:0", false},
		{"example.com:0", false},
		{"127.0.0.1", false},
	} {
		ln, err := listenDebug(tt.addr)
		if ln != nil {
			ln.Close()
		}
		// A loopback address is accepted (binding [::1] may still fail on
		// a host without IPv6: that is not a usage error).
		if tt.ok && errors.As(err, new(usageError)) {
			t.Errorf("listenDebug(%q) = %v, want a listener", tt.addr, err)
		}
		if !tt.ok && (err == nil || !errors.As(err, new(usageError))) {
			t.Errorf("listenDebug(%q) = %v, want a usage error", tt.addr, err)
		}
	}
}

func TestDebugHandlerServesPprof(t *testing.T) {
	ln, err := listenDebug("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: debugHandler()}
	go srv.Serve(ln)
	defer srv.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "goroutine profile") {
		t.Errorf("GET goroutine profile = %s %.80q", resp.Status, b)
	}
}
