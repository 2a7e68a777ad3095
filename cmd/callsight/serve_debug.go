package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
)

// listenDebug binds serve's debug listener. It has no authentication, so
// only loopback addresses are accepted.
func listenDebug(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usageError{fmt.Errorf("debug-listen %q: %w", addr, err)}
	}
	ip, err := netip.ParseAddr(host)
	if host == "localhost" {
		ip, err = netip.MustParseAddr("127.0.0.1"), nil
		addr = net.JoinHostPort(ip.String(), addr[len(host)+1:])
	}
	if err != nil || !ip.IsLoopback() {
		return nil, usageError{fmt.Errorf("debug-listen %q: %w", addr, errDebugNotLoopback)}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug-listen: %w", err)
	}
	return ln, nil
}

var errDebugNotLoopback = errors.New("want a loopback address (127.0.0.1:PORT or [::1]:PORT): the profiler has no authentication")

// debugHandler serves net/http/pprof under /debug/pprof/, on its own mux
// (the API's handler never exposes it).
func debugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
