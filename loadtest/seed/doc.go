// Package seed fills a Fechatter installation with load-test users, chats and access tokens
// through its store, and reads and writes the seed file that fechatter-load and the k6 scripts
// read.
//
// `fechatter seed` links it into the server binary, so it needs only the domain package and
// auth: it must never import loadtest (the WebSocket load client, the plots) or anything
// that speaks to a server over the network.
package seed
