package callctl

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// writeFileAtomic writes a file the way a deployment should: a temporary
// file renamed into place.
func writeFileAtomic(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// status is the status of GET /readyz with key.
func status(t *testing.T, url, key string) int {
	t.Helper()
	resp, _ := do(t, "GET", url+"/readyz", key, "")
	return resp.StatusCode
}

// eventually polls cond for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestKeyReload serves keys from a file watched every 20 ms: a new file
// replaces the keys (the removed key gets 401, the added one works), a
// broken file keeps the keys in use and is reported once, the fixed keys
// stay throughout, and a long poll authenticated with a removed key still
// gets its answer.
func TestKeyReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys")
	writeFileAtomic(t, path, "# tenants\n"+HashKey(keyA)+" a\n")
	fileKeys, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := ParseKey(HashKey(keyAdmin) + " ops admin")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var reloads, failures int
	var lastN int
	s, url := newTestServer(t, func(c *Config) {
		c.Keys = append(fileKeys, fixed)
		c.Hooks.KeysReloaded = func(n int, err error) {
			mu.Lock()
			defer mu.Unlock()
			lastN = n
			if err != nil {
				failures++
			} else {
				reloads++
			}
		}
	})
	counts := func() (int, int, int) { mu.Lock(); defer mu.Unlock(); return reloads, failures, lastN }
	r := NewKeyReloader(s, path, []Key{fixed})
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() { r.Run(ctx, 20*time.Millisecond); close(runDone) }()
	defer func() { cancel(); <-runDone }()

	if status(t, url, keyA) != 200 || status(t, url, keyB) != 401 || status(t, url, keyAdmin) != 200 {
		t.Fatal("before the reload: want keyA and admin 200, keyB 401")
	}
	// A long poll authenticated with keyA, which the reload removes.
	register(t, url, keyA, `{"called":"5550001","call_id":"inflight@x"}`)
	polled := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", url+"/v1/calls/inflight@x/verdict?wait=10s", nil)
		req.Header.Set("Authorization", "Bearer "+keyA)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			polled <- 0
			return
		}
		resp.Body.Close()
		polled <- resp.StatusCode
	}()
	time.Sleep(50 * time.Millisecond) // the poll is waiting

	writeFileAtomic(t, path, HashKey(keyB)+" b\n")
	eventually(t, "keyB accepted after the file changed", func() bool { return status(t, url, keyB) == 200 })
	if c := status(t, url, keyA); c != 401 {
		t.Errorf("removed keyA: status %d, want 401", c)
	}
	if c := status(t, url, keyAdmin); c != 200 {
		t.Errorf("fixed admin key after reload: status %d, want 200", c)
	}
	if n, f, keys := counts(); n != 1 || f != 0 || keys != 2 {
		t.Errorf("after one change: %d reloads, %d failures, %d keys; want 1, 0, 2", n, f, keys)
	}
	s.Verdict(Verdict{Kind: KindVerdict, CallID: "inflight@x", At: t0, Class: "human", MS: 800})
	select {
	case c := <-polled:
		if c != 200 {
			t.Errorf("long poll authenticated before the reload: status %d, want 200", c)
		}
	case <-time.After(5 * time.Second):
		t.Error("long poll authenticated before the reload never answered")
	}

	// A broken file (written in place): the keys in use stay, one failure.
	if err := os.WriteFile(path, []byte(HashKey(keyA)+" a\nnot-a-hash b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the broken file reported", func() bool { _, f, _ := counts(); return f == 1 })
	time.Sleep(100 * time.Millisecond) // several more polls: reported once only
	if _, f, _ := counts(); f != 1 {
		t.Errorf("broken file reported %d times, want once", f)
	}
	if status(t, url, keyB) != 200 || status(t, url, keyA) != 401 {
		t.Error("after a broken file: want the previous keys (keyB 200, keyA 401)")
	}
	// A missing file is an error too.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the missing file reported", func() bool { _, f, _ := counts(); return f == 2 })
	if status(t, url, keyB) != 200 {
		t.Error("after the file vanished: keyB no longer works")
	}

	// Reload on demand (what SIGHUP does), with the file fixed.
	writeFileAtomic(t, path, HashKey(keyA)+" a\n"+HashKey(keyB)+" b\n")
	if err := r.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if status(t, url, keyA) != 200 || status(t, url, keyB) != 200 {
		t.Error("after Reload: want keyA and keyB 200")
	}
	if got := len(s.Keys()); got != 3 {
		t.Errorf("Keys() has %d keys, want 3", got)
	}
}

// TestSetKeysAtomic swaps between two key sets while requests run: a key
// in both sets is never refused, and a set that does not validate is not
// taken.
func TestSetKeysAtomic(t *testing.T) {
	s, url := newTestServer(t, nil)
	all := testKeys(t)
	set1, set2 := []Key{all[0], all[2]}, []Key{all[2], all[1]} // admin in both, at different places
	stop := make(chan struct{})
	var swaps atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			set := set1
			if i%2 == 1 {
				set = set2
			}
			if err := s.SetKeys(set); err != nil {
				t.Error(err)
				return
			}
			swaps.Add(1)
		}
	}()
	client := &http.Client{}
	for i := range 300 {
		req, _ := http.NewRequest("GET", url+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+keyAdmin)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("request %d with a key in every set: status %d", i, resp.StatusCode)
			break
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d swaps during 300 requests", swaps.Load())
	before := s.Keys()
	for _, bad := range [][]Key{nil, {{Hash: all[0].Hash}}, {all[0], all[0]}} {
		if err := s.SetKeys(bad); err == nil {
			t.Errorf("SetKeys(%d keys, invalid) took them", len(bad))
		}
	}
	if len(s.Keys()) != len(before) {
		t.Error("an invalid set changed the keys in use")
	}
}
