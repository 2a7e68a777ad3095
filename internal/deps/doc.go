// Package deps holds the test that keeps callsight's architecture true: data
// flows one way (capture -> engine -> signaling, media -> amd -> outcome ->
// callctl, analytics) and each third-party library lives in one package.
package deps
