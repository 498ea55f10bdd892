"""The ingest API's routers: submitting and following reports, and the operator endpoints."""
