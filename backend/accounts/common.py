"""Small helpers shared by the accounts services: device labels."""

from __future__ import annotations

_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("HarmonyOS", "HarmonyOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)
_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("AlipayClient", "Alipay"),
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)


def device_label(user_agent: str, given: str | None) -> str:
    """The label people see in their session list: theirs if given, else guessed from the UA."""
    if given and given.strip():
        return given.strip()[:64]
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    if system and browser:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"
