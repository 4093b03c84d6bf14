"""The call-flow core: menu schema and validation, intent matching, the engine.

Pure: imports nothing from Flask, Twilio or the database.
"""
