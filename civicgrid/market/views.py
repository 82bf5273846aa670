"""Pages of 跳蚤市场与微商圈."""
