"""The bank simulator `yikatong bank-sim`: a bank played against the real HTTP API, never code inside the service."""

PUBLIC = ()
