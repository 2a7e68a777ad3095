package main

import (
	"bytes"
	"net"
	"path/filepath"
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

// serve's store metrics: with its ClickHouse server down, the calls of a
// replayed capture go to the spool, and /metrics shows the spool's depth
// and the failed inserts; nothing is dropped.
func TestServeStoreMetrics(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "clickhouse://default:@" + ln.Addr().String() + "/callsight?dial_timeout=200ms"
	ln.Close()
	base, stop := startServe(t, "--store", down, "--spool-dir", t.TempDir(), "--shutdown-timeout", "1s", "--log-level", "error",
		"--pcap", filepath.Join("..", "..", "pcaps", "sip-basic.pcap"), "--speed", "0")
	// The store's metrics are there from the first scrape (-1: missing).
	metric := func(b []byte, name string) float64 {
		if v, ok := parseMetrics(b)[name]; ok {
			return v
		}
		return -1
	}
	first := true
	var b []byte
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		b = scrapeServe(t, base)
		if first && metric(b, "callsight_store_spool_depth_bytes") < 0 {
			t.Fatalf("the first scrape has no store metrics:\n%s", b)
		}
		first = false
		if metric(b, "callsight_store_spool_depth_bytes") > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the spool stayed empty with the store down:\n%s", b)
		}
	}
	if metric(b, "callsight_store_insert_failures_total") == 0 || metric(b, "callsight_store_dropped_rows_total") != 0 ||
		metric(b, "callsight_store_calls_inserted_total") != 0 {
		t.Errorf("store metrics with the server down: failures, dropped, inserted = %v, %v, %v; want failures, nothing dropped or inserted",
			metric(b, "callsight_store_insert_failures_total"), metric(b, "callsight_store_dropped_rows_total"), metric(b, "callsight_store_calls_inserted_total"))
	}
	stop() // with the store down, serve says so on stopping: not this test's
}
