"""Pages of 社区活动."""
