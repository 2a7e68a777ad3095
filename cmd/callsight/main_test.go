package main

import (
	"os"
	"testing"
)

// TestMain keeps the tests from writing an embedded store into the source
// tree: replay and serve default to ./callsight-data otherwise. Tests that
// exercise storage pass --store explicitly.
func TestMain(m *testing.M) {
	os.Setenv("CALLSIGHT_STORE", "none")
	os.Exit(m.Run())
}
