// Package deploy holds the Kubernetes manifests (plain YAML, applied in the
// order docs/operations.md gives). It has no code: its test decodes every
// manifest strictly into the Kubernetes API types and checks the wiring
// against the service itself (the settings internal/config reads, the
// probe paths the server answers, the listen port). The Kubernetes modules
// are imported by that test alone, so the careers binary does not link them.
package deploy
