package main

import (
	"bytes"
	"errors"
	"testing"
)

// gen --network takes "harsh", --background "music" or "voices", and
// --silence-suppression only for an evaluation set (--audio N): anything
// else is a usage error before a file is written.
func TestGenSetFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--audio", "10", "--network", "awful"},
		{"--audio", "0", "--network", "harsh"},
		{"--network", "harsh"},
		{"--audio", "10", "--background", "radio"},
		{"--audio", "0", "--background", "music"},
		{"--background", "voices"},
		{"--silence-suppression"},
		{"--audio", "0", "--silence-suppression"},
	} {
		dir := t.TempDir()
		var stdout, stderr bytes.Buffer
		err := cmdGen(append(args, "--out", dir), &stdout, &stderr)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("gen %v: %v, want a usage error", args, err)
		}
	}
}
