package files

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/internal/blob"
)

// Store is what the files service needs of the store.
type Store interface {
	Member(ctx context.Context, chatID, userID int64) (fechatter.Member, error)
	CreateFile(ctx context.Context, f fechatter.File, quota int64) (fechatter.File, error)
	FileForUser(ctx context.Context, fileID, userID int64) (fechatter.File, error)
	DeleteFile(ctx context.Context, fileID, userID int64) error
	SweepFiles(ctx context.Context, before time.Time, limit int) (int, error)
	OrphanBlobs(ctx context.Context, limit int) ([]string, error)
	DeleteBlob(ctx context.Context, sha256 string, del func() error) (bool, error)
}

// Bucket is blob storage (blob.Dir, blob.S3).
type Bucket interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Open(ctx context.Context, key string) (*blob.Object, error)
	Exists(ctx context.Context, key string) (bool, error)
	Delete(ctx context.Context, key string) error
}

// Usage takes product analytics events (file uploaded, downloaded); *analytics.Emitter
// implements it. Track must never block.
type Usage interface {
	Track(e fechatter.UsageEvent)
}

// Authenticator turns a bearer access token into the user of a live session.
type Authenticator interface {
	User(ctx context.Context, token string) (fechatter.User, error)
}

// Config configures the service. Store, Bucket, Auth, Key and SpoolDir are required.
type Config struct {
	Store    Store
	Bucket   Bucket
	Auth     Authenticator
	Key      []byte // HMAC key of signed URLs (32+ bytes; every node the same)
	SpoolDir string // uploads are spooled here while they arrive (the data dir's "spool")
	Logger   *slog.Logger
	Now      func() time.Time
	Registry prometheus.Registerer // nil: no metrics
	Usage    Usage                 // nil: no usage events

	MaxUpload      int64         // bytes per file (default 25 MiB)
	Quota          int64         // bytes per workspace; 0 = none
	MaxPixels      int64         // largest image (width × height) that gets a thumbnail (default 40M); larger is refused
	ThumbSize      int           // longest side of a thumbnail (default 320)
	URLTTL         time.Duration // life of a signed URL (default 10m)
	Grace          time.Duration // an upload never attached is collected after it (default 24h)
	SweepInterval  time.Duration // default 5m
	UploadTimeout  time.Duration // time an upload body may take to arrive (default 10m)
	MaxConcurrency int           // thumbnails decoded at once (default 2): bounds their memory
}

// Service is the files service.
type Service struct {
	cfg    Config
	log    *slog.Logger
	thumbs chan struct{} // semaphore of thumbnail decodes
	m      *metrics
}

// New builds the service and creates its spool directory.
func New(cfg Config) (*Service, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.Now().UTC() }
	}
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.MaxUpload, 25<<20)
	def(&cfg.MaxPixels, 40_000_000)
	if cfg.ThumbSize <= 0 {
		cfg.ThumbSize = 320
	}
	if cfg.MaxConcurrency <= 0 {
		cfg.MaxConcurrency = 2
	}
	for _, d := range []struct {
		v *time.Duration
		d time.Duration
	}{{&cfg.URLTTL, 10 * time.Minute}, {&cfg.Grace, 24 * time.Hour}, {&cfg.SweepInterval, 5 * time.Minute}, {&cfg.UploadTimeout, 10 * time.Minute}} {
		if *d.v <= 0 {
			*d.v = d.d
		}
	}
	if err := os.MkdirAll(cfg.SpoolDir, 0o700); err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, log: cfg.Logger, thumbs: make(chan struct{}, cfg.MaxConcurrency), m: newMetrics(cfg.Registry)}, nil
}

// routes are the requests the service answers, as http.ServeMux patterns, each with its
// handler: Handler serves them and Routes lists them, so the two cannot differ.
var routes = []struct {
	pattern string
	handler func(*Service) http.HandlerFunc
}{
	{"POST /api/v1/chats/{id}/files", func(s *Service) http.HandlerFunc { return s.upload }},   // multipart, field "file"
	{"GET /api/v1/files/links", func(s *Service) http.HandlerFunc { return s.links }},          // ?ids=1,2: signed URLs
	{"GET /api/v1/files/{id}", func(s *Service) http.HandlerFunc { return s.download(false) }}, // bearer or signed URL
	{"GET /api/v1/files/{id}/thumbnail", func(s *Service) http.HandlerFunc { return s.download(true) }},
}

// Routes are the patterns Handler serves. The edge mounts each on its mux, and also the
// subtree Subtree, so any other request under /api/v1/files/ gets Handler's JSON 404.
func Routes() []string {
	out := make([]string, len(routes))
	for i, r := range routes {
		out[i] = r.pattern
	}
	return out
}

// Subtree is the mux pattern of every other request under /api/v1/files/.
const Subtree = "/api/v1/files/"

// Handler returns the HTTP routes of Routes, and a JSON 404 for anything else.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, r := range routes {
		mux.HandleFunc(r.pattern, r.handler(s))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, fechatter.Errorf(fechatter.ENotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// blobKey and thumbKey name a file's bytes and preview in the bucket: by content.
func blobKey(sha string) string  { return "files/" + sha[:2] + "/" + sha }
func thumbKey(sha string) string { return "thumbs/" + sha[:2] + "/" + sha }

// track records a usage event when analytics is wired.
func (s *Service) track(e fechatter.UsageEvent) {
	if s.cfg.Usage != nil {
		s.cfg.Usage.Track(e)
	}
}
