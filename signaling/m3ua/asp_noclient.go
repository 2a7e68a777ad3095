//go:build !linux

package m3ua

import (
	"context"
	"fmt"
)

// run fails: this build has no M3UA client. The client (go-m3ua over
// github.com/ishidawataru/sctp) is compiled with the build tag
// m3uaclient on Linux, once go.sum holds ishidawataru/sctp.
func (a *ASP) run(ctx context.Context, fn func(*ASPData)) error {
	return fmt.Errorf("m3ua: asp: %w: this build has no M3UA client (build on Linux with -tags m3uaclient)", ErrSCTPUnavailable)
}
