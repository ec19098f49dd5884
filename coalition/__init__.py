"""Coalition HQ: the project package, and the app for what is coalition-wide."""
