//go:build !linux

package capture

import (
	"context"
	"fmt"
)

// Live is a live capture; AF_PACKET exists only on Linux.
type Live struct{}

// OpenLive fails: live capture needs Linux AF_PACKET.
func OpenLive(iface string, cfg LiveConfig) (*Live, error) {
	return nil, fmt.Errorf("capture: live: %s: AF_PACKET capture needs Linux: %w", iface, ErrUnsupported)
}

// Close does nothing.
func (l *Live) Close() {}

// Run fails: live capture needs Linux AF_PACKET.
func (l *Live) Run(ctx context.Context, fn func(*Payload), onErr func(*DecodeError)) error {
	return fmt.Errorf("capture: live: AF_PACKET capture needs Linux: %w", ErrUnsupported)
}

// Stats returns zero counters.
func (l *Live) Stats() LiveStats { return LiveStats{} }
