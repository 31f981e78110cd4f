package meili

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/fechatter/fechatter"
)

// Config locates the Meilisearch index.
type Config struct {
	URL   string // e.g. http://127.0.0.1:7700
	Key   string // API key (master or an admin key); may be empty for an open server
	Index string // index uid; default "messages"
	// TaskWait bounds the wait for one Meilisearch task; default 30s.
	TaskWait time.Duration
}

// Index is one Meilisearch index of messages. It is safe for concurrent use.
type Index struct {
	hc       *http.Client
	sm       meilisearch.ServiceManager
	idx      meilisearch.IndexManager
	uid      string
	taskWait time.Duration
}

// doc is a message as stored in Meilisearch. Times are microseconds since the epoch, so they
// filter and sort as numbers. FileNames holds the names of its files (fechatter.FileNames),
// searched as its text is, as the built-in stores do (migration 0010).
type doc struct {
	ID        int64  `json:"id"`
	ChatID    int64  `json:"chat_id"`
	Seq       int64  `json:"seq"`
	SenderID  int64  `json:"sender_id"`
	ClientID  string `json:"client_id"`
	Text      string `json:"text"`
	CreatedAt int64  `json:"created_at"`
	EditedAt  int64  `json:"edited_at,omitempty"`
	FileNames string `json:"file_names,omitempty"`
}

func toDoc(m fechatter.Message) doc {
	d := doc{ID: m.ID, ChatID: m.ChatID, Seq: m.Seq, SenderID: m.SenderID, ClientID: m.ClientID,
		Text: m.Text, CreatedAt: m.CreatedAt.UnixMicro(), FileNames: fechatter.FileNames(m.Files)}
	if m.EditedAt != nil {
		d.EditedAt = m.EditedAt.UnixMicro()
	}
	return d
}

func (d doc) message() fechatter.Message {
	m := fechatter.Message{ID: d.ID, ChatID: d.ChatID, Seq: d.Seq, SenderID: d.SenderID, ClientID: d.ClientID,
		Text: d.Text, CreatedAt: time.UnixMicro(d.CreatedAt).UTC()}
	if d.EditedAt != 0 {
		t := time.UnixMicro(d.EditedAt).UTC()
		m.EditedAt = &t
	}
	return m
}

// settings are applied at every Open. "sort" ranks first so sort=recent is strictly by time;
// without a sort parameter it does nothing and relevance decides. SeparatorTokens make
// Meilisearch split words where the built-in stores do (tokens.go).
var settings = meilisearch.Settings{
	SearchableAttributes: []string{"text", "file_names"},
	FilterableAttributes: []string{"id", "chat_id", "sender_id", "created_at"},
	SortableAttributes:   []string{"id", "created_at"},
	RankingRules:         []string{"sort", "words", "typo", "proximity", "attribute", "exactness"},
	DisplayedAttributes:  []string{"*"},
	SeparatorTokens:      separatorTokens(),
}

// Open connects, creates the index if needed and applies its settings, waiting for both.
func Open(ctx context.Context, cfg Config) (*Index, error) {
	if cfg.Index == "" {
		cfg.Index = "messages"
	}
	if cfg.TaskWait <= 0 {
		cfg.TaskWait = 30 * time.Second
	}
	hc := httpClient()
	sm := meilisearch.New(cfg.URL, meilisearch.WithAPIKey(cfg.Key), meilisearch.WithCustomClient(hc))
	ix := &Index{hc: hc, sm: sm, idx: sm.Index(cfg.Index), uid: cfg.Index, taskWait: cfg.TaskWait}
	if _, err := sm.Health(ctx); err != nil {
		return nil, fmt.Errorf("meilisearch: health: %w", err)
	}
	if _, err := sm.GetIndex(ctx, cfg.Index); err != nil {
		var me *meilisearch.Error
		if !errors.As(err, &me) || me.StatusCode != 404 {
			return nil, fmt.Errorf("meilisearch: get index: %w", err)
		}
		pk := "id"
		task, err := sm.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: cfg.Index, PrimaryKey: pk})
		if err != nil {
			return nil, fmt.Errorf("meilisearch: create index: %w", err)
		}
		// Another node may have created it meanwhile: index_already_exists is fine.
		if err := ix.wait(ctx, task); err != nil && !strings.Contains(err.Error(), "index_already_exists") {
			return nil, fmt.Errorf("meilisearch: create index: %w", err)
		}
	}
	s := settings
	task, err := ix.idx.UpdateSettings(ctx, &s)
	if err != nil {
		return nil, fmt.Errorf("meilisearch: settings: %w", err)
	}
	if err := ix.wait(ctx, task); err != nil {
		return nil, fmt.Errorf("meilisearch: settings: %w", err)
	}
	return ix, nil
}

