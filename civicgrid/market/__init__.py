"""The flea market (跳蚤市场) and the 1-km business circle (微商圈)."""
