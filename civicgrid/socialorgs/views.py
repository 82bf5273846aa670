"""Pages of 社会组织."""
