"""The statements' HTTP routes: the holder issues, downloads and withdraws; anyone verifies."""

ROUTES: list[object] = []
