package node

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/fechatter/fechatter/fanout"
	"github.com/fechatter/fechatter/search"
	"github.com/fechatter/fechatter/search/meili"
)

// openSearch builds the search service: the store's own full text by default, Meilisearch fed
// by the JetStream indexer when MeiliURL is set.
func (n *Node) openSearch(ctx context.Context) (*search.Service, error) {
	key, err := n.cursorKey()
	if err != nil {
		return nil, err
	}
	if n.cfg.MeiliURL == "" {
		n.log.Info("search: built-in full text")
		return search.New(n.Store, n.Store, key), nil
	}
	ix, err := meili.Open(ctx, meili.Config{URL: n.cfg.MeiliURL, Key: n.cfg.MeiliKey})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	n.indexer, err = meili.StartIndexer(ctx, meili.IndexerConfig{
		NATS: n.nc, Store: n.Store, Index: ix, Logger: n.log, Metrics: meili.NewMetrics(n.registry),
		Subjects: []string{fanout.NewSubjects(n.cfg.NATSPrefix).AllChats()}, Stream: streamName(n.cfg.NATSPrefix),
	})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	n.log.Info("search: meilisearch", "url", n.cfg.MeiliURL)
	return search.New(n.Store, ix, key), nil
}

// cursorKey derives the key that signs search cursors from the JWT secret, so every node
// of an installation accepts every other node's cursors.
func (n *Node) cursorKey() ([]byte, error) {
	secret, err := n.cfg.SigningSecret()
	if err != nil {
		return nil, fmt.Errorf("search cursor key: %w", err)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("fechatter search cursor v1"))
	return m.Sum(nil), nil
}

// streamName is the JetStream stream of a subject prefix: FECHATTER_CHAT for the default.
func streamName(prefix string) string {
	if prefix == "" {
		prefix = fanout.DefaultPrefix
	}
	name := strings.Map(func(r rune) rune {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return '_'
		}
		return unicode.ToUpper(r)
	}, prefix)
	return name + "_CHAT"
}

func (n *Node) closeSearch() {
	if n.indexer != nil {
		n.indexer.Close()
	}
}

// ReindexOptions configures Reindex.
type ReindexOptions struct {
	Restart  bool      // ignore the checkpoint of an interrupted run
	Progress io.Writer // progress bar
}

// Reindex rebuilds the Meilisearch index from the store (fechatter reindex). Progress is
// checkpointed in the data dir, so an interrupted run resumes.
func Reindex(ctx context.Context, cfg Config, opts ReindexOptions) (int64, error) {
	if cfg.MeiliURL == "" {
		return 0, fmt.Errorf("reindex: MEILI_URL is not set; the built-in search needs no index")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return 0, fmt.Errorf("data dir: %w", err)
	}
	n := &Node{cfg: cfg, log: cfg.Logger}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if err := n.openStore(ctx); err != nil {
		return 0, err
	}
	defer n.Store.Close()
	ix, err := meili.Open(ctx, meili.Config{URL: cfg.MeiliURL, Key: cfg.MeiliKey})
	if err != nil {
		return 0, fmt.Errorf("reindex: %w", err)
	}
	return meili.Reindex(ctx, meili.ReindexConfig{
		Store: n.Store, Index: ix, Restart: opts.Restart, Progress: opts.Progress,
		Checkpoint: filepath.Join(cfg.DataDir, "search-reindex.json"),
	})
}
