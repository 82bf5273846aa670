"""The integrations' models, one module per interface."""

from .api_keys import ApiKey

__all__ = ["ApiKey"]
