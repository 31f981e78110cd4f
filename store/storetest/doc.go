// Package storetest is the conformance suite of fechatter.Store: Run exercises every method of
// the interface and its documented errors, plus the concurrency guarantees of Send, against a
// fresh store per test. Every backend (store/sqlite, store/postgres, ...) calls Run from its
// own tests and must pass it unchanged.
//
// It owns only tests and their fixtures. It imports the domain package and the standard
// library; it must never import a backend (store/sqlite, store/postgres) nor the hub, rest or
// fanout packages.
package storetest
