"""The HR file's HTTP routes: writers (agencies, employers, staff), readers on a basis, the holder."""

ROUTES: list[object] = []
