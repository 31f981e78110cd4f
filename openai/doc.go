// Package openai is a client of the OpenAI Chat Completions API with stream: true, the one
// endpoint the assistant needs, as OpenAI, Azure OpenAI, vLLM, llama.cpp's server, Ollama and
// LiteLLM all serve it. It reads the server-sent events (data: chunks, data: [DONE], an error
// object in place of a chunk), retries a request that has not started streaming on 429 and
// 5xx with exponential backoff (honouring Retry-After), bounds the wait for the first byte and
// for each next chunk, and stops as soon as its context ends.
//
// It is written on net/http rather than an SDK: one endpoint, and the SDKs' retry policies do
// not tell apart a retry before the first token (safe) and after it (the answer would repeat).
//
// openai must never import hub, rest, a store or the assistant: it knows HTTP and JSON only.
package openai
