"""Pages of 投票与调研."""
