"""Admin for the person register (filled in below the milestone)."""
