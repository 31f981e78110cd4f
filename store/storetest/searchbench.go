package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
)

// SearchCorpus is a synthetic workspace for search benchmarks: users, group chats and a
// deterministic stream of messages whose words follow a Zipf law over a fixed vocabulary, as
// chat text does. Load the messages with a backend's bulk path, then call LatencyReport.
type SearchCorpus struct {
	Users []fechatter.User
	Chats []fechatter.Chat
	Vocab []string // Vocab[i] is the i-th most frequent word
	rng   *rand.Rand
	zipf  *rand.Zipf
	start time.Time
}

// NewSearchCorpus creates users and chats (each with members random members) through s.
func NewSearchCorpus(ctx context.Context, s fechatter.Store, users, chats, members int) (*SearchCorpus, error) {
	rng := rand.New(rand.NewSource(42))
	c := &SearchCorpus{rng: rng, Vocab: vocabulary(rng, 20000), start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	c.zipf = rand.NewZipf(rng, 1.07, 2, uint64(len(c.Vocab)-1))
	for i := range users {
		p := fechatter.SignupParams{Email: fmt.Sprintf("user%d@bench.io", i), PasswordHash: "x",
			Fullname: fmt.Sprintf("User%d Bench", i), Workspace: "Bench"}
		if i > 0 { // the first signup creates the workspace, the others join it
			p.Workspace, p.WorkspaceID = "", c.Users[0].WorkspaceID
		}
		u, err := s.Signup(ctx, p)
		if err != nil {
			return nil, err
		}
		c.Users = append(c.Users, u)
	}
	for i := range chats {
		owner := c.Users[rng.Intn(users)]
		var ids []int64
		for _, j := range rng.Perm(users)[:members] {
			ids = append(ids, c.Users[j].ID)
		}
		ch, _, err := s.CreateChat(ctx, fechatter.CreateChatParams{WorkspaceID: owner.WorkspaceID, CreatorID: owner.ID,
			Kind: fechatter.ChatGroup, Name: fmt.Sprintf("chat%d", i), MemberIDs: ids})
		if err != nil {
			return nil, err
		}
		c.Chats = append(c.Chats, ch)
	}
	return c, nil
}

// vocabulary makes n distinct pronounceable words, a few with diacritics.
func vocabulary(rng *rand.Rand, n int) []string {
	syl := strings.Fields("ka lo mi ra te su no vi pe da zo ku shi ma re to ne li fa go bu ye ri sa")
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var b strings.Builder
		for range 2 + rng.Intn(3) {
			b.WriteString(syl[rng.Intn(len(syl))])
		}
		w := b.String()
		if rng.Intn(50) == 0 {
			w = strings.Replace(w, "e", "é", 1)
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// Message returns the i-th message of the corpus: chat, sender (a member), text, time. Seqs
// are assigned by the loader.
func (c *SearchCorpus) Message(i int) (chatIdx int, sender int64, text string, at time.Time) {
	chatIdx = c.rng.Intn(len(c.Chats))
	ch := c.Chats[chatIdx]
	sender = ch.MemberIDs[c.rng.Intn(len(ch.MemberIDs))]
	n := 4 + c.rng.Intn(16)
	ws := make([]string, n)
	for j := range ws {
		ws[j] = c.Vocab[c.zipf.Uint64()]
	}
	return chatIdx, sender, strings.Join(ws, " "), c.start.Add(time.Duration(i) * 30 * time.Second)
}

// Searcher runs a query string for a user; search.Service fits through a small closure.
type Searcher func(ctx context.Context, u fechatter.User, q string, recent bool) (int, error)

// LatencyReport runs each typical query rounds times (as random users) and logs p50/p99 per
// query and overall, and the CPU time this process spent per query (p50/p99: the in-process
// SQLite's whole cost, a client's share for a server engine; steadier than wall time on a
// shared machine). It fails t when a query errors.
func (c *SearchCorpus) LatencyReport(t *testing.T, search Searcher, rounds int) {
	ctx := t.Context()
	v := c.Vocab
	queries := []struct {
		name, q string
		recent  bool
	}{
		{"frequent word (#30)", v[30], false},
		{"medium word (#300)", v[300], false},
		{"rare word (#5000)", v[5000], false},
		{"two words", v[40] + " " + v[120], false},
		{"prefix (typing)", v[60] + " " + v[700][:3], false},
		{"phrase", `"` + v[20] + " " + v[50] + `"`, false},
		{"excluded", v[50] + " -" + v[10], false},
		{"from:@user word", "from:@user7 " + v[30], false},
		{"in:#chat word", "in:#chat%d " + v[30], false},
		{"frequent, recent", v[30], true},
		{"STOP WORD (#3) worst", v[3], false},
	}
	// Ten unmeasured rounds first, as other users' searches would have done on a running node:
	// the numbers are a warm cache's, not the first searches after a restart.
	for i := range 10 * len(queries) {
		qq, u := queries[i%len(queries)], c.Users[(i*7919+13)%len(c.Users)]
		q := qq.q
		if strings.Contains(q, "%d") {
			q = fmt.Sprintf(q, c.chatOf(u))
		}
		if _, err := search(ctx, u, q, qq.recent); err != nil {
			t.Fatalf("%s (%q): %v", qq.name, q, err)
		}
	}
	var all []time.Duration
	t.Logf("%-22s %8s %8s %8s %6s %9s %9s", "query", "p50", "p99", "max", "hits", "cpu p50", "cpu p99")
	for _, qq := range queries {
		var ds, cpu []time.Duration
		hits := 0
		for r := range rounds {
			u := c.Users[(r*7919)%len(c.Users)]
			q := qq.q
			if strings.Contains(q, "%d") {
				q = fmt.Sprintf(q, c.chatOf(u))
			}
			start, startCPU := time.Now(), cpuTime()
			n, err := search(ctx, u, q, qq.recent)
			ds, cpu = append(ds, time.Since(start)), append(cpu, cpuTime()-startCPU)
			if err != nil {
				t.Fatalf("%s (%q): %v", qq.name, q, err)
			}
			hits += n
		}
		if !strings.HasPrefix(qq.name, "STOP") {
			all = append(all, ds...)
		}
		p50, p99, mx := percentiles(ds)
		c50, c99, _ := percentiles(cpu)
		t.Logf("%-22s %8s %8s %8s %6.1f %9s %9s", qq.name, ms(p50), ms(p99), ms(mx), float64(hits)/float64(rounds), ms(c50), ms(c99))
	}
	p50, p99, mx := percentiles(all)
	t.Logf("%-22s %8s %8s %8s", "ALL typical", ms(p50), ms(p99), ms(mx))
}

// chatOf returns the index of a chat u is a member of.
func (c *SearchCorpus) chatOf(u fechatter.User) int {
	for i, ch := range c.Chats {
		if slices.Contains(ch.MemberIDs, u.ID) {
			return i
		}
	}
	return 0
}

func percentiles(ds []time.Duration) (p50, p99, mx time.Duration) {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return at(0.50), at(0.99), s[len(s)-1]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// corpusFile is what Save keeps of a corpus: enough to query a loaded store again without
// rebuilding it (the vocabulary is regenerated from the same seed).
type corpusFile struct {
	Messages int              `json:"messages"`
	Users    []fechatter.User `json:"users"`
	Chats    []fechatter.Chat `json:"chats"`
}

// Save writes the corpus's users and chats to path, once its n messages are loaded.
func (c *SearchCorpus) Save(path string, n int) error {
	raw, err := json.Marshal(corpusFile{Messages: n, Users: c.Users, Chats: c.Chats})
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o644)
}

// LoadSearchCorpus reads a corpus saved by Save, for a store that already holds its n
// messages. ok is false when there is no such file or it holds another n.
func LoadSearchCorpus(path string, n int) (c *SearchCorpus, ok bool, err error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	var f corpusFile
	if err == nil {
		err = json.Unmarshal(raw, &f)
	}
	if err != nil || f.Messages != n {
		return nil, false, err
	}
	rng := rand.New(rand.NewSource(42))
	c = &SearchCorpus{rng: rng, Vocab: vocabulary(rng, 20000), Users: f.Users, Chats: f.Chats}
	return c, true, nil
}

// BenchRounds is how often the latency benchmarks run each query: FECHATTER_SEARCH_BENCH_ROUNDS,
// default 200.
func BenchRounds() int {
	if n, err := strconv.Atoi(os.Getenv("FECHATTER_SEARCH_BENCH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 200
}
