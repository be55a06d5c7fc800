"""The labour contracts' HTTP routes: the employer drafts and signs, the employee signs in the wallet, either verifies."""

ROUTES: list[object] = []
