"""Campaign events, training and deployment (built by the "Campaign events" issue)."""
