"""Hotline reports (built by the "Hotline" issue)."""
