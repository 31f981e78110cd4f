// Package files carries attachments: streaming uploads with a size limit, a content type
// sniffed from the bytes, a per-workspace quota and content addressing by SHA-256;
// thumbnails made once at upload within a pixel budget; authorised downloads (bearer token
// or a short-lived signed URL bound to file and user, membership checked on every request)
// with Range and ETag; and the sweeper that collects uploads never attached and blobs no
// file refers to.
//
// Its HTTP handlers run on the net/http edge, beside /ws and /events, not inside the Fiber
// app: an upload body streams to a spool file instead of being buffered whole by the edge's
// body cap and Fiber's adaptor, and downloads stream from storage with http.ServeContent.
// They answer errors in the REST envelope.
//
// It knows the store and blob storage only through the interfaces it declares (Store,
// Bucket, Authenticator). It must never import hub, rest or a store or blob implementation.
package files
