"""The HR file's HTTP routes: writers (agencies, employers, staff), readers on a basis, the holder."""

from backend.hrfile import routes_hrholder, routes_hrquery, routes_hrstaff, routes_hrwriters

ROUTES: list[object] = [
    *routes_hrwriters.ROUTES,
    *routes_hrquery.ROUTES,
    *routes_hrholder.ROUTES,
    *routes_hrstaff.ROUTES,
]
