package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The example systemd unit passes systemd's own check (systemd-analyze
// verify, with ExecStart pointed at a real binary), and every path the
// example settings make serve write to is writable under the unit's
// ProtectSystem=strict: in a ReadWritePaths entry or the StateDirectory.
func TestDeployUnit(t *testing.T) {
	dir := filepath.Join("..", "..", "deploy")
	unit, err := os.ReadFile(filepath.Join(dir, "callsight.service"))
	if err != nil {
		t.Fatal(err)
	}
	var writable []string
	kv := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(unit)))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		kv[k] = v
		switch k {
		case "ReadWritePaths":
			writable = append(writable, strings.Fields(v)...)
		case "StateDirectory":
			for _, d := range strings.Fields(v) {
				writable = append(writable, "/var/lib/"+d)
			}
		}
	}
	if kv["ProtectSystem"] != "strict" {
		t.Fatalf("ProtectSystem=%q: this test assumes strict", kv["ProtectSystem"])
	}
	// The example settings' files and directories serve writes.
	settings, err := parseYAMLSettings(mustRead(t, filepath.Join(dir, "callsight.example.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	var writes []string
	for _, s := range settings {
		switch s.key {
		case "greetings-file", "spool-dir":
			writes = append(writes, filepath.Dir(s.value))
		case "store":
			if d, ok := strings.CutPrefix(s.value, "embedded"); ok {
				d = strings.TrimPrefix(d, ":")
				if d == "" {
					d = "callsight-data"
				}
				writes = append(writes, d)
			}
		}
	}
	if len(writes) == 0 {
		t.Fatal("the example settings write nowhere: the test checks nothing")
	}
	for _, w := range writes {
		if !filepath.IsAbs(w) {
			w = filepath.Join(kv["WorkingDirectory"], w)
		}
		ok := false
		for _, d := range writable {
			ok = ok || w == d || strings.HasPrefix(w, d+"/")
		}
		if !ok {
			t.Errorf("serve writes under %s, which the unit leaves read-only (writable: %v)", w, writable)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed: the unit's syntax is not checked")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(t.TempDir(), "callsight.service")
	if err := os.WriteFile(tmp, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/callsight", exe)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", tmp).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
