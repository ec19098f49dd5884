"""The election fund's ledger (built by the "Election fund" issue)."""
