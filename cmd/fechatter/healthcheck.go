package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"
)

// healthcheck asks the node on this machine whether it is alive (/healthz) or ready (/readyz)
// and fails unless it answers 2xx within the timeout: a container health check for images
// without a shell or curl (Docker's HEALTHCHECK, compose's healthcheck).
func (m *Main) healthcheck(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fechatter healthcheck", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	ready := fs.Bool("ready", false, "check /readyz (store, NATS, not draining) instead of /healthz")
	url := fs.String("url", "", "URL to check; by default the node at FECHATTER_ADDR on this machine")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		*url = localURL(env("FECHATTER_ADDR", ":8080"), env("FECHATTER_TLS_CERT", "") != "")
		if *ready {
			*url += "/readyz"
		} else {
			*url += "/healthz"
		}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	// The probe talks to this very node over loopback: its certificate names the public host.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("healthcheck: %s answered %s", *url, resp.Status)
	}
	return nil
}

// localURL is the base URL of a node listening on addr, reached over loopback.
func localURL(addr string, tlsOn bool) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = "", "8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	scheme := "http"
	if tlsOn {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
