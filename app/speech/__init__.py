"""Speech layer: G.711, Vosk model registry, per-prompt recognition, recognizer capacity."""
