package blob

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says where an S3-compatible store is (FECHATTER_S3_*).
type S3Config struct {
	Endpoint  string // URL (http://127.0.0.1:7070, https://s3.eu-west-1.amazonaws.com) or host:port (https)
	Bucket    string
	Region    string // empty: the client asks the store
	AccessKey string
	SecretKey string
	PathStyle bool // bucket in the path (most self-hosted stores) rather than the host name
	Prefix    string
}

// S3 keeps blobs as objects of one bucket, under an optional key prefix.
type S3 struct {
	c      *minio.Client
	bucket string
	prefix string
}

// NewS3 connects to the store. It does not create the bucket (see EnsureBucket).
func NewS3(cfg S3Config) (*S3, error) {
	host, secure := cfg.Endpoint, true
	if u, err := url.Parse(cfg.Endpoint); err == nil && u.Host != "" {
		host, secure = u.Host, u.Scheme != "http"
	}
	if host == "" || cfg.Bucket == "" {
		return nil, fmt.Errorf("blob: s3 needs an endpoint and a bucket")
	}
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	c, err := minio.New(host, &minio.Options{
		Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Secure: secure,
		Region: cfg.Region, BucketLookup: lookup,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: s3: %w", err)
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &S3{c: c, bucket: cfg.Bucket, prefix: prefix}, nil
}

// EnsureBucket creates the bucket unless it exists.
func (s *S3) EnsureBucket(ctx context.Context, region string) error {
	ok, err := s.c.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob: s3 bucket %s: %w", s.bucket, err)
	}
	if ok {
		return nil
	}
	if err := s.c.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region}); err != nil {
		return fmt.Errorf("blob: s3 make bucket %s: %w", s.bucket, err)
	}
	return nil
}

// Ping checks that the bucket answers.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.c.BucketExists(ctx, s.bucket)
	if err == nil && !ok {
		err = fmt.Errorf("no bucket %s", s.bucket)
	}
	if err != nil {
		return fmt.Errorf("blob: s3: %w", err)
	}
	return nil
}

func (s *S3) name(key string) (string, error) {
	if !validKey(key) {
		return "", errBadKey
	}
	return s.prefix + key, nil
}

// Put uploads size bytes of r under key (multipart above minio-go's part size), replacing
// what was there. S3 makes an object visible only once it is complete.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	name, err := s.name(key)
	if err != nil {
		return err
	}
	_, err = s.c.PutObject(ctx, s.bucket, name, r, size, minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("blob: s3 put %s: %w", key, err)
	}
	return nil
}

// Open opens the object under key (ErrNotExist). Reads fetch ranges lazily: seeking is free,
// and a Range request reads only its range from the store.
func (s *S3) Open(ctx context.Context, key string) (*Object, error) {
	name, err := s.name(key)
	if err != nil {
		return nil, err
	}
	obj, err := s.c.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("blob: s3 open %s: %w", key, err)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		if notFound(err) {
			return nil, fmt.Errorf("%w: %s", ErrNotExist, key)
		}
		return nil, fmt.Errorf("blob: s3 open %s: %w", key, err)
	}
	return &Object{ReadSeekCloser: obj, Size: info.Size, ModTime: info.LastModified}, nil
}

// Exists reports whether key holds an object.
func (s *S3) Exists(ctx context.Context, key string) (bool, error) {
	name, err := s.name(key)
	if err != nil {
		return false, err
	}
	_, err = s.c.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
	if notFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("blob: s3 stat %s: %w", key, err)
	}
	return true, nil
}

// Delete removes the object under key; a missing one is no error.
func (s *S3) Delete(ctx context.Context, key string) error {
	name, err := s.name(key)
	if err != nil {
		return err
	}
	if err := s.c.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
		return fmt.Errorf("blob: s3 delete %s: %w", key, err)
	}
	return nil
}

// RemoveBucket empties and removes the bucket (tests).
func (s *S3) RemoveBucket(ctx context.Context) error {
	for obj := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			return obj.Err
		}
		if err := s.c.RemoveObject(ctx, s.bucket, obj.Key, minio.RemoveObjectOptions{}); err != nil {
			return err
		}
	}
	return s.c.RemoveBucket(ctx, s.bucket)
}

func notFound(err error) bool {
	if err == nil {
		return false
	}
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusNotFound || r.Code == "NoSuchKey" || r.Code == "NoSuchBucket"
}
