"""The election-day JSON API, version 1 (/api/v1/), with its OpenAPI schema at /api/v1/openapi.json and browsable
docs at /api/v1/docs (django-ninja; Swagger UI served from the package's own static files, no CDN)."""
