"""The employers feature's HTTP routes: the registry (provincial operators) and the employer's own view."""

ROUTES: list[object] = []
