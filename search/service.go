package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fechatter/fechatter"
)

// Backend finds messages; the stores (built-in full text) and search/meili implement it.
// The Service has already restricted q to the chats the user may read.
type Backend interface {
	SearchMessages(ctx context.Context, q fechatter.MessageSearch) ([]fechatter.Message, error)
}

// Store is what the Service reads to apply permissions and resolve operators.
type Store interface {
	MemberChats(ctx context.Context, userID int64) ([]fechatter.Chat, error)
	Users(ctx context.Context, workspaceID int64, q string, limit int) ([]fechatter.User, error)
	User(ctx context.Context, id int64) (fechatter.User, error)
}

// Request is one search as the API receives it, already type-checked.
type Request struct {
	Q        string
	ChatID   int64     // 0: every chat of the user
	SenderID int64     // 0: any sender
	From, To time.Time // From <= created_at < To, when not zero
	Limit    int       // 0: DefaultSearchLimit
	Cursor   string
	Recent   bool // newest first instead of by relevance
}

// Page is one page of hits.
type Page struct {
	Hits       []Hit  `json:"hits"`
	NextCursor string `json:"next_cursor,omitempty"` // absent on the last page
	Sort       string `json:"sort"`                  // relevance or recent
}

// Hit is one matching message with what a client shows beside it.
type Hit struct {
	Message   fechatter.Message `json:"message"`
	Chat      ChatRef           `json:"chat"`
	Sender    UserRef           `json:"sender"`
	Seq       int64             `json:"seq"`
	CreatedAt time.Time         `json:"created_at"`
	Snippet   string            `json:"snippet"` // HTML: escaped text, matches in <mark>
}

// ChatRef names a hit's chat.
type ChatRef struct {
	ID   int64              `json:"id"`
	Kind fechatter.ChatKind `json:"kind"`
	Name string             `json:"name"`
}

// UserRef names a hit's sender.
type UserRef struct {
	ID       int64  `json:"id"`
	Fullname string `json:"fullname"`
}

// Service answers searches: it parses the query, applies the caller's current membership,
// asks the backend and decorates the hits.
type Service struct {
	store   Store
	backend Backend
	signer  signer
}

// New returns a Service. cursorKey signs pagination cursors; every node behind one balancer
// needs the same key (32+ bytes recommended).
func New(store Store, backend Backend, cursorKey []byte) *Service {
	return &Service{store: store, backend: backend, signer: signer{key: slices.Clone(cursorKey)}}
}

// Search runs r for user.
func (s *Service) Search(ctx context.Context, user fechatter.User, r Request) (Page, error) {
	pq, err := Parse(r.Q)
	if err != nil {
		return Page{}, err
	}
	limit := r.Limit
	if limit == 0 {
		limit = fechatter.DefaultSearchLimit
	}
	if limit < 0 || limit > fechatter.MaxSearchLimit {
		return Page{}, invalid("query parameter \"limit\" must be from 1 to %d", fechatter.MaxSearchLimit)
	}
	recent := r.Recent || pq.Text.Empty()
	fp := fingerprint(fmt.Sprint(user.ID, "|", pq.String(), "|", r.ChatID, "|", r.SenderID, "|",
		r.From.UnixMicro(), "|", r.To.UnixMicro(), "|", recent))
	var cur cursor
	if r.Cursor != "" {
		if cur, err = s.signer.decode(r.Cursor, fp); err != nil {
			return Page{}, err
		}
	}
	chats, err := s.store.MemberChats(ctx, user.ID)
	if err != nil {
		return Page{}, err
	}
	ms, err := s.resolve(ctx, user, chats, pq, r)
	if err != nil {
		return Page{}, err
	}
	ms.Recent, ms.Limit, ms.Offset, ms.BeforeID = recent, limit+1, cur.Offset, cur.BeforeID
	msgs, err := s.backend.SearchMessages(ctx, ms)
	if err != nil {
		return Page{}, err
	}
	msgs = allowed(msgs, ms.ChatIDs)
	page := Page{Hits: []Hit{}, Sort: "relevance"}
	if recent {
		page.Sort = "recent"
	}
	if len(msgs) > limit {
		msgs = msgs[:limit]
		next := cursor{Recent: recent, Search: fp, Offset: cur.Offset + limit}
		if recent {
			next.Offset, next.BeforeID = 0, msgs[limit-1].ID
		}
		page.NextCursor = s.signer.encode(next)
	}
	page.Hits, err = s.decorate(ctx, msgs, chats, pq.Text)
	return page, err
}

