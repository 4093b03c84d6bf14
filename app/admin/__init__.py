"""The operator web app under /admin."""
