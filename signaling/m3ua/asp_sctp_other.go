//go:build !linux

package m3ua

import "fmt"

// SCTPAvailable reports whether this host can open an SCTP socket: the
// M3UA client (github.com/ishidawataru/sctp) supports Linux only.
func SCTPAvailable() error {
	return fmt.Errorf("m3ua: asp: %w: the SCTP client supports Linux only", ErrSCTPUnavailable)
}
