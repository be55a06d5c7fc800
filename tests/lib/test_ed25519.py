"""lib.ed25519: registered public keys as clients send them."""

import base64
import hashlib

from backend.lib import ed25519


def test_a_registered_key_is_read_from_base64url_or_refused():
    _seed, public = ed25519.generate()
    text = base64.urlsafe_b64encode(public).rstrip(b"=").decode()
    assert ed25519.public_from_b64url(text) == public
    assert ed25519.public_from_b64url(text + "=") == public  # padding is optional
    assert ed25519.key_id(public) == hashlib.sha256(public).hexdigest()[:16]
    small_order = base64.urlsafe_b64encode(b"\x01" + b"\x00" * 31).decode()  # the identity: anyone signs for it
    for bad in ("", "not base64!", text[:-2], base64.urlsafe_b64encode(public + b"\x00").decode(), small_order):
        assert ed25519.public_from_b64url(bad) is None, bad
