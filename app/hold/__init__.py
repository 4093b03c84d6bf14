"""Hold: queue wait loop, channels, announcements, quiz, callbacks, audio library."""
