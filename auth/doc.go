// Package auth owns Fechatter's credentials: argon2id password hashing (bounded by a semaphore so
// a login burst cannot starve the process), HS256 access tokens with key rotation, opaque refresh
// tokens (only their SHA-256 is ever stored) and the on-disk signing secret.
//
// It depends only on the domain package fechatter and on crypto libraries. It must never import
// the hub, rest, fanout or store packages: they call auth, never the other way round.
package auth
