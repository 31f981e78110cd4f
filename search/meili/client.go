package meili

import "net/http"

// httpClient is the index's HTTP client: Go's default transport, except that it never asks
// for a compressed response.
//
// Go's transport asks for gzip on its own. Meilisearch then writes a response's headers and
// its compressed body in two segments on a socket without TCP_NODELAY, so on a kept-alive
// connection the body waits for the client's delayed ACK of the headers: 40 ms more on every
// search (measured on loopback: 56 ms a search against 14 ms; docs/benchmarks.md, search,
// sixth round). Uncompressed, the response goes out in one write. Search responses are a
// page of twenty hits, and the indexer's requests carry no response worth compressing.
func httpClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableCompression = true
	return &http.Client{Transport: t}
}

// Close ends the index's idle connections. The Index must not be used afterwards.
func (ix *Index) Close() { ix.hc.CloseIdleConnections() }
