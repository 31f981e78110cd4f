package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"sync"

	"go.yaml.in/yaml/v3"
)

//go:embed openapi.yaml asyncapi.yaml
var files embed.FS

// openapiYAML is the OpenAPI 3.1 document as written.
func openapiYAML() []byte { return mustRead("openapi.yaml") }

// asyncapiYAML is the AsyncAPI 3 document as written.
func asyncapiYAML() []byte { return mustRead("asyncapi.yaml") }

var (
	openapiJSON  = sync.OnceValues(func() ([]byte, error) { return toJSON(openapiYAML()) })
	asyncapiJSON = sync.OnceValues(func() ([]byte, error) { return toJSON(asyncapiYAML()) })
)

// OpenAPI is the OpenAPI document as JSON, converted once.
func OpenAPI() []byte { return must(openapiJSON()) }

// AsyncAPI is the AsyncAPI document as JSON, converted once.
func AsyncAPI() []byte { return must(asyncapiJSON()) }

func mustRead(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time
	}
	return b
}

// must panics on a document that does not convert: the tests convert both, so a broken
// document never ships.
func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// toJSON converts a YAML document to JSON. Mapping keys must be strings (status codes are
// quoted in the YAML).
func toJSON(y []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(y, &v); err != nil {
		return nil, err
	}
	if err := stringKeys(v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func stringKeys(v any) error {
	switch t := v.(type) {
	case map[string]any:
		for _, e := range t {
			if err := stringKeys(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range t {
			if err := stringKeys(e); err != nil {
				return err
			}
		}
	case map[any]any:
		return fmt.Errorf("a mapping with a non-string key: %v", t)
	}
	return nil
}
