package capture

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// payloadKeys summarises payloads for comparison: frame, time, addresses
// and data.
func payloadKeys(pls []Payload) []string {
	out := make([]string, len(pls))
	for i, p := range pls {
		out[i] = p.Time.Format(time.RFC3339Nano) + " " + p.Transport.String() + " " + p.Src.String() + ">" + p.Dst.String() + " " + string(p.Data)
	}
	return out
}

// runFollow runs Follow in the background and returns a stop function that
// cancels it and returns what it delivered.
func runFollow(t *testing.T, path string) (*collector, func() []Payload) {
	var c collector
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Follow(ctx, path, DefaultConfig(), c.add, func(de *DecodeError) { t.Errorf("decode error: %v", de) })
	}()
	return &c, func() []Payload {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Follow: %v", err)
		}
		return c.pls
	}
}

// TestFollowGrowing appends a capture to a file in chunks that cut
// records (and the file header) in the middle while Follow reads it: every
// payload arrives once, in order, as the replay reader gives them.
func TestFollowGrowing(t *testing.T) {
	for _, name := range []string{"sip-basic.pcap", "sip-variants.pcapng"} {
		t.Run(name, func(t *testing.T) {
			src := repoPcap(t, name)
			want := filePayloads(t, src)
			raw, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "growing.pcap")
			c, stop := runFollow(t, path)
			time.Sleep(150 * time.Millisecond) // Follow waits for the file to appear
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for i, chunk := 0, 3; i < len(raw); chunk = chunk*3 + 7 {
				k := min(len(raw), i+chunk)
				f.Write(raw[i:k])
				i = k
				time.Sleep(15 * time.Millisecond)
				if i < len(raw) && c.len() > 0 && i%2 == 0 {
					time.Sleep(followPoll) // let Follow sit on a partial record
				}
			}
			c.wait(t, len(want), 5*time.Second)
			got := stop()
			if d := cmp.Diff(payloadKeys(want), payloadKeys(got)); d != "" {
				t.Errorf("followed payloads (-file +follow):\n%s", d)
			}
			for i := range got {
				if i < len(want) && got[i].Frame != want[i].Frame {
					t.Errorf("payload %d: frame %d, want %d", i, got[i].Frame, want[i].Frame)
					break
				}
			}
		})
	}
}

// TestFollowRotation replaces the followed file by a new capture: Follow
// finishes the first, reads the second from its start, and keeps counting
// frames.
func TestFollowRotation(t *testing.T) {
	src := repoPcap(t, "sip-basic.pcap")
	want := filePayloads(t, src)
	raw, _ := os.ReadFile(src)
	dir := t.TempDir()
	path := filepath.Join(dir, "rot.pcap")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	c, stop := runFollow(t, path)
	c.wait(t, len(want), 5*time.Second)
	tmp := filepath.Join(dir, "next.pcap")
	os.WriteFile(tmp, raw, 0o644)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	c.wait(t, 2*len(want), 5*time.Second)
	got := stop()
	if len(got) != 2*len(want) {
		t.Fatalf("got %d payloads, want %d", len(got), 2*len(want))
	}
	// The first file's frame count is its packet count.
	r, _ := Open(src, DefaultConfig())
	r.Run(nil, nil)
	frames := int64(r.Stats().Packets)
	for i, p := range got[len(want):] {
		w := want[i]
		if !bytes.Equal(p.Data, w.Data) || p.Frame != w.Frame+frames {
			t.Fatalf("second file payload %d: frame %d data %.20q, want frame %d data %.20q", i, p.Frame, p.Data, w.Frame+frames, w.Data)
		}
	}
}

// TestFollowStopsOnCancel: a missing file and an idle file both end
// cleanly when the context is done.
func TestFollowStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := Follow(ctx, filepath.Join(t.TempDir(), "never"), DefaultConfig(), func(*Payload) {}, nil); err != nil {
		t.Errorf("Follow(missing) = %v, want nil", err)
	}
	path := filepath.Join(t.TempDir(), "header-only.pcap")
	raw, _ := os.ReadFile(repoPcap(t, "sip-basic.pcap"))
	os.WriteFile(path, raw[:30], 0o644) // header + part of a record header
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	if err := Follow(ctx2, path, DefaultConfig(), func(*Payload) { t.Error("payload from an empty file") }, nil); err != nil {
		t.Errorf("Follow(partial) = %v, want nil", err)
	}
}
