"""Test-only relying parties (issue 19): pages written with oidc-client-ts and a device-flow terminal, on another origin."""
