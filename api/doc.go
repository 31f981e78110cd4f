// Package api holds Fechatter's machine-readable API documents and serves them as JSON: the
// OpenAPI 3.1 document of the REST API (openapi.yaml, at GET /api/v1/openapi.json) and the
// AsyncAPI 3 document of every socket frame and event (asyncapi.yaml, at
// GET /api/v1/asyncapi.json). The YAML files are the source; docs/rest.md and
// docs/protocol.md are their prose.
//
// Its tests keep the documents true: every route of the REST app is in the OpenAPI document,
// real requests and answers of a running node validate against it (kin-openapi), and the
// golden events of docs/events and the frames of a real socket validate against the AsyncAPI
// schemas (santhosh-tekuri/jsonschema).
//
// It imports nothing of Fechatter and must never: rest imports it to serve the documents.
package api
