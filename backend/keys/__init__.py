"""Key store and key tooling: data keys, online-code secrets and issuer signing keys."""
