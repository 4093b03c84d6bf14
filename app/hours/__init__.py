"""Business hours per queue: the pure rules (rules.py, spoken.py), the rows operators keep
in the app (models.py), and the service that answers "open now? opens when?" (service.py)."""
