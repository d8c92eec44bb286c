"""Services: every change to the register goes through these functions (they take a session)."""