// resolve turns the parsed query and the request's filters into a MessageSearch limited to
// the chats user is a member of now.
func (s *Service) resolve(ctx context.Context, user fechatter.User, chats []fechatter.Chat, pq Query, r Request) (fechatter.MessageSearch, error) {
	ms := fechatter.MessageSearch{UserID: user.ID, Text: pq.Text, Since: pq.Since, Until: pq.Until}
	mine := make([]int64, 0, len(chats))
	for _, c := range chats {
		mine = append(mine, c.ID)
	}
	ms.ChatIDs = mine
	if r.ChatID != 0 {
		if !slices.Contains(mine, r.ChatID) {
			return ms, fechatter.Errorf(fechatter.EForbidden, "you are not a member of chat %d", r.ChatID)
		}
		ms.ChatIDs = []int64{r.ChatID}
	}
	if len(pq.In) > 0 {
		named, err := chatsNamed(chats, pq.In)
		if err != nil {
			return ms, err
		}
		ms.ChatIDs = intersect(ms.ChatIDs, named)
	}
	senders, err := s.senders(ctx, user, pq.From)
	if err != nil {
		return ms, err
	}
	if r.SenderID != 0 {
		if senders != nil && !slices.Contains(senders, r.SenderID) {
			senders = []int64{-1} // from: and sender_id disagree: nothing matches
		} else {
			senders = []int64{r.SenderID}
		}
	}
	ms.SenderIDs = senders
	if !r.From.IsZero() && r.From.After(ms.Since) {
		ms.Since = r.From
	}
	if !r.To.IsZero() && (ms.Until.IsZero() || r.To.Before(ms.Until)) {
		ms.Until = r.To
	}
	if !ms.Since.IsZero() && !ms.Until.IsZero() && !ms.Since.Before(ms.Until) {
		ms.ChatIDs = nil // an empty time range: no hit, but not an error when from/to are params
	}
	return ms, nil
}

// chatsNamed returns the ids of the user's chats whose name matches one of names, ignoring
// case and diacritics.
func chatsNamed(chats []fechatter.Chat, names []string) ([]int64, error) {
	var ids []int64
	for _, n := range names {
		found := false
		for _, c := range chats {
			if c.Name != "" && fold(c.Name) == fold(n) {
				ids, found = append(ids, c.ID), true
			}
		}
		if !found {
			return nil, invalid("in:#%s: you are not a member of a chat named %q", n, n)
		}
	}
	return ids, nil
}

// senders resolves from: values to user ids: "me", an email, its local part, a full name
// without spaces, or a first name, within the user's workspace. nil means no from:.
func (s *Service) senders(ctx context.Context, user fechatter.User, from []string) ([]int64, error) {
	var ids []int64
	for _, f := range from {
		if strings.EqualFold(f, "me") {
			ids = append(ids, user.ID)
			continue
		}
		cands, err := s.store.Users(ctx, user.WorkspaceID, f, 50)
		if err != nil {
			return nil, err
		}
		n := len(ids)
		for _, u := range cands {
			if handleMatches(u, f) {
				ids = append(ids, u.ID)
			}
		}
		if len(ids) == n {
			return nil, invalid("from:@%s: nobody in your workspace goes by %q", f, f)
		}
	}
	return ids, nil
}

func handleMatches(u fechatter.User, h string) bool {
	h = fold(h)
	local, _, _ := strings.Cut(u.Email, "@")
	name := fold(u.Fullname)
	first, _, _ := strings.Cut(name, " ")
	return h == u.Email || h == fold(local) || h == strings.ReplaceAll(name, " ", "") || h == first
}

func intersect(a, b []int64) []int64 {
	out := []int64{}
	for _, id := range a {
		if slices.Contains(b, id) {
			out = append(out, id)
		}
	}
	return out
}

// allowed keeps the messages of the given chats that are not deleted: whatever a backend
// returns, nothing else reaches the caller.
func allowed(msgs []fechatter.Message, chatIDs []int64) []fechatter.Message {
	out := msgs[:0]
	for _, m := range msgs {
		if !m.Deleted && slices.Contains(chatIDs, m.ChatID) {
			out = append(out, m)
		}
	}
	return out
}

// decorate adds chat, sender and snippet to each message. Senders are read in parallel (at
// most senderReaders at once): one store round trip each would otherwise dominate a search.
func (s *Service) decorate(ctx context.Context, msgs []fechatter.Message, chats []fechatter.Chat, t fechatter.TextQuery) ([]Hit, error) {
	byID := make(map[int64]ChatRef, len(chats))
	for _, c := range chats {
		byID[c.ID] = ChatRef{ID: c.ID, Kind: c.Kind, Name: c.Name}
	}
	senders, err := s.senderNames(ctx, msgs)
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, 0, len(msgs))
	for _, m := range msgs {
		hits = append(hits, Hit{Message: m, Chat: byID[m.ChatID], Sender: senders[m.SenderID], Seq: m.Seq,
			CreatedAt: m.CreatedAt, Snippet: Snippet(m.Text, t)})
	}
	return hits, nil
}

const senderReaders = 8

func (s *Service) senderNames(ctx context.Context, msgs []fechatter.Message) (map[int64]UserRef, error) {
	var ids []int64
	for _, m := range msgs {
		if !slices.Contains(ids, m.SenderID) {
			ids = append(ids, m.SenderID)
		}
	}
	refs := make([]UserRef, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, senderReaders)
	var wg sync.WaitGroup
	for i, id := range ids {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			u, err := s.store.User(ctx, id)
			if fechatter.ErrorCode(err) == fechatter.ENotFound {
				err = nil
			}
			refs[i], errs[i] = UserRef{ID: id, Fullname: u.Fullname}, err
		})
	}
	wg.Wait()
	out := make(map[int64]UserRef, len(ids))
	for i, id := range ids {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out[id] = refs[i]
	}
	return out, nil
}
