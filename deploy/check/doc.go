// Package check validates the deployment files offline: the Grafana dashboards under
// deploy/grafana/dashboards (strictly decoded and validated with the Grafana Foundation SDK)
// and the Helm chart's rendered manifests (strictly decoded into the Kubernetes API types of
// k8s.io/api and the Prometheus Operator's types).
//
// It is a Go module of its own so that the server's module never depends on Kubernetes or
// Grafana libraries: `go test ./...` at the root does not build it, and the fechatter binary
// cannot link it. Run it with `make helm` and `make lint` (CI runs both through
// `make check-deploy`). It must never import the server's packages.
package check
