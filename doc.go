// Package fechatter holds the domain of the Fechatter chat hub: users, workspaces, chats, members,
// messages and timeline events, the one application error type, and the Store interface the
// adapters implement.
//
// This package imports nothing from the rest of the module. Adapters (store/sqlite,
// store/postgres, hub, rest, fanout, ...) import it; it never imports them.
package fechatter
