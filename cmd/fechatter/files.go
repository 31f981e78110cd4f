package main

import (
	"flag"
	"fmt"
	"strconv"
	"time"
)

// fileFlags are the attachment settings, kept as text like the edge's limits and parsed by
// parseFiles.
type fileFlags struct {
	maxUpload, quota, maxPixels, urlTTL, grace, pathStyle string
}

func (m *Main) fileFlags(fs *flag.FlagSet) {
	f, s3 := &m.files, &m.Config.Files.S3
	fs.StringVar(&f.maxUpload, "max-upload", env("FECHATTER_MAX_UPLOAD", "26214400"), "largest file upload in bytes; larger ones are cut off with 413 (FECHATTER_MAX_UPLOAD)")
	fs.StringVar(&f.quota, "workspace-quota", env("FECHATTER_WORKSPACE_QUOTA", "0"), "bytes of files a workspace may store; 0: no quota (FECHATTER_WORKSPACE_QUOTA)")
	fs.StringVar(&f.maxPixels, "max-image-pixels", env("FECHATTER_MAX_IMAGE_PIXELS", "40000000"), "largest image (width × height) accepted; bigger ones are refused unread (FECHATTER_MAX_IMAGE_PIXELS)")
	fs.StringVar(&f.urlTTL, "file-url-ttl", env("FECHATTER_FILE_URL_TTL", "10m"), "life of a signed file URL (FECHATTER_FILE_URL_TTL)")
	fs.StringVar(&f.grace, "file-grace", env("FECHATTER_FILE_GRACE", "24h"), "uploads never attached to a message are deleted after this (FECHATTER_FILE_GRACE)")
	fs.StringVar(&s3.Endpoint, "s3-endpoint", env("FECHATTER_S3_ENDPOINT", ""), "S3-compatible storage for files, e.g. https://s3.eu-west-1.amazonaws.com; the data dir's files/ when empty (FECHATTER_S3_ENDPOINT)")
	fs.StringVar(&s3.Bucket, "s3-bucket", env("FECHATTER_S3_BUCKET", ""), "S3 bucket (FECHATTER_S3_BUCKET)")
	fs.StringVar(&s3.Region, "s3-region", env("FECHATTER_S3_REGION", ""), "S3 region (FECHATTER_S3_REGION)")
	fs.StringVar(&s3.AccessKey, "s3-access-key", env("FECHATTER_S3_ACCESS_KEY", ""), "S3 access key (FECHATTER_S3_ACCESS_KEY)")
	fs.StringVar(&s3.SecretKey, "s3-secret-key", env("FECHATTER_S3_SECRET_KEY", ""), "S3 secret key; prefer the environment variable (FECHATTER_S3_SECRET_KEY)")
	fs.StringVar(&s3.Prefix, "s3-prefix", env("FECHATTER_S3_PREFIX", ""), "key prefix inside the bucket (FECHATTER_S3_PREFIX)")
	fs.StringVar(&f.pathStyle, "s3-path-style", env("FECHATTER_S3_PATH_STYLE", "false"), "bucket in the URL path instead of the host name (most self-hosted stores) (FECHATTER_S3_PATH_STYLE)")
}

func (m *Main) parseFiles() error {
	f, c := m.files, &m.Config.Files
	var err error
	num := func(name, v string, min int64) int64 {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || n < min {
			err = fmt.Errorf("%s %q: want a number of at least %d", name, v, min)
		}
		return n
	}
	dur := func(name, v string) time.Duration {
		d, perr := time.ParseDuration(v)
		if perr != nil || d <= 0 {
			err = fmt.Errorf("%s %q: want a positive duration", name, v)
		}
		return d
	}
	c.MaxUpload = num("max upload", f.maxUpload, 1)
	c.Quota = num("workspace quota", f.quota, 0)
	c.MaxPixels = num("max image pixels", f.maxPixels, 1)
	c.URLTTL = dur("file URL TTL", f.urlTTL)
	c.Grace = dur("file grace", f.grace)
	c.S3.PathStyle, _ = strconv.ParseBool(f.pathStyle)
	if c.S3.Endpoint != "" && c.S3.Bucket == "" {
		return fmt.Errorf("FECHATTER_S3_ENDPOINT needs FECHATTER_S3_BUCKET")
	}
	return err
}
