package main

import "testing"

// FuzzSettings: any settings file, YAML or JSON, is parsed into settings
// or refused with an error, never a panic; every YAML setting names its
// line.
func FuzzSettings(f *testing.F) {
	for _, s := range []string{
		"listen: \":8080\"\nwebhook:\n  attempts: 3\n  allow: [10.0.0.0/8, \"hooks.example.com\"]\nhep:\n  - udp:0.0.0.0:9060\n  - tcp:0.0.0.0:9061 # comment\n",
		"---\nstore: 'clickhouse://u:p@h:9000/db'\napi_keys_poll: 5s\n",
		"a: [b, 'c\n",
		`{"listen": ":8080", "webhook": {"attempts": 3}, "hep": ["udp:0.0.0.0:9060"], "rate_limit": 10.5, "no_audio": true}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ys, err := parseYAMLSettings(b)
		if err == nil {
			for _, s := range ys {
				if s.line <= 0 {
					t.Fatalf("setting %q without a line", s.key)
				}
			}
		}
		parseJSONSettings(b)
	})
}
