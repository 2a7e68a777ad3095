package main

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestServeAudioQueueFlag: --audio-queue outside 1-1048576 is a usage
// error, and by default one core is kept from the audio workers.
func TestServeAudioQueueFlag(t *testing.T) {
	for _, v := range []string{"0", "-3", "1048577"} {
		var out, errb bytes.Buffer
		err := cmdServe([]string{"--store", "none", "--audio-queue", v}, &out, &errb)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--audio-queue") {
			t.Errorf("--audio-queue %s: %v, want a usage error naming the flag", v, err)
		}
	}
	for procs, want := range map[int]int{1: 1, 2: 1, 4: 3, 16: 15} {
		if got := defaultAudioWorkers(procs); got != want {
			t.Errorf("defaultAudioWorkers(%d) = %d, want %d", procs, got, want)
		}
	}
}
