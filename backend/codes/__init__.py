"""Dynamic QR codes: the online (server-verified) and offline (signed) code formats."""
