"""A signed-in reader's own pages (filled in below)."""
from starlette.routing import Route

ROUTES: list[Route] = []
