"""The local call simulator (``flask call``, the journey tests): it plays the provider's
side, so it lives with the adapter it imitates."""

from .providers.twilio.simulator import (  # noqa: F401
    MAX_REQUESTS,
    SILENCE,
    CallerTurn,
    Http,
    InProcess,
    SimulationFailed,
    Simulator,
    Transcript,
    press,
    say,
)
