// Package searchtest is the conformance suite of message search: Run drives a search.Service
// over a backend (the built-in full text of store/sqlite and store/postgres, or search/meili)
// through the query language, permissions, edits and deletes, filters and paging. Every
// backend must pass it unchanged.
//
// It owns only tests and their fixtures. It imports the domain package and search; it must
// never import a concrete store or backend (the callers pass them in), rest or hub.
package searchtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/search"
)

// Harness is a fresh, empty store and the backend under test.
type Harness struct {
	Store   fechatter.Store
	Backend search.Backend
	// Sync brings the backend up to date with the store (an index fed asynchronously); nil
	// when the backend reads the store itself.
	Sync func(t *testing.T)
}

// Run runs the suite; open must return a fresh harness on every call and register its
// cleanup with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) Harness) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, f *fx)
	}{
		{"Language", testLanguage},
		{"Dates", testDates},
		{"Permissions", testPermissions},
		{"EditDelete", testEditDelete},
		{"Filters", testFilters},
		{"PagingRelevance", testPagingRelevance},
		{"PagingRecent", testPagingRecent},
		{"Cursors", testCursors},
		{"BadInput", testBadInput},
		{"Snippets", testSnippets},
		{"Tokenizer", testTokenizer},
		{"FileNames", testFileNames},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := open(t)
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			t.Cleanup(cancel)
			tc.fn(t, &fx{t: t, h: h, ctx: ctx, svc: search.New(h.Store, h.Backend, []byte("searchtest cursor key"))})
		})
	}
}

type fx struct {
	t   *testing.T
	h   Harness
	ctx context.Context
	svc *search.Service
	n   int
	ws  int64 // the Acme workspace, once its first user made it
}

func (f *fx) ok(err error, what string) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("%s: %v", what, err)
	}
}

func (f *fx) sync() {
	if f.h.Sync != nil {
		f.h.Sync(f.t)
	}
}

func (f *fx) user(name string) fechatter.User {
	f.t.Helper()
	p := fechatter.SignupParams{Email: strings.ToLower(strings.Fields(name)[0]) + "@acme.io",
		PasswordHash: "x", Fullname: name, Workspace: "Acme"}
	if f.ws != 0 {
		p.Workspace, p.WorkspaceID = "", f.ws
	}
	u, err := f.h.Store.Signup(f.ctx, p)
	f.ok(err, "Signup")
	f.ws = u.WorkspaceID
	return u
}

func (f *fx) chat(kind fechatter.ChatKind, name string, private bool, owner fechatter.User, members ...fechatter.User) fechatter.Chat {
	f.t.Helper()
	var ids []int64
	for _, m := range members {
		ids = append(ids, m.ID)
	}
	c, _, err := f.h.Store.CreateChat(f.ctx, fechatter.CreateChatParams{WorkspaceID: owner.WorkspaceID, CreatorID: owner.ID,
		Kind: kind, Name: name, Private: private, MemberIDs: ids})
	f.ok(err, "CreateChat")
	return c
}

func (f *fx) send(chat fechatter.Chat, from fechatter.User, text string) fechatter.Message {
	f.t.Helper()
	f.n++
	ev, _, err := f.h.Store.Send(f.ctx, fechatter.SendParams{ChatID: chat.ID, SenderID: from.ID,
		ClientID: fmt.Sprintf("client-%d", f.n), Text: text})
	f.ok(err, "Send")
	return ev.Message
}

// search runs a request and returns the page; it fails the test on error.
func (f *fx) search(u fechatter.User, r search.Request) search.Page {
	f.t.Helper()
	p, err := f.svc.Search(f.ctx, u, r)
	f.ok(err, fmt.Sprintf("Search %+v", r))
	for _, h := range p.Hits {
		if h.Message.ID == 0 || h.Chat.ID != h.Message.ChatID || h.Sender.ID != h.Message.SenderID ||
			h.Seq != h.Message.Seq || !h.CreatedAt.Equal(h.Message.CreatedAt) || h.Snippet == "" {
			f.t.Fatalf("incomplete hit %+v", h)
		}
	}
	return p
}

// ids runs q (recent order, so results are comparable across backends) and returns hit ids.
func (f *fx) ids(u fechatter.User, q string) []int64 {
	f.t.Helper()
	return hitIDs(f.search(u, search.Request{Q: q, Recent: true, Limit: 100}))
}

func hitIDs(p search.Page) []int64 {
	ids := []int64{}
	for _, h := range p.Hits {
		ids = append(ids, h.Message.ID)
	}
	return ids
}

func (f *fx) want(u fechatter.User, q string, want ...fechatter.Message) {
	f.t.Helper()
	ids := []int64{}
	for i := len(want) - 1; i >= 0; i-- { // newest first
		ids = append(ids, want[i].ID)
	}
	if got := f.ids(u, q); !slices.Equal(got, ids) {
		f.t.Errorf("search %q: hits %v, want %v", q, got, ids)
	}
}

// code fails unless err carries the application error code want.
func (f *fx) code(err error, want, what string) {
	f.t.Helper()
	if got := fechatter.ErrorCode(err); got != want {
		f.t.Errorf("%s: error %v (code %q), want %q", what, err, got, want)
	}
}
