package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/auth"
)

// SeedConfig says what to create: Users users in one new workspace and Chats group chats of
// Members members each. Chat c takes users c·Members … c·Members+Members−1 (modulo Users), so
// with Users = Chats·Members every user is in exactly one chat.
type SeedConfig struct {
	Users        int
	Chats        int
	Members      int
	Workspace    string // default "loadtest-<random>"
	Password     string // written to the file so REST scenarios can log in
	PasswordHash string // the hash of Password, computed once by the caller
	Workers      int    // parallel store writers (default 8)
}

// SeedUser is one seeded user and an access token for it.
type SeedUser struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Token string `json:"token"`
}

// SeedChat is one seeded chat; Members are indexes into SeedFile.Users.
type SeedChat struct {
	ID      int64 `json:"id"`
	Members []int `json:"members"`
}

// SeedFile is what `fechatter seed` writes and the load generator (and the k6 scripts) read.
type SeedFile struct {
	Workspace   string     `json:"workspace"`
	WorkspaceID int64      `json:"workspace_id"`
	Password    string     `json:"password"`
	ExpiresAt   time.Time  `json:"expires_at"` // of the access tokens
	Users       []SeedUser `json:"users"`
	Chats       []SeedChat `json:"chats"`
}

// TokenIssuer signs access tokens; *auth.Issuer implements it.
type TokenIssuer interface {
	Issue(userID, workspaceID int64, session string) (string, time.Time, error)
}

// Seed creates the users, chats and memberships of cfg through the store, in parallel and
// with one precomputed password hash, and issues a token per user.
func Seed(ctx context.Context, st fechatter.Store, iss TokenIssuer, cfg SeedConfig) (*SeedFile, error) {
	if cfg.Users < 1 || cfg.Chats < 0 || (cfg.Chats > 0 && (cfg.Members < 2 || cfg.Members > cfg.Users)) {
		return nil, fmt.Errorf("seed: need users ≥ 1 and, with chats, 2 ≤ members ≤ users (users=%d chats=%d members=%d)", cfg.Users, cfg.Chats, cfg.Members)
	}
	if cfg.Workspace == "" {
		b := make([]byte, 4)
		rand.Read(b)
		cfg.Workspace = "loadtest-" + hex.EncodeToString(b)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	f := &SeedFile{Workspace: cfg.Workspace, Password: cfg.Password, Users: make([]SeedUser, cfg.Users)}
	if err := seedUsers(ctx, st, iss, cfg, f); err != nil {
		return nil, err
	}
	if err := seedChats(ctx, st, cfg, f); err != nil {
		return nil, err
	}
	return f, nil
}

// seedUsers signs up user 0 first (it creates the workspace and owns it), then the rest in
// parallel.
func seedUsers(ctx context.Context, st fechatter.Store, iss TokenIssuer, cfg SeedConfig, f *SeedFile) error {
	one := func(i int) error {
		email := fmt.Sprintf("u%d@%s.load.test", i, cfg.Workspace)
		p := fechatter.SignupParams{Email: email, PasswordHash: cfg.PasswordHash, Fullname: fmt.Sprintf("Load %d", i)}
		if i == 0 {
			p.Workspace = cfg.Workspace
		} else {
			p.WorkspaceID = f.WorkspaceID
		}
		u, err := st.Signup(ctx, p)
		if err != nil {
			return fmt.Errorf("seed: user %d: %w", i, err)
		}
		// Access tokens belong to a session: a refresh-token family in the store.
		_, rt, err := auth.NewRefresh(u.ID, auth.NewFamilyID(), time.Now(), auth.RefreshTTL)
		if err != nil {
			return err
		}
		if err := st.CreateRefreshToken(ctx, rt); err != nil {
			return fmt.Errorf("seed: user %d session: %w", i, err)
		}
		tok, exp, err := iss.Issue(u.ID, u.WorkspaceID, rt.FamilyID)
		if err != nil {
			return err
		}
		f.Users[i] = SeedUser{ID: u.ID, Email: email, Token: tok}
		if i == 0 {
			f.WorkspaceID, f.ExpiresAt = u.WorkspaceID, exp
		}
		return nil
	}
	if err := one(0); err != nil {
		return err
	}
	return parallel(ctx, cfg.Workers, cfg.Users-1, func(i int) error { return one(i + 1) })
}

// seedChats creates the chats with up to 1,000 members each and adds the rest in batches, so
// that no statement gets more parameters than SQLite allows.
func seedChats(ctx context.Context, st fechatter.Store, cfg SeedConfig, f *SeedFile) error {
	const batch = 1000
	f.Chats = make([]SeedChat, cfg.Chats)
	return parallel(ctx, cfg.Workers, cfg.Chats, func(c int) error {
		members := make([]int, cfg.Members)
		ids := make([]int64, cfg.Members)
		for j := range members {
			members[j] = (c*cfg.Members + j) % cfg.Users
			ids[j] = f.Users[members[j]].ID
		}
		first := min(len(ids), batch+1)
		chat, _, err := st.CreateChat(ctx, fechatter.CreateChatParams{
			WorkspaceID: f.WorkspaceID, CreatorID: ids[0], Kind: fechatter.ChatGroup,
			Name: fmt.Sprintf("load %d", c), Private: true, MemberIDs: ids[1:first],
		})
		if err != nil {
			return fmt.Errorf("seed: chat %d: %w", c, err)
		}
		for lo := first; lo < len(ids); lo += batch {
			if _, err := st.AddMembers(ctx, chat.ID, ids[0], ids[lo:min(lo+batch, len(ids))]); err != nil {
				return fmt.Errorf("seed: chat %d members: %w", c, err)
			}
		}
		f.Chats[c] = SeedChat{ID: chat.ID, Members: members}
		return nil
	})
}

// parallel runs fn(0..n-1) on workers goroutines and returns the first error.
func parallel(ctx context.Context, workers, n int, fn func(int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(workers, max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n)) // stop the others
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// WriteFile writes the seed file as JSON.
func (f *SeedFile) WriteFile(path string) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// ReadSeedFile reads a file written by WriteFile.
func ReadSeedFile(path string) (*SeedFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f SeedFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("seed file %s: %w", path, err)
	}
	if len(f.Users) == 0 {
		return nil, fmt.Errorf("seed file %s: no users", path)
	}
	return &f, nil
}
