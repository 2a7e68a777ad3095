//go:build linux

package m3ua

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// SCTPAvailable reports whether this host can open an SCTP socket. The
// error wraps ErrSCTPUnavailable and says how to enable SCTP.
func SCTPAvailable() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, unix.IPPROTO_SCTP)
	if err == nil {
		unix.Close(fd)
		return nil
	}
	hint := "load the kernel module with `modprobe sctp` (Debian: package linux-modules-extra or a kernel built with CONFIG_IP_SCTP), " +
		"and in a container allow it on the host (it cannot be loaded from inside)"
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		hint = "SCTP sockets are blocked by a security policy (seccomp, SELinux or the container runtime): allow socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)"
	}
	return fmt.Errorf("m3ua: asp: %w on this host: socket(IPPROTO_SCTP): %v: %s", ErrSCTPUnavailable, err, hint)
}
