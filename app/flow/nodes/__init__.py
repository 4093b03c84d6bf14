"""The built-in node types, one module each (see flow/node_types.py for what a
declaration holds). Importing this package registers them."""

from . import collect, handoff, hours, lookup, menu, say, sms_link  # noqa: F401
