// Package analytics stores every call in ClickHouse and runs the analysts'
// reports over it.
//
// Two stores share one schema and one set of SQL files (sql/schema and
// sql/reports, embedded in the binary and readable by people):
//
//   - a ClickHouse server, written through clickhouse-go's native protocol
//     ("clickhouse://user:pass@host:9000/db"), from Debian's 18.16 to
//     current releases: the DDL adapts to the server's version;
//   - the embedded default, chDB ("embedded" or "embedded:DIR", ./callsight-data
//     unless configured), loaded from libchdb.so at run time without cgo.
//
// A Writer batches rows by size and time, inserts them from a few
// goroutines, and when an insert fails it appends the batch to an on-disk
// spool (append-only, fsync'd, bounded) that is retried with backoff and
// replayed when a Writer next opens the same spool. Tables are
// ReplacingMergeTree keyed on the call id (events on file and frame), and
// reports read them with FINAL, so a row written twice counts once.
//
// Report runs one of the named reports (Reports lists them) and returns a
// Table that can be rendered as text, CSV, JSON or a self-contained HTML
// page with SVG charts.
package analytics
