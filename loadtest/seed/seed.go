package seed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/auth"
	"golang.org/x/sync/errgroup"
)

// Config says what to create: Users users in one new workspace and Chats group chats of
// Members members each. Chat c takes users c·Members … c·Members+Members−1 (modulo Users), so
// with Users = Chats·Members every user is in exactly one chat.
type Config struct {
	Users        int
	Chats        int
	Members      int
	Workspace    string // default "loadtest-<random>"
	Password     string // written to the file so REST scenarios can log in
	PasswordHash string // the hash of Password, computed once by the caller
	Workers      int    // parallel store writers (default 8)
}

// User is one seeded user and an access token for it.
type User struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Token string `json:"token"`
}

// Chat is one seeded chat; Members are indexes into File.Users.
type Chat struct {
	ID      int64 `json:"id"`
	Members []int `json:"members"`
}

// File is what `fechatter seed` writes and the load generator (and the k6 scripts) read.
type File struct {
	Workspace   string    `json:"workspace"`
	WorkspaceID int64     `json:"workspace_id"`
	Password    string    `json:"password"`
	ExpiresAt   time.Time `json:"expires_at"` // of the access tokens
	Users       []User    `json:"users"`
	Chats       []Chat    `json:"chats"`
}

// TokenIssuer signs access tokens; *auth.Issuer implements it.
type TokenIssuer interface {
	Issue(userID, workspaceID int64, session string) (string, time.Time, error)
}

// Create creates the users, chats and memberships of cfg through the store, in parallel and
// with one precomputed password hash, and issues a token per user.
func Create(ctx context.Context, st fechatter.Store, iss TokenIssuer, cfg Config) (*File, error) {
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
	f := &File{Workspace: cfg.Workspace, Password: cfg.Password, Users: make([]User, cfg.Users)}
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
func seedUsers(ctx context.Context, st fechatter.Store, iss TokenIssuer, cfg Config, f *File) error {
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
		f.Users[i] = User{ID: u.ID, Email: email, Token: tok}
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
func seedChats(ctx context.Context, st fechatter.Store, cfg Config, f *File) error {
	const batch = 1000
	f.Chats = make([]Chat, cfg.Chats)
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
		f.Chats[c] = Chat{ID: chat.ID, Members: members}
		return nil
	})
}

// parallel runs fn(0..n-1) on at most workers goroutines and returns the first error; after
// it no new fn starts.
func parallel(ctx context.Context, workers, n int, fn func(int) error) error {
	g, gctx := errgroup.WithContext(ctx) // gctx ends at the first error (and when Wait returns)
	g.SetLimit(max(workers, 1))
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return fn(i) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// WriteFile writes the seed file as JSON.
func (f *File) WriteFile(path string) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// ReadFile reads a file written by WriteFile.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("seed file %s: %w", path, err)
	}
	if len(f.Users) == 0 {
		return nil, fmt.Errorf("seed file %s: no users", path)
	}
	return &f, nil
}
