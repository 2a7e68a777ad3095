package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/callsight/callsight/callctl"
)

// TestServeAudioShed: an audio worker whose queue is full sheds RTP and
// counts it (callsight_audio_shed_packets_total), and the calls still end
// with their signaling outcome; with the default queue, a file read as
// fast as the engine takes it sheds nothing.
func TestServeAudioShed(t *testing.T) {
	file := filepath.Join("..", "..", "pcaps", "audio", "audio-answered.pcap.gz")
	run := func(args ...string) (shed, calls float64) {
		t.Helper()
		base, stop := startServe(t, append([]string{"--store", "none", "--log-level", "error", "--audio-workers", "1",
			"--pcap", file, "--speed", "0"}, args...)...)
		var m map[string]float64
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			m = parseMetrics(scrapeServe(t, base))
			if m["callsight_engine_calls_total"] >= 12 || time.Now().After(deadline) {
				break
			}
		}
		if err := stop(); err != nil {
			t.Errorf("serve %v: %v", args, err)
		}
		return m["callsight_audio_shed_packets_total"], m["callsight_engine_calls_total"]
	}
	shed, calls := run("--audio-queue", "1")
	t.Logf("--audio-queue 1: %v packets shed, %v calls", shed, calls)
	if calls != 12 {
		t.Errorf("--audio-queue 1: %v calls finished, want the file's 12", calls)
	}
	if shed <= 0 {
		t.Errorf("--audio-queue 1: %v RTP packets shed, want some counted", shed)
	}
	if shed, calls = run(); shed != 0 || calls != 12 {
		t.Errorf("default queue: %v packets shed, %v calls; want 0 and 12", shed, calls)
	}
}

// TestServeAudioQueueFlag: --audio-queue outside 1-1048576, --procs
// outside 0-1024 and --audio-workers outside -1-256 are usage errors; by
// default serve
// runs a P more than the cores (the environment's GOMAXPROCS or --procs
// when given) and one audio worker per P but one.
func TestServeAudioQueueFlag(t *testing.T) {
	for _, v := range []string{"0", "-3", "1048577"} {
		var out, errb bytes.Buffer
		err := cmdServe([]string{"--store", "none", "--audio-queue", v}, &out, &errb)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--audio-queue") {
			t.Errorf("--audio-queue %s: %v, want a usage error naming the flag", v, err)
		}
	}
	for _, bad := range [][]string{{"--procs", "-1"}, {"--procs", "1025"}, {"--audio-workers", "-2"}, {"--audio-workers", "257"}} {
		var out, errb bytes.Buffer
		err := cmdServe(append([]string{"--store", "none"}, bad...), &out, &errb)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%s %s: %v, want a usage error naming the flag", bad[0], bad[1], err)
		}
	}
	for _, c := range []struct {
		flag     int
		envSet   bool
		cores, p int
	}{{0, false, 2, 3}, {0, false, 1, 2}, {0, true, 2, 2}, {4, false, 2, 4}, {4, true, 2, 4}} {
		if got := serveProcs(c.flag, c.envSet, c.cores); got != c.p {
			t.Errorf("serveProcs(%d, %v, %d) = %d, want %d", c.flag, c.envSet, c.cores, got, c.p)
		}
	}
	for procs, want := range map[int]int{1: 1, 2: 1, 3: 2, 4: 3, 16: 15} {
		if got := defaultAudioWorkers(procs); got != want {
			t.Errorf("defaultAudioWorkers(%d) = %d, want %d", procs, got, want)
		}
	}
}

// TestServeProcs: serve runs with the Ps --procs asks for and one audio
// worker fewer, and says so when it starts listening.
func TestServeProcs(t *testing.T) {
	prev := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	var out, errb bytes.Buffer
	err := serveContext(context.Background(), []string{"--store", "none", "--listen", "127.0.0.1:0", "--procs", "5",
		"--api-key", callctl.HashKey("k") + " ops admin", "--exit-after", "10ms"}, &out, &errb)
	if err != nil {
		t.Fatalf("serve: %v\n%s", err, errb.String())
	}
	if got := runtime.GOMAXPROCS(0); got != 5 {
		t.Errorf("GOMAXPROCS %d after --procs 5", got)
	}
	var listening map[string]any
	for line := range strings.Lines(errb.String()) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "listening" {
			listening = m
		}
	}
	if listening == nil || listening["procs"] != 5.0 || listening["audio_workers"] != 4.0 {
		t.Errorf("listening log %v, want procs 5 and audio_workers 4\n%s", listening, errb.String())
	}
}
