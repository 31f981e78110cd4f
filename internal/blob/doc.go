// Package blob stores the bytes of uploaded files: Dir in a local directory (the embedded
// default, under the data dir) and S3 in any S3-compatible object store (through minio-go).
// Both pass the conformance suite in blob/blobtest.
//
// A blob is named by a key the caller chooses (the files package uses content addresses).
// The package knows nothing of users, chats or HTTP; it must never import the root package's
// store, the hub or rest.
package blob
