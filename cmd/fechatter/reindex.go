package main

import (
	"context"
	"fmt"
	"os/signal"
	"syscall"

	"github.com/fechatter/fechatter/internal/node"
)

const reindexUsage = `fechatter reindex — rebuild the Meilisearch index from the store

Usage:
  fechatter reindex [-restart] [store and search flags]

Writes every message of the store (DATABASE_URL or the SQLite file in the data dir) to the
Meilisearch index at MEILI_URL, in id order, and removes deleted ones. Progress is saved to
<data-dir>/search-reindex.json after every batch: interrupt it (Ctrl-C) and run it again to
resume; -restart starts from the first message. Safe while nodes are serving: documents are
upserted and the indexer keeps applying live events. Run it after enabling Meilisearch on an
existing installation, and after an outage of NATS (events published while NATS was down never
reached the stream).

Flags:
`

// reindex implements `fechatter reindex`.
func (m *Main) reindex(ctx context.Context, args []string) error {
	fs := m.flags()
	fs.Usage = func() { fmt.Fprint(m.stderr, reindexUsage); fs.PrintDefaults() }
	restart := fs.Bool("restart", false, "ignore the checkpoint of an interrupted run and start over")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	n, err := node.Reindex(ctx, m.Config, node.ReindexOptions{Restart: *restart, Progress: m.stderr})
	if err != nil {
		fmt.Fprintln(m.stderr)
		return fmt.Errorf("%w (after %d messages; run again to resume)", err, n)
	}
	fmt.Fprintf(m.stdout, "reindexed %d messages\n", n)
	return nil
}
