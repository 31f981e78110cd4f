// Package web serves the Vue client built from this folder (see package.json), embedded in
// the binary. The Vite build writes static/dist; when it is missing (a plain `go build` on a
// fresh checkout) the committed static/fallback page explains how to build the client.
//
// It imports nothing of Fechatter: the client talks to the server over /api and /ws only.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:static
var static embed.FS

// Built reports whether the binary holds the built client rather than the fallback page.
func Built() bool {
	_, err := fs.Stat(static, "static/dist/index.html")
	return err == nil
}

// files returns the tree to serve: the built client, else the fallback page.
func files() fs.FS {
	dir := "static/fallback"
	if Built() {
		dir = "static/dist"
	}
	sub, err := fs.Sub(static, dir)
	if err != nil {
		panic(err) // dir is a constant inside the embedded tree
	}
	return sub
}
