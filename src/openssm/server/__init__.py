"""The HTTP server: routes, the request gateway, authentication and the process lifespan."""
