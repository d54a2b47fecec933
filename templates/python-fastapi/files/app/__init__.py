"""The service's code; see README.md."""
