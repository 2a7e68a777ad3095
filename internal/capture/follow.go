package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// followPoll is how often a followed file is checked for new data.
const followPoll = 100 * time.Millisecond

// Follow reads the pcap or pcapng file at path like Reader.Run, then keeps
// reading as the file grows (tail -f), until ctx is done; it then returns
// nil after delivering everything complete in the file. A record cut at
// the current end of the file is waited for, not reported. A file that
// does not exist yet is waited for.
//
// Rotation: when the path is replaced by a new file (another inode, as
// tcpdump -G / -C or a rename-and-create rotation does) after the current
// one was read to its end, Follow finishes the old file (flushing its TCP
// and SCTP state) and starts on the new one from its beginning. Payload
// frame numbers keep counting across files. Plain gzip files cannot be
// followed (their end is not known until they are complete).
func Follow(ctx context.Context, path string, cfg Config, fn func(*Payload), onErr func(*DecodeError)) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	var base int64 // frames of the files before this one
	for {
		f, err := waitOpen(ctx, path)
		if err != nil {
			return err
		}
		if f == nil {
			return nil // ctx done before the file appeared
		}
		fr := &followReader{ctx: ctx, f: f, path: path}
		r, err := NewReader(path, fr, cfg)
		if err != nil {
			f.Close()
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		r.closer = f
		off := base
		err = r.Run(func(p *Payload) {
			p.Frame += off
			fn(p)
		}, func(de *DecodeError) {
			de.Frame += off
			if onErr != nil {
				onErr(de)
			}
		})
		base += r.frame
		if ctx.Err() != nil {
			return nil // a record cut by the stop is not an error
		}
		if err != nil {
			return err
		}
		if !fr.rotated {
			return nil
		}
	}
}

// waitOpen opens path, waiting for it to exist. It returns nil, nil when
// ctx is done first.
func waitOpen(ctx context.Context, path string) (*os.File, error) {
	for {
		f, err := os.Open(path)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("capture: follow: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(followPoll):
		}
	}
}

// followReader reads a growing file: at its end it waits for more data
// instead of returning io.EOF, until ctx is done or the path was rotated
// to a new file.
type followReader struct {
	ctx     context.Context
	f       *os.File
	path    string
	rotated bool
}

func (r *followReader) Read(p []byte) (int, error) {
	for {
		n, err := r.f.Read(p)
		if n > 0 {
			return n, nil
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
		if r.ctx.Err() != nil {
			return 0, io.EOF
		}
		if r.replaced() {
			// The old file may have grown between the read and the check.
			if n, _ := r.f.Read(p); n > 0 {
				return n, nil
			}
			r.rotated = true
			return 0, io.EOF
		}
		select {
		case <-r.ctx.Done():
		case <-time.After(followPoll):
		}
	}
}

// replaced reports whether path now names another file than the one
// being read, or was truncated below the read position.
func (r *followReader) replaced() bool {
	st, err := os.Stat(r.path)
	if err != nil {
		return false // removed: keep waiting for the new one
	}
	cur, err := r.f.Stat()
	if err != nil {
		return false
	}
	if !os.SameFile(st, cur) {
		return true
	}
	if pos, err := r.f.Seek(0, io.SeekCurrent); err == nil && st.Size() < pos {
		// Truncated in place: start over from the beginning.
		r.f.Close()
		return true
	}
	return false
}
