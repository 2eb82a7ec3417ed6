"""Shared helpers for the SMS service tests (fake provider server, builders, clocks)."""