// wait waits for a task to finish and turns a failed task into an error.
func (ix *Index) wait(ctx context.Context, info *meilisearch.TaskInfo) error {
	ctx, cancel := context.WithTimeout(ctx, ix.taskWait)
	defer cancel()
	task, err := ix.sm.WaitForTask(ctx, info.TaskUID, 50*time.Millisecond)
	if err != nil {
		return fmt.Errorf("task %d: %w", info.TaskUID, err)
	}
	if task.Status != meilisearch.TaskStatusSucceeded {
		return fmt.Errorf("task %d %s: %s: %s", info.TaskUID, task.Status, task.Error.Code, task.Error.Message)
	}
	return nil
}

// Put writes messages (upserts by id) and removes the ids in del, waiting until Meilisearch
// has applied both.
func (ix *Index) Put(ctx context.Context, msgs []fechatter.Message, del []int64) error {
	if len(msgs) > 0 {
		docs := make([]doc, len(msgs))
		for i, m := range msgs {
			docs[i] = toDoc(m)
		}
		pk := "id"
		task, err := ix.idx.AddDocuments(ctx, docs, &meilisearch.DocumentOptions{PrimaryKey: &pk})
		if err != nil {
			return fmt.Errorf("meilisearch: add documents: %w", err)
		}
		if err := ix.wait(ctx, task); err != nil {
			return fmt.Errorf("meilisearch: add documents: %w", err)
		}
	}
	if len(del) > 0 {
		ids := make([]string, len(del))
		for i, id := range del {
			ids[i] = strconv.FormatInt(id, 10)
		}
		task, err := ix.idx.DeleteDocuments(ctx, ids, nil)
		if err != nil {
			return fmt.Errorf("meilisearch: delete documents: %w", err)
		}
		if err := ix.wait(ctx, task); err != nil {
			return fmt.Errorf("meilisearch: delete documents: %w", err)
		}
	}
	return nil
}

// SearchMessages implements search.Backend. Membership has been applied by the caller; the
// chat filter restates it to Meilisearch so hits of other chats never fill the page.
func (ix *Index) SearchMessages(ctx context.Context, q fechatter.MessageSearch) ([]fechatter.Message, error) {
	if len(q.ChatIDs) == 0 {
		return []fechatter.Message{}, nil
	}
	req := &meilisearch.SearchRequest{
		Filter:           filter(q),
		Offset:           int64(q.Offset),
		Limit:            int64(q.Limit),
		MatchingStrategy: meilisearch.All,
	}
	if q.Recent || q.Text.Empty() {
		req.Sort, req.Offset = []string{"id:desc"}, 0
	}
	resp, err := ix.idx.Search(ctx, queryString(q.Text), req)
	if err != nil {
		return nil, fmt.Errorf("meilisearch: search: %w", err)
	}
	var docs []doc
	if err := resp.Hits.DecodeInto(&docs); err != nil {
		return nil, fmt.Errorf("meilisearch: decode hits: %w", err)
	}
	msgs := make([]fechatter.Message, len(docs))
	for i, d := range docs {
		msgs[i] = d.message()
	}
	return msgs, nil
}

// filter renders the search's filters in Meilisearch's filter syntax: numbers only.
func filter(q fechatter.MessageSearch) string {
	parts := []string{"chat_id IN [" + joinIDs(q.ChatIDs) + "]"}
	if len(q.SenderIDs) > 0 {
		parts = append(parts, "sender_id IN ["+joinIDs(q.SenderIDs)+"]")
	}
	if !q.Since.IsZero() {
		parts = append(parts, "created_at >= "+strconv.FormatInt(q.Since.UnixMicro(), 10))
	}
	if !q.Until.IsZero() {
		parts = append(parts, "created_at < "+strconv.FormatInt(q.Until.UnixMicro(), 10))
	}
	if (q.Recent || q.Text.Empty()) && q.BeforeID > 0 {
		parts = append(parts, "id < "+strconv.FormatInt(q.BeforeID, 10))
	}
	return strings.Join(parts, " AND ")
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// queryString renders the text query for Meilisearch: "phrases", -excluded, words, and the
// prefix last (Meilisearch matches the last word of q as a prefix).
func queryString(t fechatter.TextQuery) string {
	var parts []string
	for _, p := range t.Phrases {
		parts = append(parts, `"`+strings.Join(p, " ")+`"`)
	}
	for _, e := range t.Excluded {
		if len(e) == 1 {
			parts = append(parts, "-"+e[0])
		} else {
			parts = append(parts, `-"`+strings.Join(e, " ")+`"`)
		}
	}
	parts = append(parts, t.Words...)
	if t.Prefix != "" {
		parts = append(parts, t.Prefix)
	}
	return strings.Join(parts, " ")
}
