package capture

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// repoPcap returns the path of a capture committed under pcaps/.
func repoPcap(t *testing.T, name string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", "pcaps", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not found: %v", p, err)
	}
	return p
}

// requirePeers fails the test instead of skipping it when
// CALLSIGHT_REQUIRE_PEERS=1, for make targets that installed the peers.
func requirePeers(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CALLSIGHT_REQUIRE_PEERS") == "1" {
		t.Fatalf(format+" (CALLSIGHT_REQUIRE_PEERS=1)", args...)
	}
	t.Skipf(format, args...)
}

// lookTool finds a peer binary from an environment variable, a list of
// paths, or $PATH.
func lookTool(env string, paths ...string) string {
	if p := os.Getenv(env); p != "" {
		return p
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if len(paths) > 0 {
		if p, err := exec.LookPath(filepath.Base(paths[0])); err == nil {
			return p
		}
	}
	return ""
}

// filePayloads reads a capture file with the replay Reader and returns
// its payloads with copied data.
func filePayloads(t *testing.T, path string) []Payload {
	t.Helper()
	r, err := Open(path, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var out []Payload
	if err := r.Run(func(p *Payload) {
		c := *p
		c.Data = append([]byte(nil), p.Data...)
		out = append(out, c)
	}, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// sipCallID returns the Call-ID of a SIP message (long or compact form),
// or "" when b is not SIP. A test helper: capture may not import the SIP
// decoder.
func sipCallID(b []byte) string {
	if !bytes.Contains(b, []byte("SIP/2.0")) {
		return ""
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break
		}
		name, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		name = bytes.TrimSpace(name)
		if bytes.EqualFold(name, []byte("Call-ID")) || bytes.EqualFold(name, []byte("i")) {
			return string(bytes.TrimSpace(val))
		}
	}
	return ""
}
