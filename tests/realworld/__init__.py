"""The development panel: real public repositories judged by hand, compared with `invoke ci`."""
