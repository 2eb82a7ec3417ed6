"""Reference SMS verification service: buy a phone number, receive a one-time code."""

__version__ = "1.0.0"
